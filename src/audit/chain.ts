import type postgres from 'postgres';

/** The result of checking the audit chain: intact, or the first record where it breaks, and why. */
export interface ChainVerification {
  intact: boolean;
  /** Records checked. */
  checked: number;
  firstBroken: { seq: number; reason: string } | null;
}

/**
 * Recomputes every record's hash in the database (audit_hash, the function the chain trigger uses) and
 * follows the links in sequence order: a record whose content no longer gives its hash was edited; one
 * whose previous hash is not the hash of the record before it follows a deletion (or an edit of that
 * link); a head that does not name the last record means records were removed from the end. One statement,
 * however long the log: only the first break comes back.
 */
export async function verifyAuditChain(
  sql: postgres.Sql | postgres.TransactionSql,
): Promise<ChainVerification> {
  const [head] = await sql<{ lastSeq: string | null; lastHash: string; anchorHash: string }[]>`
    select last_seq as "lastSeq", last_hash as "lastHash", anchor_hash as "anchorHash" from audit_chain_head`;
  const [result] = await sql<
    {
      checked: string;
      seq: string | null;
      reason: string | null;
      lastSeq: string | null;
      lastHash: string | null;
    }[]
  >`
    with links as (
      select seq, hash, prev_hash, audit_hash(a) as recomputed,
             coalesce(lag(hash) over (order by seq), ${head.anchorHash}) as previous
      from audit_log a
    ),
    broken as (
      select seq, case when hash <> recomputed then 'edited: its content no longer matches its hash'
                       else 'a record before it was deleted or its link edited: the previous hash does not match' end
             as reason
      from links where hash <> recomputed or prev_hash <> previous
      order by seq limit 1
    )
    select (select count(*) from audit_log) as checked,
           (select seq from broken) as seq, (select reason from broken) as reason,
           (select max(seq) from audit_log) as "lastSeq",
           (select hash from audit_log order by seq desc limit 1) as "lastHash"`;
  const checked = Number(result.checked);
  if (result.seq !== null) {
    return { intact: false, checked, firstBroken: { seq: Number(result.seq), reason: result.reason ?? '' } };
  }
  const headSeq = head.lastSeq === null ? null : Number(head.lastSeq);
  const lastSeq = result.lastSeq === null ? null : Number(result.lastSeq);
  if (headSeq !== null && (lastSeq === null || lastSeq < headSeq || result.lastHash !== head.lastHash)) {
    return {
      intact: false,
      checked,
      firstBroken: {
        seq: headSeq,
        reason: `records up to ${headSeq} were written, the log ends at ${lastSeq ?? 'nothing'}: records were removed from its end`,
      },
    };
  }
  return { intact: true, checked, firstBroken: null };
}

/**
 * Removes the records older than the retention period: the longest run of oldest records (by sequence)
 * that are all past it, so the log keeps no hole (a record held during an outage is written late, with
 * the time it happened). The database refuses any younger than 6 months, and moves the chain's anchor to
 * the newest removed, so the rest still verifies.
 */
export async function purgeAuditLog(sql: postgres.Sql, retentionDays: number): Promise<number> {
  // audit_purge runs as the log's owner: the role the hub writes with may not delete (migration 0009)
  const [{ removed }] = await sql<
    { removed: string }[]
  >`select audit_purge(${retentionDays}::int) as removed`;
  return Number(removed);
}
