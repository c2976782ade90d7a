import DataLoader from 'dataloader';
import { and, count, desc, eq, getTableColumns, gt, gte, inArray, lt, or, type SQL, sql } from 'drizzle-orm';
import { assertActOnAlert, canSeeAlert } from '../access/actions.js';
import { holds } from '../access/capabilities.js';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import { datasetByName } from '../catalog/registry.js';
import { MAX_PAGE_SIZE } from '../datasets/store.js';
import type { Db } from '../db/connection.js';
import { countMatching, keysetPage, type Paged } from '../db/keysetPage.js';
import { badInput, userError } from '../errors.js';
import { inSpan } from '../tracing/spans.js';
import { announceAlertsChanged } from './alertsChanged.js';
import { ALERT_FEED_LOCK } from './feedLock.js';
import type { EvidenceRecord, Rule } from './rule.js';
import { ruleById, rules } from './rules/index.js';
import { alert, alertEvent, supervisionState } from './tables.js';

/**
 * Alerts as a caller may see them. Scope: a department sees the alerts of the rules it must act on, a
 * district those of its district, overseers (seeAllAlerts) all. Disclosure: beyond its scope, a caller sees
 * an alert only if it reads in clear, on every evidence record, the fields the rule's situation depends on
 * (the rule's `reads`, the key and the district) and sees the record's row, and reads the same of every row
 * of the datasets the rule consults (whose absence or values decide a situation without being evidence): an
 * alert whose existence, measure or description would tell something about a record the caller may not read
 * does not exist for it, in lists, counts, lookups and cursors alike.
 */

export const ALERT_STATES = ['OPEN', 'ACKNOWLEDGED', 'RESOLVED', 'DISMISSED'] as const;
export type AlertState = (typeof ALERT_STATES)[number];

export type AlertRow = typeof alert.$inferSelect & { evidence: EvidenceRecord[] };
export type AlertEventRow = typeof alertEvent.$inferSelect;

const DEFAULT_PAGE_SIZE = 100;
/** An alert's (or any row's) id as PostgreSQL's uuid reads it: anything else finds nothing. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A comment or a dismissal's reason, at most this many characters. */
export const MAX_NOTE_LENGTH = 2000;

/**
 * The departments that must act on an alert: the rule's actors, `DISTRICT` read as the alert's district and
 * `OWNER` as the publishers of its evidence.
 */
export function actorsOf(
  rule: Rule,
  alert: { district: string | null; evidence: readonly Pick<EvidenceRecord, 'publisher'>[] },
): string[] {
  const actors = rule.actors.flatMap((actor) => {
    if (actor === 'DISTRICT') return alert.district ? [alert.district] : [];
    if (actor === 'OWNER') return alert.evidence.flatMap((e) => (e.publisher ? [e.publisher] : []));
    return [actor];
  });
  return [...new Set(actors)];
}

/** An alert of a rule with `OWNER` among its actors whose evidence this principal published. */
const publishedBy = (code: string) =>
  sql`exists (select 1 from jsonb_array_elements(${alert.evidence}) p where p->>'publisher' = ${code})`;

/** Fields of a dataset an evidence record of a rule discloses: those its situation reads, its key, its district. */
function disclosedFields(rule: Rule, datasetName: string): string[] {
  const dataset = datasetByName(datasetName);
  if (!dataset) return [];
  return [
    ...new Set([
      ...rule.reads[datasetName],
      ...dataset.key,
      ...(dataset.districtField ? [dataset.districtField] : []),
    ]),
  ];
}

/** Whether the caller may know of a rule's evidence record: its row and the fields the rule discloses. */
function readable(access: EffectiveAccess, rule: Rule, record: EvidenceRecord): boolean {
  const dataset = datasetByName(record.dataset);
  if (!dataset) return false;
  const me = access.principal;
  if (me.kind === 'DISTRICT' && dataset.districtField && record.district !== me.code) return false;
  // A record the rule picked among others of its dataset: its own rows are not enough (see `ranks`).
  const row = rule.ranks?.includes(record.dataset) ? {} : { publisher: record.publisher };
  return disclosedFields(rule, record.dataset).every(
    (field) => access.fieldOfRow(dataset, field, row) === 'CLEAR',
  );
}

/**
 * Whether the caller reads in clear, on every row, what the rule consults beyond its evidence (a district:
 * on its district's rows, the only ones a situation of its district consults).
 */
function readsConsulted(access: EffectiveAccess, rule: Rule): boolean {
  return (rule.consults ?? []).every((name) => readsAllClear(access, rule, name));
}

/** Whether the caller reads a dataset's fields the rule discloses in clear on every row (not only its own). */
function readsAllClear(access: EffectiveAccess, rule: Rule, name: string): boolean {
  const dataset = datasetByName(name);
  return !!dataset && disclosedFields(rule, name).every((field) => access.readsClear(dataset, field));
}

/** The caller may see this alert: in its scope, what the rule consults and every evidence record readable. */
export function visible(
  access: EffectiveAccess,
  row: Pick<AlertRow, 'rule' | 'district' | 'evidence'>,
): boolean {
  const rule = ruleById(row.rule);
  if (!rule) return false;
  const scope = { actors: actorsOf(rule, row), district: row.district };
  return (
    canSeeAlert(access.principal, scope) &&
    readsConsulted(access, rule) &&
    row.evidence.every((record) => readable(access, rule, record))
  );
}

/** The same decision as `visible`, as SQL over the alert table, so that pages and counts agree with it. */
function visibleSql(access: EffectiveAccess): SQL {
  const me = access.principal;
  const districtScoped = me.kind === 'DISTRICT';
  const perRule = rules
    .filter((rule) => readsConsulted(access, rule))
    .map((rule) => {
      // In scope for the whole rule (it must act or acts on all, or sees all), or for its district's alerts
      // only: canSeeAlert's decision.
      const acts = holds(me, 'seeAllAlerts') || holds(me, 'actOnAllAlerts') || rule.actors.includes(me.code);
      const inScope = acts
        ? sql`true`
        : (or(
            districtScoped ? eq(alert.district, me.code) : undefined,
            rule.actors.includes('OWNER') ? publishedBy(me.code) : undefined,
          ) ?? sql`false`);
      // Evidence datasets whose disclosed fields the caller reads in clear on every row.
      const clear = rule.datasets.filter((name) => readsAllClear(access, rule, name));
      const scoped = rule.datasets.filter((name) => districtScoped && datasetByName(name)?.districtField);
      // Its own record (as the publisher) too, unless the rule picked it among others (`ranks`).
      const own = rule.ranks?.length
        ? sql`(e->>'publisher' = ${me.code} and e->>'dataset' not in (${sql.join(
            rule.ranks.map((name) => sql`${name}`),
            sql`, `,
          )}))`
        : sql`e->>'publisher' = ${me.code}`;
      const fieldsOk = clear.length
        ? sql`(e->>'dataset' in (${sql.join(
            clear.map((name) => sql`${name}`),
            sql`, `,
          )}) or ${own})`
        : own;
      const rowOk = scoped.length
        ? sql`(e->>'dataset' not in (${sql.join(
            scoped.map((name) => sql`${name}`),
            sql`, `,
          )}) or e->>'district' = ${me.code})`
        : sql`true`;
      // An evidence record's unknown (null) district or publisher is not the caller's: coalesce, or the
      // null would make `not (...)` null and the record pass as readable where `visible` refuses it.
      return sql`(${alert.rule} = ${rule.id} and ${inScope} and not exists (
      select 1 from jsonb_array_elements(${alert.evidence}) e
      where not coalesce(${fieldsOk} and ${rowOk}, false)))`;
    });
  return or(...perRule) ?? sql`false`;
}

export interface AlertFilter {
  rule?: readonly string[] | null;
  severity?: readonly string[] | null;
  state?: readonly string[] | null;
  district?: readonly string[] | null;
  /** Alerts this department (or district) must act on. */
  department?: string | null;
  /** First seen at or after, before. */
  firstSeenFrom?: Date | null;
  firstSeenBefore?: Date | null;
  first?: number | null;
  after?: string | null;
}

function filterSql(filter: AlertFilter): SQL | undefined {
  const department = filter.department;
  const actingRules = department ? rules.filter((r) => r.actors.includes(department)).map((r) => r.id) : [];
  const districtActing = department
    ? rules.filter((r) => r.actors.includes('DISTRICT')).map((r) => r.id)
    : [];
  const ownerActing = department ? rules.filter((r) => r.actors.includes('OWNER')).map((r) => r.id) : [];
  return and(
    filter.rule?.length ? inArray(alert.rule, [...filter.rule]) : undefined,
    filter.severity?.length ? inArray(alert.severity, [...filter.severity]) : undefined,
    filter.state?.length ? inArray(alert.state, [...filter.state]) : undefined,
    filter.district?.length ? inArray(alert.district, [...filter.district]) : undefined,
    department
      ? or(
          actingRules.length ? inArray(alert.rule, actingRules) : undefined,
          districtActing.length
            ? and(inArray(alert.rule, districtActing), eq(alert.district, department))
            : undefined,
          ownerActing.length ? and(inArray(alert.rule, ownerActing), publishedBy(department)) : undefined,
          sql`false`,
        )
      : undefined,
    filter.firstSeenFrom ? gte(alert.firstSeenAt, filter.firstSeenFrom.toISOString()) : undefined,
    filter.firstSeenBefore ? lt(alert.firstSeenAt, filter.firstSeenBefore.toISOString()) : undefined,
  );
}

function pageSize(first: number | null | undefined): number {
  if (first == null) return DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(first) || first < 0 || first > MAX_PAGE_SIZE) {
    throw badInput(
      `每页条数须为 0 至 ${MAX_PAGE_SIZE}（收到 ${first}），更多请用 after 翻页 / first must be 0 to ${MAX_PAGE_SIZE} (got ${first}); page with after instead`,
      { argument: 'first' },
    );
  }
  return first;
}

const BAD_CURSOR =
  '分页游标无效：请原样传入上一页的 endCursor 或某条目的 cursor / malformed cursor: pass the endCursor or an edge cursor of a previous page unchanged';

export type AlertPage = Paged<AlertRow> & { cursorOf(row: AlertRow): string };

/** The alert service of one request: what the caller sees of the alerts, and its workflow actions. */
/**
 * When the alert was last found: an open or acknowledged one also when its rule last ran in full, since a
 * full evaluation resolves every such alert it does not find and leaves those it finds unchanged unwritten
 * (evaluate.ts).
 */
const lastSeenAt = sql<string>`case when ${alert.state} in ('OPEN', 'ACKNOWLEDGED')
  then greatest(${alert.lastSeenAt}, (
    select s.full_evaluated_at from ${supervisionState} s where s.rule = "alert"."rule"))
  else ${alert.lastSeenAt} end`.mapWith(alert.lastSeenAt);

/** An alert's columns as the service reads them. */
const alertColumns = { ...getTableColumns(alert), lastSeenAt };

export class Alerts {
  private readonly visibleWhere: SQL;

  /**
   * `alsoSeenBy`: callers whose view narrows this one's. The service then reads only the alerts that every
   * one of them sees as well (a webhook delivers what both its owner and the one who registered it see).
   */
  constructor(
    private readonly db: Db,
    private readonly access: EffectiveAccess,
    alsoSeenBy: readonly EffectiveAccess[] = [],
  ) {
    this.visibleWhere = and(visibleSql(access), ...alsoSeenBy.map(visibleSql)) as SQL;
  }

  /** The ids of the alerts the caller sees, as a subquery (for `inArray`). */
  visibleIds() {
    return this.db.select({ id: alert.id }).from(alert).where(this.visibleWhere);
  }

  /** A page of the alerts the caller sees, newest first (keyset on first seen and id). */
  async list(filter: AlertFilter): Promise<AlertPage> {
    const limit = pageSize(filter.first);
    const where = and(this.visibleWhere, filterSql(filter));
    let after: SQL | undefined;
    if (filter.after != null) {
      // A cursor is an alert id the caller sees; any other is refused alike (never "exists but hidden").
      const start = await this.byId(filter.after);
      if (!start) throw badInput(BAD_CURSOR, { argument: 'after' });
      after = sql`(${alert.firstSeenAt}, ${alert.id}) < (${start.firstSeenAt}::timestamptz, ${start.id}::uuid)`;
    }
    const fetched =
      limit === 0
        ? []
        : ((await this.db
            .select(alertColumns)
            .from(alert)
            .where(and(where, after))
            .orderBy(desc(alert.firstSeenAt), desc(alert.id))
            .limit(limit + 1)) as AlertRow[]);
    return keysetPage(fetched, limit, {
      hasPreviousPage: after !== undefined,
      cursorOf: (row) => row.id,
      count: (atMost) => countMatching(this.db, alert, where, atMost),
    });
  }

  /** One alert by id, or null when there is none the caller may see (a malformed id included). */
  async byId(id: string): Promise<AlertRow | null> {
    if (!UUID.test(id)) return null;
    const [row] = (await this.db
      .select(alertColumns)
      .from(alert)
      .where(and(eq(alert.id, id), this.visibleWhere))) as AlertRow[];
    return row ?? null;
  }

  /** Counts of the alerts the caller sees, by rule, district and state. */
  async summary(
    filter: AlertFilter,
  ): Promise<{ rule: string; district: string | null; state: string; count: number }[]> {
    const rows = await this.db
      .select({ rule: alert.rule, district: alert.district, state: alert.state, count: count() })
      .from(alert)
      .where(and(this.visibleWhere, filterSql(filter)))
      .groupBy(alert.rule, alert.district, alert.state)
      .orderBy(alert.rule, alert.district, alert.state);
    return rows.map((row) => ({ ...row, count: Number(row.count) }));
  }

  /**
   * The alerts the caller sees whose feed position is after `position`, in feed order, `limit` at most, each
   * with its latest event (the change that gave it its position).
   */
  async changesAfter(position: bigint, limit: number): Promise<(AlertRow & { lastEvent: AlertEventRow })[]> {
    const lastEvent = sql<AlertEventRow>`(
      select json_build_object('id', e.id, 'alertId', e.alert_id, 'at', e.at, 'event', e.event,
                               'principal', e.principal, 'note', e.note)
      from ${alertEvent} e where e.alert_id = "alert"."id" order by e.id desc limit 1)`;
    return (await this.db
      .select({ ...alertColumns, lastEvent })
      .from(alert)
      .where(and(this.visibleWhere, gt(alert.changeSeq, Number(position))))
      .orderBy(alert.changeSeq)
      .limit(limit)) as (AlertRow & { lastEvent: AlertEventRow })[];
  }

  /**
   * Batches the events of the alerts asked for in one tick (a page's `events` fields) into one statement;
   * no cache, so a step taken since is always seen.
   */
  private readonly eventLoader = new DataLoader<string, AlertEventRow[]>(
    (ids) =>
      inSpan('dataloader.batch', { 'jingtu.loader': 'alert.events', 'jingtu.batch.size': ids.length }, () =>
        this.alertEvents(ids),
      ),
    { cache: false, maxBatchSize: MAX_PAGE_SIZE },
  );

  /** The events of each of the alerts `ids`, oldest first, in one statement. */
  private async alertEvents(ids: readonly string[]): Promise<AlertEventRow[][]> {
    const rows = await this.db
      .select()
      .from(alertEvent)
      .where(inArray(alertEvent.alertId, [...ids]))
      .orderBy(alertEvent.id);
    const byAlert = new Map<string, AlertEventRow[]>(ids.map((id) => [id, []]));
    for (const row of rows) byAlert.get(row.alertId)?.push(row);
    return ids.map((id) => byAlert.get(id) ?? []);
  }

  /** An alert's events, oldest first. */
  events(alertId: string): Promise<AlertEventRow[]> {
    return this.eventLoader.load(alertId);
  }

  /**
   * A workflow step by a department that must act: acknowledge (an open alert), dismiss with a reason (an
   * open or acknowledged one), or comment. One statement, so two callers cannot both move the same alert.
   */
  async act(
    id: string,
    step: 'ACKNOWLEDGED' | 'DISMISSED' | 'COMMENTED',
    note: string | null,
  ): Promise<AlertRow> {
    if (note != null && note.length > MAX_NOTE_LENGTH) {
      throw badInput(`说明最多 ${MAX_NOTE_LENGTH} 字 / A note has at most ${MAX_NOTE_LENGTH} characters`, {
        argument: 'note',
      });
    }
    if (step !== 'ACKNOWLEDGED' && !note?.trim()) {
      throw badInput('须填写说明 / A reason or comment is required', { argument: 'note' });
    }
    const found = await this.byId(id);
    if (!found) throw userError('NOT_FOUND', '没有该预警 / No such alert');
    const rule = ruleById(found.rule) as Rule;
    assertActOnAlert(this.access.principal, {
      actors: actorsOf(rule, found),
      district: found.district,
    });
    const from: Record<typeof step, readonly AlertState[]> = {
      ACKNOWLEDGED: ['OPEN'],
      DISMISSED: ['OPEN', 'ACKNOWLEDGED'],
      COMMENTED: ALERT_STATES,
    };
    const to = step === 'COMMENTED' ? alert.state : sql`${step}`;
    const by = this.access.principal.code;
    const moved = await this.db.transaction(async (tx) => {
      // The step takes the alert's next feed position, in commit order (feedLock.ts).
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${ALERT_FEED_LOCK}))`);
      return tx.execute<{ id: string }>(sql`
        with moved as (
          update ${alert} set state = ${to}, change_seq = nextval('alert_change_seq')
          where ${alert.id} = ${id} and ${inArray(alert.state, [...from[step]])}
          returning ${alert.id}
        )
        insert into ${alertEvent} (alert_id, event, principal, note)
        select id, ${step}, ${by}, ${note} from moved
        returning alert_id as id`);
    });
    if (moved.length) announceAlertsChanged();
    else {
      throw badInput(
        `该预警当前状态为 ${found.state}，不能执行此操作 / The alert is ${found.state}: this step does not apply`,
        {
          state: found.state,
        },
      );
    }
    return (await this.byId(id)) as AlertRow;
  }
}
