import type postgres from 'postgres';
import type { AuditRecord } from './writer.js';

/** What auditors ask: who read field Y of dataset X in a period, what principal Z read, which grants were used. */
export interface AuditQuery {
  from?: Date | null;
  to?: Date | null;
  principal?: string | null;
  /** Records that read this dataset (with `field`: that field, in clear or masked, not just asked and denied). */
  dataset?: string | null;
  field?: string | null;
  grant?: string | null;
  event?: string | null;
  /** Continue after this sequence number (records come oldest first). */
  after?: number | null;
  first: number;
}

/** A record as stored: as written, with its sequence number, time and the chain's hashes. */
export type StoredAuditRecord = Omit<AuditRecord, 'at'> & {
  seq: number;
  at: string;
  prevHash: string;
  hash: string;
};

/** Audit records matching a query, oldest first, one more than asked for (the caller pages with it). */
export async function searchAuditLog(sql: postgres.Sql, query: AuditQuery): Promise<StoredAuditRecord[]> {
  const conditions = [sql`true`];
  // Times go as text: drizzle's postgres.js client passes timestamptz parameters (Dates) through unserialized.
  if (query.from) conditions.push(sql`at >= ${query.from.toISOString()}::timestamptz`);
  if (query.to) conditions.push(sql`at < ${query.to.toISOString()}::timestamptz`);
  if (query.principal) conditions.push(sql`principal = ${query.principal}`);
  if (query.event) conditions.push(sql`event = ${query.event}`);
  if (query.after != null) conditions.push(sql`seq > ${query.after}`);
  if (query.grant) conditions.push(sql`detail @> ${JSON.stringify({ grants: [query.grant] })}::jsonb`);
  if (query.dataset && query.field) {
    // containment finds the candidates through the GIN index; the mode test drops mere denied attempts
    conditions.push(
      sql`detail @> ${JSON.stringify({ reads: [{ dataset: query.dataset, field: query.field }] })}::jsonb`,
    );
    conditions.push(sql`exists (select 1 from jsonb_array_elements(detail -> 'reads') r
      where r ->> 'dataset' = ${query.dataset} and r ->> 'field' = ${query.field} and r ->> 'mode' <> 'DENIED')`);
  } else if (query.dataset) {
    conditions.push(sql`(detail @> ${JSON.stringify({ reads: [{ dataset: query.dataset }] })}::jsonb
      or detail -> 'rows' ? ${query.dataset})`);
  }
  const where = conditions.reduce((all, condition) => sql`${all} and ${condition}`);
  return sql<StoredAuditRecord[]>`
    select seq::int as seq, at, event, principal, key_id as "keyId", request_id as "requestId",
           operation_name as "operationName", document_hash as "documentHash", outcome, detail,
           prev_hash as "prevHash", hash
    from audit_log where ${where} order by seq limit ${query.first + 1}`;
}
