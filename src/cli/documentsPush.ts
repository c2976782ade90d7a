import { readFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { basename } from 'node:path';
import { AuditWriter } from '../audit/writer.js';
import { DEFAULT_LIMITS, type HubLimits } from '../config.js';
import type { Database } from '../db/connection.js';
import { checkManifest } from '../documents/check.js';
import { MAX_MANIFEST_BYTES, type ManifestProblem } from '../documents/manifest.js';
import { RegistrationRefused, registerDocuments } from '../documents/store.js';
import { schema } from '../graphql/schema.js';
import { createLogger } from '../http/logger.js';

/** The audit event of a registration: who ran it on this machine, for which principal, what it added. */
export const DOCUMENTS_REGISTER_EVENT = 'DOCUMENTS_REGISTER';

export interface PushOptions {
  file: string;
  principal: string;
  limits?: HubLimits;
}

/** One line per problem: where in the manifest, which id, what is wrong. */
function problemLine(problem: ManifestProblem): string {
  const where = problem.at ?? 'manifest';
  // (The Guild's entries are where their id is: named once.)
  const id = problem.id && !where.includes(problem.id) ? ` (${problem.id})` : '';
  return `jingtu: ${where}${id}: ${problem.message}`;
}

/**
 * `jingtu documents push`: reads a manifest (bounded), checks every entry (its id, its text against the
 * schema and the query limits), and registers all of them in one transaction, or none when any is bad (each
 * problem on stderr, then `refused`). An addition is audited like a key change, with the OS user.
 */
export async function pushManifest(
  database: Database,
  options: PushOptions,
  refused: (message: string) => Error,
): Promise<void> {
  const { file, principal } = options;
  let bytes: Buffer;
  try {
    const { size } = await stat(file);
    if (size > MAX_MANIFEST_BYTES) {
      throw refused(
        `${file} has ${size} bytes, more than the limit of ${MAX_MANIFEST_BYTES}: nothing registered`,
      );
    }
    bytes = await readFile(file);
  } catch (error) {
    if (!(error as NodeJS.ErrnoException).code) throw error;
    throw refused(`cannot read ${file}: ${(error as Error).message}`);
  }
  const checked = checkManifest(schema, (options.limits ?? DEFAULT_LIMITS).query, bytes);
  const { documents, problems } = checked;
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`${problemLine(problem)}\n`);
    const of = checked.entries === undefined ? '' : ` (${problems.length} of ${checked.entries} entries)`;
    throw refused(`${file} refused${of}: nothing registered`);
  }
  const registration = await registerDocuments(database.db, principal, documents).catch((error) => {
    throw error instanceof RegistrationRefused ? refused(`${error.message}: nothing registered`) : error;
  });
  if (registration.added.length > 0) {
    const writer = new AuditWriter(database.sql, createLogger('warn'));
    await writer.write({
      event: DOCUMENTS_REGISTER_EVENT,
      principal: null,
      keyId: null,
      requestId: null,
      operationName: `jingtu documents (${userInfo().username}@cli)`,
      documentHash: null,
      outcome: 'OK',
      detail: {
        principal,
        file: basename(file),
        format: checked.format,
        added: registration.added.map(({ id, name, type }) => ({ id, name, type })),
        already: registration.already.length,
      },
    });
    await writer.close();
  }
  for (const { id, name, type } of registration.added) console.log(`registered ${id} ${type} ${name}`);
  console.log(
    `${registration.added.length} document${registration.added.length === 1 ? '' : 's'} registered for ${principal}, ${registration.already.length} already registered`,
  );
}
