import {
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  Kind,
  type OperationDefinitionNode,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import type { QueryLimits } from '../config.js';
import { limitRules } from '../http/limits.js';
import { type ManifestEntry, type ManifestProblem, parseManifest } from './manifest.js';

/** A manifest entry fit to register: one named query or mutation, valid against the hub's schema. */
export interface CheckedDocument {
  id: string;
  name: string;
  type: 'query' | 'mutation';
  body: string;
}

/** Validation errors shown per entry, at most. */
const MAX_ERRORS_SHOWN = 3;

/**
 * Checks an entry as a request's document is checked before it runs: parsed within the token limit,
 * validated against the schema with the hub's own limits (depth, aliases, directives); and, to be run by
 * id, it must hold exactly one operation, named (the audit records documents by id and name), a query or a
 * mutation, whose name and type are those the manifest gives (Apollo's format gives them).
 */
export function checkEntry(
  schema: GraphQLSchema,
  limits: QueryLimits,
  entry: ManifestEntry,
): CheckedDocument | ManifestProblem {
  const problem = (message: string): ManifestProblem => ({ at: entry.at, id: entry.id, message });
  let document: DocumentNode;
  try {
    document = parse(entry.body, { maxTokens: limits.tokens });
  } catch (error) {
    const message = (error as Error).message;
    return problem(
      `not valid GraphQL: ${message.startsWith('Syntax Error') ? message : `Syntax Error: ${message}`}`,
    );
  }
  const operations = document.definitions.filter(
    (definition): definition is OperationDefinitionNode => definition.kind === Kind.OPERATION_DEFINITION,
  );
  if (operations.length !== 1) {
    return problem(`the document holds ${operations.length} operations: register one operation per document`);
  }
  const [operation] = operations;
  const name = operation.name?.value;
  if (!name) return problem('the operation has no name: name it (the audit records documents by name)');
  if (operation.operation === 'subscription') return problem('subscriptions are not served by the hub');
  if (entry.name !== undefined && entry.name !== name) {
    return problem(
      `the manifest names it ${JSON.stringify(entry.name)}, the document ${JSON.stringify(name)}`,
    );
  }
  if (entry.type !== undefined && entry.type !== operation.operation) {
    return problem(`the manifest says it is a ${entry.type}, the document a ${operation.operation}`);
  }
  const errors = validate(schema, document, [...specifiedRules, ...limitRules(limits)]);
  if (errors.length > 0) {
    const shown = errors.slice(0, MAX_ERRORS_SHOWN).map(located);
    const more = errors.length > MAX_ERRORS_SHOWN ? ` (and ${errors.length - MAX_ERRORS_SHOWN} more)` : '';
    return problem(`not valid against the hub's schema: ${shown.join('; ')}${more}`);
  }
  return { id: entry.id, name, type: operation.operation, body: entry.body };
}

/** An error with its first location in the document, `(line:column)`. */
function located(error: GraphQLError): string {
  const location = error.locations?.[0];
  return location ? `${error.message} (${location.line}:${location.column})` : error.message;
}

export function isProblem(checked: CheckedDocument | ManifestProblem): checked is ManifestProblem {
  return 'message' in checked;
}

/** A manifest checked whole: its documents fit to register, and every problem (none: register them all). */
export interface CheckedManifest {
  format?: 'apollo' | 'guild';
  /** Entries in the manifest, when it could be read as one. */
  entries?: number;
  documents: CheckedDocument[];
  problems: ManifestProblem[];
}

/** Reads a manifest's bytes (parseManifest) and checks each of its entries (checkEntry). */
export function checkManifest(schema: GraphQLSchema, limits: QueryLimits, bytes: Buffer): CheckedManifest {
  const parsed = parseManifest(bytes);
  const problems = [...parsed.problems];
  const documents: CheckedDocument[] = [];
  for (const entry of parsed.entries ?? []) {
    const checked = checkEntry(schema, limits, entry);
    if (isProblem(checked)) problems.push(checked);
    else documents.push(checked);
  }
  return parsed.entries
    ? { format: parsed.format, entries: parsed.entries.length + parsed.problems.length, documents, problems }
    : { documents, problems };
}
