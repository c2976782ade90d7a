import { createHash } from 'node:crypto';
import { MAX_DOCUMENT_LENGTH } from '../http/limits.js';

/**
 * Manifests of trusted documents, in the two formats client tooling writes:
 *
 * - Apollo's persisted query manifest (`@apollo/generate-persisted-query-manifest`):
 *   `{"format": "apollo-persisted-query-manifest", "version": 1, "operations": [{"id", "name", "type", "body"}]}`;
 * - The Guild's (graphql-codegen's client preset, `persistedDocuments`): `{"<hash>": "<document>", …}`.
 *
 * Each entry's id must be the SHA-256 of its body (hex): the id a request sends is then the hash of what
 * runs, and the hub computes the same hash (Apollo's `queryHash`) for the audit record.
 */

/** Largest manifest file read. */
export const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;
/** Most entries in one manifest. */
export const MAX_MANIFEST_ENTRIES = 1_000;

export const APOLLO_FORMAT = 'apollo-persisted-query-manifest';

/** One entry of a manifest, as given: `name` and `type` only where the format has them (Apollo's). */
export interface ManifestEntry {
  /** Where it is in the file: `operations[3]` or the Guild's key. */
  at: string;
  id: string;
  body: string;
  name?: string;
  type?: string;
}

/** Why an entry, or the whole manifest (`at: null`), cannot be registered. */
export interface ManifestProblem {
  at: string | null;
  id?: string;
  message: string;
}

export type ParsedManifest =
  | { format: 'apollo' | 'guild'; entries: ManifestEntry[]; problems: ManifestProblem[] }
  | { problems: ManifestProblem[]; entries?: undefined };

/** SHA-256 of a document's text (UTF-8), in hex: a trusted document's id. */
export const documentId = (body: string): string => createHash('sha256').update(body, 'utf8').digest('hex');

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** The bare hex of an id written `sha256:<hex>` or `<hex>`; undefined if it is neither. */
export function sha256Hex(id: string): string | undefined {
  const hex = id.startsWith('sha256:') ? id.slice('sha256:'.length) : id;
  return SHA256_HEX.test(hex) ? hex : undefined;
}

const fail = (message: string): ParsedManifest => ({ problems: [{ at: null, message }] });

/** A short, printable form of a client-given string, for a message. */
const shown = (value: string) => JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);

/**
 * The entries of a manifest file (its bytes, at most MAX_MANIFEST_BYTES), each checked on its own: its id
 * well-formed and the SHA-256 of its body, its body within MAX_DOCUMENT_LENGTH. Problems are listed per
 * entry; a manifest with any problem is registered not at all (the caller's rule).
 */
export function parseManifest(bytes: Buffer): ParsedManifest {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    return fail(`the manifest has ${bytes.length} bytes, more than the limit of ${MAX_MANIFEST_BYTES}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    return fail(`the manifest is not UTF-8 JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail(
      'the manifest is not a JSON object: expected Apollo\'s {"format": …} or {"<hash>": "<document>"}',
    );
  }
  const record = json as Record<string, unknown>;
  if ('format' in record) return apolloEntries(record);
  return guildEntries(record);
}

function apolloEntries(manifest: Record<string, unknown>): ParsedManifest {
  if (manifest.format !== APOLLO_FORMAT) {
    return fail(`unknown manifest format ${shown(String(manifest.format))}: expected "${APOLLO_FORMAT}"`);
  }
  if (manifest.version !== 1) {
    return fail(`unsupported version ${JSON.stringify(manifest.version)} of ${APOLLO_FORMAT}: expected 1`);
  }
  const { operations } = manifest;
  if (!Array.isArray(operations)) return fail('"operations" is not an array');
  const tooMany = countProblem(operations.length);
  if (tooMany) return tooMany;
  const entries: ManifestEntry[] = [];
  const problems: ManifestProblem[] = [];
  operations.forEach((operation: unknown, index) => {
    const at = `operations[${index}]`;
    if (typeof operation !== 'object' || operation === null || Array.isArray(operation)) {
      problems.push({ at, message: 'not an object {"id", "name", "type", "body"}' });
      return;
    }
    const { id, name, type, body } = operation as Record<string, unknown>;
    const missing = Object.entries({ id, name, type, body })
      .filter(([, value]) => typeof value !== 'string')
      .map(([key]) => key);
    if (missing.length > 0) {
      problems.push({ at, message: `${missing.join(', ')} missing or not a string` });
      return;
    }
    entries.push({ at, id: id as string, name: name as string, type: type as string, body: body as string });
  });
  return checked('apollo', entries, problems);
}

function guildEntries(manifest: Record<string, unknown>): ParsedManifest {
  const pairs = Object.entries(manifest);
  const tooMany = countProblem(pairs.length);
  if (tooMany) return tooMany;
  const entries: ManifestEntry[] = [];
  const problems: ManifestProblem[] = [];
  for (const [id, body] of pairs) {
    const at = shown(id);
    if (typeof body !== 'string') problems.push({ at, message: 'its document is not a string' });
    else entries.push({ at, id, body });
  }
  return checked('guild', entries, problems);
}

function countProblem(count: number): ParsedManifest | undefined {
  if (count === 0) return fail('the manifest has no operations');
  if (count > MAX_MANIFEST_ENTRIES) {
    return fail(`the manifest has ${count} operations, more than the limit of ${MAX_MANIFEST_ENTRIES}`);
  }
  return undefined;
}

/** The entries whose id is the SHA-256 of a body within the length limit; the others as problems. */
function checked(
  format: 'apollo' | 'guild',
  given: ManifestEntry[],
  problems: ManifestProblem[],
): ParsedManifest {
  const entries: ManifestEntry[] = [];
  for (const entry of given) {
    const hex = sha256Hex(entry.id);
    if (!hex) {
      problems.push({
        at: entry.at,
        message: /^[0-9a-f]{40}$/i.test(entry.id)
          ? `id ${shown(entry.id)} looks like a SHA-1: ids must be SHA-256 (graphql-codegen: persistedDocuments: { hashAlgorithm: 'sha256' })`
          : `id ${shown(entry.id)} is not a SHA-256 in hex (64 characters 0-9a-f, optionally after "sha256:")`,
      });
      continue;
    }
    if (entry.body.length > MAX_DOCUMENT_LENGTH) {
      problems.push({
        at: entry.at,
        id: hex,
        message: `the document has ${entry.body.length} characters, more than the limit of ${MAX_DOCUMENT_LENGTH}`,
      });
      continue;
    }
    const actual = documentId(entry.body);
    if (actual !== hex) {
      problems.push({
        at: entry.at,
        id: hex,
        message: `id ${hex} is not the SHA-256 of its document (${actual}): was the document changed after hashing?`,
      });
      continue;
    }
    entries.push({ ...entry, id: hex });
  }
  return { format, entries, problems };
}
