import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { assertKnownPrincipal, UnknownPrincipalError } from '../access/keys.js';
import type { Db } from '../db/connection.js';
import { trustedDocument } from '../db/hubTables.js';
import type { CheckedDocument } from './check.js';

/** Documents one principal may have registered in all: a bound on what the table holds. */
export const MAX_DOCUMENTS_PER_PRINCIPAL = 10_000;

/** A registration the hub refused as a whole: nothing of it was registered. */
export class RegistrationRefused extends Error {}

/** What a registration did: the documents it added, and those already registered (left as they were). */
export interface Registration {
  added: CheckedDocument[];
  already: CheckedDocument[];
}

/**
 * Registers documents for a principal in one transaction: all of them, or (unknown principal, too many
 * documents) none. A document already registered for the principal is left as it is (the same id is the
 * same text), so pushing a manifest again changes nothing.
 */
export async function registerDocuments(
  db: Db,
  principalCode: string,
  documents: readonly CheckedDocument[],
): Promise<Registration> {
  return db.transaction(async (tx) => {
    try {
      await assertKnownPrincipal(tx, principalCode);
    } catch (error) {
      throw error instanceof UnknownPrincipalError ? new RegistrationRefused(error.message) : error;
    }
    const unique = [...new Map(documents.map((document) => [document.id, document])).values()];
    const inserted =
      unique.length === 0
        ? []
        : await tx
            .insert(trustedDocument)
            .values(
              unique.map((document) => ({
                principalCode,
                id: document.id,
                operationName: document.name,
                operationType: document.type,
                body: document.body,
              })),
            )
            .onConflictDoNothing()
            .returning({ id: trustedDocument.id });
    const [{ count }] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(trustedDocument)
      .where(eq(trustedDocument.principalCode, principalCode));
    if (Number(count) > MAX_DOCUMENTS_PER_PRINCIPAL) {
      throw new RegistrationRefused(
        `${principalCode} would have ${count} registered documents, more than the limit of ${MAX_DOCUMENTS_PER_PRINCIPAL}`,
      );
    }
    const added = new Set(inserted.map((row) => row.id));
    return {
      added: unique.filter((document) => added.has(document.id)),
      already: unique.filter((document) => !added.has(document.id)),
    };
  });
}

/** A registered document as a request runs it. */
export interface RegisteredDocument {
  id: string;
  name: string;
  body: string;
}

/** The document `id` that `principalCode` registered; undefined for any other (another's included). */
export async function registeredDocument(
  db: Db,
  principalCode: string,
  id: string,
): Promise<RegisteredDocument | undefined> {
  const [found] = await db
    .select({ id: trustedDocument.id, name: trustedDocument.operationName, body: trustedDocument.body })
    .from(trustedDocument)
    .where(and(eq(trustedDocument.principalCode, principalCode), eq(trustedDocument.id, id)));
  return found;
}

/** A registered document as `jingtu documents list` shows it (no body). */
export interface ListedDocument {
  principalCode: string;
  id: string;
  operationName: string;
  operationType: string;
  registeredAt: string;
}

/** The registered documents, of the given principals (all when none), by principal and registration. */
export function listDocuments(db: Db, principalCodes: readonly string[] = []): Promise<ListedDocument[]> {
  return db
    .select({
      principalCode: trustedDocument.principalCode,
      id: trustedDocument.id,
      operationName: trustedDocument.operationName,
      operationType: trustedDocument.operationType,
      registeredAt: trustedDocument.registeredAt,
    })
    .from(trustedDocument)
    .where(principalCodes.length ? inArray(trustedDocument.principalCode, [...principalCodes]) : undefined)
    .orderBy(asc(trustedDocument.principalCode), asc(trustedDocument.registeredAt), asc(trustedDocument.id));
}
