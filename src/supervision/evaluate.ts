import { hash } from 'node:crypto';
import type postgres from 'postgres';
import { datasetByName } from '../catalog/registry.js';
import { publishLockName } from '../sync/publishLock.js';
import { announceAlertsChanged } from './alertsChanged.js';
import { ALERT_FEED_LOCK } from './feedLock.js';
import {
  type AffectedRows,
  type EvidenceRecord,
  keyJson,
  type Rule,
  ruleNames,
  ruleParams,
  ruleQuery,
  type Situation,
} from './rule.js';
import { rules as declaredRules } from './rules/index.js';

/**
 * Evaluation: runs rules over the live records and brings the alerts in step with what they find, in one
 * transaction per rule. An alert is its rule and evidence (`alertIdentity`): found again, it is seen again
 * (`last_seen_at`); found after it was resolved, it opens again; no longer found, it resolves, with when
 * and why. Dismissed and acknowledged alerts keep their state while the situation holds. Idempotent, and
 * safe on several hub processes at once (a transaction-scoped advisory lock per rule).
 */

export const RESOLVED_REASON =
  '情形不再成立（证据记录已变更或撤回） / The situation no longer holds (its records changed or were withdrawn)';

export interface RuleOutcome {
  rule: string;
  /** For the records changed since the rule last ran only (its `incremental`), or in full. */
  incremental: boolean;
  /** Situations found, alerts opened and reopened (of them), alerts resolved. */
  found: number;
  opened: number;
  reopened: number;
  resolved: number;
  ms: number;
}

/** What an alert's identity hashes: the rule and the datasets and keys of its evidence, in a canonical order. */
function identitySource(rule: string, situation: Situation): string {
  return JSON.stringify([rule, situation.evidence.map(recordRef).sort()]);
}

/** An alert's identity: the rule and the datasets and keys of its evidence, in a canonical order. */
export function alertIdentity(rule: string, situation: Situation): string {
  // One-shot hashing (crypto.hash): a third of createHash's time per call, the same digest.
  return hash('sha256', identitySource(rule, situation), 'hex');
}

export interface EvaluateOptions {
  /** Parameter values by rule id (defaults otherwise). */
  params?: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Called after each rule, for a progress bar. */
  onRule?: (outcome: RuleOutcome, done: number, of: number) => void;
}

/** The highest change sequence of a rule's datasets, as one statement (each a max over its unique index). */
async function changeSeqOf(sql: postgres.Sql, rule: Rule): Promise<number> {
  const parts = rule.datasets.map(
    (name) => sql`select max(change_seq) as seq from ${sql(datasetTable(name))}`,
  );
  const union = parts.reduce((all, part) => sql`${all} union all ${part}`);
  const [row] = await sql<{ seq: string | null }[]>`select max(seq) as seq from (${union}) s`;
  return Number(row.seq ?? 0);
}

/**
 * The highest change sequence of a rule's datasets once the publishes in flight into them have committed
 * (their locks taken shared, briefly): no change at or below it can commit later, so a mark set to it
 * misses none. Another dataset's publish may have drawn a lower number and commit after a higher one.
 */
async function settledChangeSeqOf(sql: postgres.Sql, rule: Rule): Promise<number> {
  return (await sql.begin(async (tx) => {
    // Waiting for a publish is the point: not a query that ran too long.
    await tx`set local statement_timeout = 0`;
    // In one statement, in a fixed order (as publishes take theirs).
    const locks = [...rule.datasets].sort().map(publishLockName);
    await tx`
      select pg_advisory_xact_lock_shared(hashtext(name))
      from unnest(${tx.array(locks)}::text[]) with ordinality as l(name, n) order by n`;
    return changeSeqOf(tx as unknown as postgres.Sql, rule);
  })) as number;
}

function datasetTable(name: string): string {
  const dataset = datasetByName(name);
  if (!dataset) throw new Error(`no dataset ${name}`);
  return dataset.table;
}

/**
 * Evaluates the rules whose datasets changed since each last ran (after a publish), and the rules that never
 * ran (in full). A rule that declares `incremental` is evaluated for the affected records only (rule.ts);
 * the others in full. Rules that read the date (deadlines, update cycles) also change as days pass: the
 * nightly full evaluation takes care of those.
 */
export async function evaluateChanged(
  sql: postgres.Sql,
  rules: readonly Rule[] = declaredRules,
  options: EvaluateOptions = {},
): Promise<RuleOutcome[]> {
  const marks = new Map(
    (
      await sql<{ rule: string; evaluated_seq: string }[]>`select rule, evaluated_seq from supervision_state`
    ).map((row) => [row.rule, Number(row.evaluated_seq)]),
  );
  const due: Rule[] = [];
  for (const rule of rules) {
    const mark = marks.get(rule.id);
    if (mark === undefined || (await changeSeqOf(sql, rule)) > mark) due.push(rule);
  }
  const outcomes: RuleOutcome[] = [];
  for (const rule of due) {
    const outcome = await evaluateRule(sql, rule, options.params?.[rule.id], Boolean(rule.incremental));
    outcomes.push(outcome);
    options.onRule?.(outcome, outcomes.length, due.length);
  }
  if (due.length) await purgeMovedAreas(sql);
  return outcomes;
}

/**
 * Forgets the moved areas (record_area_before) that every declared rule reading their dataset has
 * evaluated past; those of a dataset no rule reads at once.
 */
async function purgeMovedAreas(sql: postgres.Sql): Promise<void> {
  const readers = declaredRules.flatMap((rule) =>
    rule.datasets.map((dataset) => ({ dataset, rule: rule.id })),
  );
  await sql.begin(async (tx) => {
    await allowEvaluationTime(tx);
    await tx`
    with readers as (
      select * from jsonb_to_recordset(${JSON.stringify(readers)}::jsonb) as r(dataset text, rule text)
    ),
    past as (
      select r.dataset, min(coalesce(s.evaluated_seq, 0)) as seq
      from readers r left join supervision_state s on s.rule = r.rule group by r.dataset
    )
    delete from record_area_before a
    where not exists (select 1 from readers r where r.dataset = a.dataset)
       or a.change_seq <= (select p.seq from past p where p.dataset = a.dataset)`;
  });
}

/** Evaluates the given rules (all declared rules by default) in full. */
export async function evaluateRules(
  sql: postgres.Sql,
  rules: readonly Rule[] = declaredRules,
  options: EvaluateOptions = {},
): Promise<RuleOutcome[]> {
  const outcomes: RuleOutcome[] = [];
  for (const rule of rules) {
    const outcome = await evaluateRule(sql, rule, options.params?.[rule.id]);
    outcomes.push(outcome);
    options.onRule?.(outcome, outcomes.length, rules.length);
  }
  await purgeMovedAreas(sql);
  return outcomes;
}

/** What a rule finds now, without touching the alerts (the CLI's dry run, the tests). */
export async function findSituations(
  sql: postgres.Sql,
  rule: Rule,
  given?: Readonly<Record<string, number>>,
): Promise<Situation[]> {
  const find = async (tx: postgres.Sql) => {
    await allowEvaluationTime(tx);
    return rule.find(ruleQuery(tx, rule, ruleParams(rule, given)));
  };
  // In a caller's transaction (a test's that rolls back), the longer time holds for the rest of it.
  return 'begin' in sql && typeof sql.begin === 'function'
    ? ((await sql.begin((tx) => find(tx as unknown as postgres.Sql))) as Situation[])
    : find(sql);
}

/**
 * A digest of what an alert says: its identity's source (rule, evidence datasets and keys), its severity,
 * district and measure, and its evidence records' districts and publishers. Equal digests, nothing to
 * write; the source, then one flat array of strings and numbers, so that a city's quarter of a million
 * alerts per rule cost little (an object per alert, stringified whole, cost 3 µs more each). Digests written by an
 * earlier formula match nothing: the first full evaluation after a change of it writes each alert once.
 */
function contentDigest(source: string, situation: Situation, severity: string): string {
  const parts: (string | number | null)[] = [
    severity,
    situation.district,
    situation.measure?.kind ?? null,
    situation.measure?.value ?? null,
  ];
  for (const record of situation.evidence) parts.push(record.district, record.publisher);
  // The source is JSON: no line break of its own.
  return hash('sha256', `${source}\n${JSON.stringify(parts)}`, 'base64url');
}

/** A situation found, with the source of its identity and its digest: its identity is hashed only if written. */
interface Found {
  source: string;
  situation: Situation;
  digest: string;
}

/** A found situation as the alert it writes. */
function foundAlert(found: Found): FoundAlert {
  const { situation } = found;
  return {
    identity: hash('sha256', found.source, 'hex'),
    evidence: situation.evidence,
    district: situation.district,
    measure_kind: situation.measure?.kind ?? null,
    measure_value: situation.measure?.value ?? null,
    digest: found.digest,
  };
}

/** An evidence record's dataset and key as one string, whatever the order of the key's fields. */
function recordRef(record: Pick<EvidenceRecord, 'dataset' | 'key'>): string {
  const entries = Object.entries(record.key);
  if (entries.length > 1) entries.sort(([a], [b]) => (a < b ? -1 : 1));
  return JSON.stringify([record.dataset, entries]);
}

/**
 * An evidence record (a jsonb object with `dataset` and `key`) as one text, its dataset then its key as
 * jsonb prints it (its fields in jsonb's order): how alert_record holds it.
 */
function recordText(tx: postgres.TransactionSql, e: string) {
  return tx`(${tx(e)}->>'dataset') || (${tx(e)}->'key')::text`;
}

/**
 * The affected records as the texts of alert_record, one array: the table's B-tree is probed once per
 * element.
 */
function affectedRecords(tx: postgres.TransactionSql, affected: readonly AffectedRow[]) {
  return tx`array(select ${recordText(tx, 'x')}
    from jsonb_array_elements(${JSON.stringify(affected.map(({ dataset, key }) => ({ dataset, key })))}::jsonb) x)`;
}

interface AffectedRow {
  dataset: string;
  id: string;
  key: Record<string, string>;
}

/**
 * The rows of a rule's role datasets that changed since `mark` (tombstones included: the row stays with its
 * key), and those its `via` queries name: what an incremental evaluation looks at.
 */
async function affectedRowsOf(tx: postgres.Sql, rule: Rule, mark: number): Promise<AffectedRow[]> {
  const incremental = rule.incremental;
  if (!incremental) throw new Error(`rule ${rule.id} is not incremental`);
  const names = ruleNames(tx, rule);
  const changed = (name: string, alias: string) => {
    names.dataset(name);
    return tx`${tx(alias)}.change_seq > ${mark}`;
  };
  const movedFrom = (name: string, field: string) => {
    names.column(name, field);
    return tx`select area from record_area_before
      where dataset = ${name} and field = ${field} and change_seq > ${mark}`;
  };
  const parts = [...new Set(incremental.roles.flat())].map((name) => {
    const via = incremental.via?.[name];
    const ids = via
      ? tx`select id from ${names.table(name)} where change_seq > ${mark} union (${via({ sql: tx, ...names, changed, movedFrom })})`
      : tx`select id from ${names.table(name)} where change_seq > ${mark}`;
    return tx`select ${name}::text as dataset, a.id::text as id, ${keyJson(tx, name, 'a')} as key
      from ${names.table(name)} a where a.id in (${ids})`;
  });
  return tx<AffectedRow[]>`${parts.reduce((all, part) => tx`${all} union all ${part}`)}`;
}

/**
 * What an incremental evaluation finds: the rule's query once per role with affected rows, restricted to
 * that role's affected rows, keeping the situations with an affected evidence record.
 */
async function findAffected(
  tx: postgres.Sql,
  rule: Rule,
  params: Readonly<Record<string, number>>,
  affected: readonly AffectedRow[],
): Promise<Situation[]> {
  const refs = new Set(affected.map(recordRef));
  const situations: Situation[] = [];
  for (const role of rule.incremental?.roles ?? []) {
    const rows: AffectedRows = new Map(
      role.map((name) => [name, affected.filter((row) => row.dataset === name).map((row) => Number(row.id))]),
    );
    if (![...rows.values()].some((ids) => ids.length)) continue;
    const found = await rule.find(ruleQuery(tx, rule, params, rows));
    // A loop, not push(...): a role may find more situations than a call's arguments may hold.
    for (const situation of found) {
      if (situation.evidence.some((record) => refs.has(recordRef(record)))) situations.push(situation);
    }
  }
  return situations;
}

/**
 * Lets a rule's statements in this transaction run longer than a request's may (the connections'
 * statement_timeout, 15 s by default): EXCEEDS_SCREENING_UNINVESTIGATED took 45 s at the benchmark's city scale.
 * Bounded still, so that no statement holds the rule's lock for ever.
 */
async function allowEvaluationTime(tx: postgres.Sql | postgres.TransactionSql): Promise<void> {
  await tx`select set_config('statement_timeout', '15min', true)`;
}

/** Alerts written per statement: a city's first evaluation finds hundreds of thousands. */
const UPSERT_ROWS = 5000;

interface FoundAlert {
  identity: string;
  evidence: readonly EvidenceRecord[];
  district: string | null;
  measure_kind: string | null;
  measure_value: number | null;
  digest: string;
}

/**
 * Writes found alerts: new ones open, resolved ones open again, the others are seen again with what they
 * say now; an event for each that opened or reopened. All CTEs see the alerts as they were before the
 * statement: `prev` tells a new alert from one that was resolved and opens again. Membership in `prev` is
 * tested with IN (a hashed subplan): a join of `up` and `prev` was planned as a nested loop over the
 * recordset (its size unknown to the planner), quadratic in the alerts found (0.7 s for 1,474).
 */
async function upsertAlerts(tx: postgres.TransactionSql, rule: Rule, rows: readonly FoundAlert[]) {
  return tx<{ event: string }[]>`
      with s as (
        select * from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb)
          as s(identity text, evidence jsonb, district text, measure_kind text, measure_value float8, digest text)
      ),
      prev as (select a.identity, a.state from alert a join s using (identity) where a.rule = ${rule.id}),
      up as (
        insert into alert as a (rule, identity, evidence, district, measure_kind, measure_value, severity, state,
                                first_seen_at, last_seen_at, digest)
        select ${rule.id}, s.identity, s.evidence, s.district, s.measure_kind, s.measure_value, ${rule.severity},
               'OPEN', now(), now(), s.digest
        from s
        on conflict (rule, identity) do update set
          evidence = excluded.evidence, district = excluded.district, measure_kind = excluded.measure_kind,
          measure_value = excluded.measure_value, severity = excluded.severity, last_seen_at = excluded.last_seen_at,
          digest = excluded.digest,
          state = case when a.state = 'RESOLVED' then 'OPEN' else a.state end,
          resolved_at = case when a.state = 'RESOLVED' then null else a.resolved_at end,
          resolved_reason = case when a.state = 'RESOLVED' then null else a.resolved_reason end,
          reopened_count = a.reopened_count + (a.state = 'RESOLVED')::int,
          change_seq = case when a.state = 'RESOLVED' then nextval('alert_change_seq') else a.change_seq end
        returning a.id, a.identity
      ),
      -- A new alert's evidence records (alert_record); a reopened one has its rows from when it was raised.
      records as (
        insert into alert_record (rule, record, alert_id)
        select ${rule.id}, ${recordText(tx, 'e')}, up.id
        from up join s using (identity) cross join jsonb_array_elements(s.evidence) e
        where up.identity not in (select identity from prev)
        on conflict do nothing
      )
      insert into alert_event (alert_id, at, event)
      select up.id, now(), case when up.identity in (select identity from prev) then 'REOPENED' else 'OPENED' end
      from up
      where up.identity not in (select identity from prev where state <> 'RESOLVED')
      returning event`;
}

/**
 * Evaluates one rule: in full, or incrementally (a rule that declares `incremental` and ran before) for the
 * records changed since it last ran.
 */
async function evaluateRule(
  sql: postgres.Sql,
  rule: Rule,
  given?: Readonly<Record<string, number>>,
  incremental = false,
): Promise<RuleOutcome> {
  const started = performance.now();
  const params = ruleParams(rule, given);
  // Read before the rule's query: a change committed meanwhile is seen again by the next evaluation.
  const seq = await settledChangeSeqOf(sql, rule);
  const outcome = (await sql.begin(async (tx) => {
    await allowEvaluationTime(tx);
    // One evaluation of a rule at a time across processes; the rule's query reads in this transaction,
    // so what it finds and what it resolves are of the same moment.
    await tx`select pg_advisory_xact_lock(hashtext(${`supervision:${rule.id}`}))`;

    const db = tx as unknown as postgres.Sql;
    // The mark as the last evaluation (under this lock) left it.
    const [last] = incremental
      ? await tx<
          { seq: string }[]
        >`select evaluated_seq::text as seq from supervision_state where rule = ${rule.id}`
      : [];
    const mark = last ? Number(last.seq) : undefined;
    const affected = mark === undefined ? undefined : await affectedRowsOf(db, rule, mark);
    const situations = affected
      ? await findAffected(db, rule, params, affected)
      : await rule.find(ruleQuery(db, rule, params));
    // One situation per identity (by its source, the text the identity hashes).
    const bySource = new Map<string, Situation>();
    for (const situation of situations) bySource.set(identitySource(rule.id, situation), situation);
    const found: Found[] = [];
    for (const [source, situation] of bySource) {
      found.push({ source, situation, digest: contentDigest(source, situation, rule.severity) });
    }
    const full = affected === undefined;
    // From here on alerts take feed positions: in commit order across rules and processes (feedLock.ts).
    await tx`select pg_advisory_xact_lock(hashtext(${ALERT_FEED_LOCK}))`;
    // A full evaluation writes only the alerts it finds new, changed, resolved or dismissed, and resolves the
    // open and acknowledged ones it does not find: most alerts of a run are found unchanged, and are left
    // as they are (their digest tells; `supervision_state.full_evaluated_at` says they were seen). It reads
    // the digests of the open alerts, and the identities of only those whose digest it did not find (changed
    // or gone): at city scale, a quarter of a million identities per rule cost it a third of a second more to
    // read, and their hashing as much again for each alert found unchanged. A per-key evaluation
    // writes what it finds (a few rows) and resolves, among the alerts with an affected evidence record,
    // those it does not find.
    let written: FoundAlert[];
    let notFound: string[] = [];
    if (full) {
      const current = new Set(
        (
          await tx<{ digest: string }[]>`
            select coalesce(digest, '-') as digest from alert where rule = ${rule.id} and state in ('OPEN', 'ACKNOWLEDGED')`
        ).map((row) => row.digest),
      );
      written = found.filter((f) => !current.has(f.digest)).map((f) => foundAlert(f));
      const foundDigests = new Set(found.map((f) => f.digest));
      const unmatched = [...current].filter((digest) => !foundDigests.has(digest));
      if (unmatched.length) {
        // An alert whose digest was not found is changed (its identity is among those written) or gone.
        const writtenIdentities = new Set(written.map((f) => f.identity));
        const identities = await tx<{ identity: string }[]>`
          select identity from alert where rule = ${rule.id} and state in ('OPEN', 'ACKNOWLEDGED')
            and (digest is null or digest in (select jsonb_array_elements_text(${JSON.stringify(unmatched)}::jsonb)))`;
        notFound = identities.map((a) => a.identity).filter((identity) => !writtenIdentities.has(identity));
      }
    } else {
      written = found.map((f) => foundAlert(f));
    }
    const seen: { event: string }[] = [];
    for (let at = 0; at < written.length; at += UPSERT_ROWS) {
      for (const row of await upsertAlerts(tx, rule, written.slice(at, at + UPSERT_ROWS))) seen.push(row);
    }
    // Everything this rule raised before and did not find now; in an incremental run, only the alerts with an
    // affected evidence record: the others were not looked at. It held when the rule last ran in full. The
    // alerts of an affected record come from alert_record's B-tree, one probe per record: reading the
    // evidence of every alert of the rule took 1.4 s for PERMIT_BEFORE_REMEDIATION's 250,000 at city scale.
    // Both sets are arrays computed before the scan, so that the plan probes the indexes whatever the
    // planner guesses (PGlite keeps no statistics unless told to analyse).
    // The affected records as alert_record's texts, made once: the probe and the check below both use them.
    const records = affected
      ? (await tx<{ records: string[] }[]>`select ${affectedRecords(tx, affected)} as records`)[0].records
      : [];
    const gone = affected
      ? tx`identity not in (select jsonb_array_elements_text(${JSON.stringify(written.map((f) => f.identity))}::jsonb))
          and id = any(array(
          select r.alert_id from alert_record r
          where r.rule = ${rule.id} and r.record = any(${tx.array(records)}::text[])))
          -- The candidates' own evidence decides (a few rows): alert_record only finds them.
          and exists (
            select 1 from jsonb_array_elements(alert.evidence) e
            where ${recordText(tx, 'e')} = any(${tx.array(records)}::text[]))`
      : tx`identity in (select jsonb_array_elements_text(${JSON.stringify(notFound)}::jsonb))`;
    // A full evaluation that found every open alert again has nothing to resolve (nor, above, to write when
    // it found nothing new or changed): no statement.
    const resolved =
      full && !notFound.length
        ? []
        : await tx`
      with r as (
        update alert set state = 'RESOLVED', resolved_at = now(), resolved_reason = ${RESOLVED_REASON},
                         change_seq = nextval('alert_change_seq'),
                         last_seen_at = greatest(last_seen_at, (
                           select full_evaluated_at from supervision_state where rule = ${rule.id}))
        where rule = ${rule.id} and state in ('OPEN', 'ACKNOWLEDGED') and ${gone}
        returning id
      )
      insert into alert_event (alert_id, at, event, note) select id, now(), 'RESOLVED', ${RESOLVED_REASON} from r
      returning alert_id`;
    await tx`
      insert into supervision_state (rule, evaluated_seq, evaluated_at, full_evaluated_at)
      values (${rule.id}, ${seq}, now(), case when ${full} then now() end)
      on conflict (rule) do update set evaluated_seq = excluded.evaluated_seq, evaluated_at = excluded.evaluated_at,
        full_evaluated_at = coalesce(excluded.full_evaluated_at, supervision_state.full_evaluated_at)`;
    return {
      rule: rule.id,
      incremental: !full,
      found: found.length,
      opened: seen.filter((e) => e.event === 'OPENED').length,
      reopened: seen.filter((e) => e.event === 'REOPENED').length,
      resolved: resolved.length,
      ms: Math.round(performance.now() - started),
    };
  })) as RuleOutcome;
  if (outcome.opened || outcome.reopened || outcome.resolved) announceAlertsChanged();
  return outcome;
}
