import { and, gte, inArray, lt } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/catalog/define.js';
import { type AlertRow, actorsOf } from '../../src/supervision/alerts.js';
import { evaluateRules } from '../../src/supervision/evaluate.js';
import type { Rule } from '../../src/supervision/rule.js';
import { ruleById } from '../../src/supervision/rules/index.js';
import { alert, alertEvent } from '../../src/supervision/tables.js';
import {
  ALERT_CALLERS,
  ALERT_DATASETS,
  ALERT_RULES,
  alertFixture,
  type ExpectedSituation,
  evidenceRow,
  expectedSituations,
  fixtureRow,
  inScope,
  readableFixture,
  readsEvidence,
  seesAlert,
} from '../support/alertLeaks.js';
import type { GraphqlResponse } from '../support/hub.js';
import {
  AWAY,
  asCallers,
  ENTITIES,
  type GqlError,
  LABELS,
  ResponseCheck,
  type Row,
  renderSels,
  rowMode,
  type Sel,
  scalarSels,
  Tally,
  type View,
  visible,
  withLeakWorld,
} from '../support/leaks.js';
import { databaseToday } from '../support/supervision.js';

/**
 * Alerts under the leak oracles: real rules evaluated on a canary fixture, and every caller of the leak world
 * (and a few more) asks for them every way the API offers: lists with counts and cursors, the summary, each
 * alert of the run by id, each as a cursor, and the workflow's steps. It sees exactly the alerts the oracle
 * lets it (in its scope, every evidence record read in clear on the fields the rule reads, its key and its
 * district), with their records as it reads them; an alert it may not see answers as an id never issued;
 * and no canary it may not read shows anywhere in any answer.
 */

const { hub, world } = withLeakWorld(undefined, {
  fixture: alertFixture(),
  extras: ALERT_CALLERS,
  // The rules' alerts on what is already there (the demo data, other files') open before the fixture is
  // planted, so that the run's window holds the fixture's alerts, not thousands of others.
  first: (chain) => chain.run(async (db) => void (await evaluateRules(db.$client, ALERT_RULES))),
});
const RULE_IDS = ALERT_RULES.map((r) => r.id);
const MISSING = '00000000-0000-4000-8000-00000000a1e7';

/** This run's alerts (every evidence record a fixture row), and the first-seen window that holds them. */
let runAlerts: AlertRow[] = [];
let expected: ExpectedSituation[] = [];
let window = { from: '', before: '' };

const evidenceKey = (rows: readonly Row[]) =>
  rows
    .map((r) => r.src)
    .sort()
    .join(' + ');

beforeAll(async () => {
  const { sql, db } = hub.database;
  await evaluateRules(sql, ALERT_RULES);
  const all = (await db.select().from(alert).where(inArray(alert.rule, RULE_IDS))) as AlertRow[];
  runAlerts = all.filter((a) => a.evidence.every((e) => fixtureRow(world.fx, e)));
  expected = expectedSituations(world.fx, await databaseToday(sql));
  // Whole milliseconds (what a DateTime argument carries) around the run's alerts' first sightings.
  const ids = runAlerts.map((a) => a.id);
  const [bounds] = await sql<{ from: string; before: string }[]>`
    select to_char(date_trunc('milliseconds', min(first_seen_at)) at time zone 'UTC',
                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as from,
           to_char((date_trunc('milliseconds', max(first_seen_at)) + interval '1 millisecond') at time zone 'UTC',
                   'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as before
    from alert where id in ${sql(ids)}`;
  window = bounds;
}, 120_000);

/** Each evidence dataset's fields under aliases of their own: the union's members name fields alike. */
const evidenceSels = (of: Dataset): Sel[] =>
  scalarSels(of).map((s) => ({ key: `${of.name}_${s.name}`, name: s.name }));

const EVIDENCE_DATASETS = ALERT_DATASETS.filter((d) => d.name !== 'siteScreening');

const alertFragment = () => `fragment A on Alert {
  id rule { id } severity state district actors measure { kind value } firstSeenAt lastSeenAt resolvedAt
  resolvedReason reopenedCount events { event principal note }
  evidence { dataset key record { __typename ${EVIDENCE_DATASETS.map(
    (d) => `... on ${d.names.type} { ${renderSels(evidenceSels(d), d)} }`,
  ).join(' ')} } }
}`;

const FILTER = 'rule: $rules, firstSeenFrom: $from, firstSeenBefore: $before';
const VARS = '$rules: [String!], $from: DateTime, $before: DateTime';

type Body = GraphqlResponse['body'];
type Node = Record<string, any>;

/** The answers one caller gets, and the checks made of them. */
class CallerProbe {
  readonly bodies: Body[] = [];

  constructor(
    readonly v: View,
    readonly tally: Tally,
  ) {}

  private get key() {
    return this.v.caller.key;
  }

  async ask(query: string, variables?: Record<string, unknown>): Promise<Body> {
    const body = (await hub.graphql(this.key, query, variables)).body;
    this.bodies.push(body);
    return body;
  }

  check(body: Body, what: string) {
    return new ResponseCheck(this.tally, world.fx, this.v, body, what);
  }

  /** The alerts of the window in the database, and those the oracle lets this caller see. */
  async oracle() {
    const rows = (await hub.database.db
      .select()
      .from(alert)
      .where(
        and(
          inArray(alert.rule, RULE_IDS),
          gte(alert.firstSeenAt, window.from),
          lt(alert.firstSeenAt, window.before),
        ),
      )) as AlertRow[];
    const sees = (a: AlertRow) =>
      seesAlert(
        this.v,
        ruleById(a.rule) as Rule,
        a.evidence.map((e) => evidenceRow(world.fx, e)),
        a.district,
      );
    return { rows, visible: rows.filter(sees), byId: new Map(rows.map((a) => [a.id, a])) };
  }

  /** One alert as answered: as stored, with each fixture evidence record as the caller reads the row. */
  node(check: ResponseCheck, node: Node, stored: AlertRow | undefined, path: (string | number)[]) {
    const at = `${this.v.caller.label} @ ${path.join('.')}`;
    this.tally.probes++;
    if (!stored) {
      check.leak(`${at}: alert ${node?.id} is not one the caller may see`);
      return;
    }
    const rule = ruleById(stored.rule) as Rule;
    const measure =
      stored.measureKind && stored.measureValue != null
        ? { kind: stored.measureKind, value: stored.measureValue }
        : null;
    const shown = {
      rule: node.rule?.id,
      district: node.district,
      state: node.state,
      measure: node.measure,
      actors: node.actors,
      evidence: node.evidence?.map((e: Node) => ({ dataset: e.dataset, key: e.key })),
    };
    const want = {
      rule: stored.rule,
      district: stored.district,
      state: stored.state,
      measure,
      actors: actorsOf(rule, stored),
      evidence: stored.evidence.map((e) => ({ dataset: e.dataset, key: e.key })),
    };
    if (JSON.stringify(shown) !== JSON.stringify(want)) {
      check.mismatch(`${at}: ${JSON.stringify(shown)} is not the stored ${JSON.stringify(want)}`);
    }
    stored.evidence.forEach((record, j) => {
      const row = fixtureRow(world.fx, record);
      if (!row) {
        check.expectForbiddenUnder([...path, 'evidence', j, 'record']);
        return;
      }
      const sels = evidenceSels(row.dataset);
      check.lookup(node.evidence?.[j]?.record, row, [...path, 'evidence', j, 'record'], sels);
    });
  }

  /** Every page of the list, 3 alerts a page, its count, and the cursors it hands out. */
  async list(oracle: Awaited<ReturnType<CallerProbe['oracle']>>) {
    const query = `query(${VARS}, $after: String) { alerts(${FILTER}, first: 3, after: $after) {
      totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ...A } } } } ${alertFragment()}`;
    const want = new Set(oracle.visible.map((a) => a.id));
    const listed: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const body = await this.ask(query, { rules: RULE_IDS, ...window, after });
      const check = this.check(body, `alerts page ${page}`);
      const conn = body.data?.alerts;
      if (!conn) {
        check.mismatch(`${this.v.caller.label}: alerts page ${page} failed`);
        check.finish();
        return;
      }
      this.tally.probes++;
      if (conn.totalCount !== want.size) {
        const say = conn.totalCount > want.size ? check.leak : check.falseDenial;
        say.call(
          check,
          `${this.v.caller.label}: totalCount ${conn.totalCount}, the oracle says ${want.size}`,
        );
      }
      conn.edges.forEach((edge: Node, j: number) => {
        const id = edge.node?.id;
        listed.push(id);
        this.node(check, edge.node, want.has(id) ? oracle.byId.get(id) : undefined, [
          'alerts',
          'edges',
          j,
          'node',
        ]);
      });
      check.finish();
      if (!conn.pageInfo.hasNextPage) break;
      after = conn.pageInfo.endCursor;
    }
    this.tally.probes++;
    if (new Set(listed).size !== listed.length) {
      this.tally.mismatches.push(`MISMATCH ${this.v.caller.label}: an alert listed twice`);
    }
    for (const id of want) {
      if (!listed.includes(id)) {
        this.tally.falseDenials.push(`FALSE DENIAL ${this.v.caller.label}: alert ${id} not listed`);
      }
    }
  }

  /** Filters narrow what the caller sees and never widen it: one district's alerts a department must act on. */
  async filtered(oracle: Awaited<ReturnType<CallerProbe['oracle']>>) {
    const body = await this.ask(
      `query(${VARS}) { alerts(${FILTER}, district: [${JSON.stringify(AWAY)}], department: "PLANNING", first: 100) {
        totalCount nodes { id } } }`,
      { rules: RULE_IDS, ...window },
    );
    const check = this.check(body, 'alerts filtered');
    const want = oracle.visible
      .filter((a) => a.district === AWAY && (ruleById(a.rule) as Rule).actors.includes('PLANNING'))
      .map((a) => a.id)
      .sort();
    const got = ((body.data?.alerts?.nodes ?? []) as Node[]).map((n) => n.id).sort();
    this.tally.probes++;
    if (JSON.stringify(got) !== JSON.stringify(want) || body.data?.alerts?.totalCount !== want.length) {
      const say = got.some((id) => !want.includes(id)) ? check.leak : check.falseDenial;
      say.call(
        check,
        `${this.v.caller.label}: filtered ${JSON.stringify(got)} (${body.data?.alerts?.totalCount}), the oracle says ${JSON.stringify(want)}`,
      );
    }
    check.finish();
  }

  /** The summary: the oracle's visible alerts counted by rule, district and state. */
  async summary(oracle: Awaited<ReturnType<CallerProbe['oracle']>>) {
    const body = await this.ask(`query(${VARS}) { alertSummary(${FILTER}) { rule district state count } }`, {
      rules: RULE_IDS,
      ...window,
    });
    const check = this.check(body, 'alertSummary');
    const counts = new Map<string, number>();
    for (const a of oracle.visible) {
      const k = `${a.rule}|${a.district}|${a.state}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    const got = new Map<string, number>(
      (body.data?.alertSummary ?? []).map((c: Node) => [`${c.rule}|${c.district}|${c.state}`, c.count]),
    );
    this.tally.probes++;
    const sorted = (m: Map<string, number>) => JSON.stringify([...m].sort());
    if (sorted(got) !== sorted(counts)) {
      const over = [...got].some(([k, n]) => n > (counts.get(k) ?? 0));
      const say = over ? check.leak : check.falseDenial;
      say.call(check, `${this.v.caller.label}: summary ${sorted(got)}, the oracle says ${sorted(counts)}`);
    }
    check.finish();
  }

  /** Every alert of the run by id: visible ones in full, the others exactly as an id never issued. */
  async byId(oracle: Awaited<ReturnType<CallerProbe['oracle']>>) {
    const sees = new Set(oracle.visible.map((a) => a.id));
    const ids = [...runAlerts.map((a) => a.id), MISSING];
    const query = `query($id: ID!) { alert(id: $id) { ...A } } ${alertFragment()}`;
    const bodies = await Promise.all(ids.map((id) => this.ask(query, { id })));
    ids.forEach((id, i) => {
      const body = bodies[i];
      const check = this.check(body, `alert(${id})`);
      const got = body.data?.alert;
      const errors = (body.errors ?? []).filter((e: GqlError) => e.path?.length === 1);
      this.tally.probes++;
      if (sees.has(id)) {
        if (got == null) check.falseDenial(`${this.v.caller.label}: alert(${id}) is null`);
        else this.node(check, got, oracle.byId.get(id), ['alert']);
      } else if (got !== null || errors.length) {
        check.leak(
          `${this.v.caller.label}: alert(${id}) answers ${JSON.stringify(got ?? errors)}, unlike a missing id`,
        );
      }
      check.finish();
    });
  }

  /** Refusals to compare: the codes and messages of an answer's errors, and whether it has data. */
  private static refusal(body: Body) {
    return {
      data: body.data ?? null,
      errors: (body.errors ?? []).map((e: GqlError) => [e.extensions?.code, e.message]),
    };
  }

  /** Each alert of the run as a cursor, and a workflow step on each it may not see. */
  async cursorsAndSteps(oracle: Awaited<ReturnType<CallerProbe['oracle']>>) {
    const sees = new Set(oracle.visible.map((a) => a.id));
    const cursor = 'query($a: String) { alerts(after: $a, first: 1) { totalCount } }';
    const steps = [
      'mutation($id: ID!) { acknowledgeAlert(id: $id) { id state } }',
      'mutation($id: ID!) { dismissAlert(id: $id, note: "不属实") { id state } }',
      'mutation($id: ID!) { commentAlert(id: $id, note: "已核查") { id state } }',
    ];
    // Every step is tried on the missing id, and the hidden alerts take the steps in turn, one each: a
    // third of the requests, each step still met by several hidden alerts.
    const probe = async (id: string, which: number[]) => {
      const bodies = [await this.ask(cursor, { a: id })];
      for (const j of which) bodies.push(await this.ask(steps[j], { id }));
      return bodies;
    };
    const missing = await probe(MISSING, [0, 1, 2]);
    for (const body of missing) {
      const check = this.check(body, 'missing id');
      check.expectAnyErrors();
      check.finish();
    }
    this.tally.probes++;
    if (missing.some((b) => !b.errors?.length)) {
      this.tally.mismatches.push(`MISMATCH ${this.v.caller.label}: an id never issued was not refused`);
    }
    const stepOf = (i: number) => (sees.has(runAlerts[i].id) ? [] : [i % steps.length]);
    const answers = await Promise.all(runAlerts.map((a, i) => probe(a.id, stepOf(i))));
    runAlerts.forEach((a, i) => {
      const hidden = !sees.has(a.id);
      const asked = [-1, ...stepOf(i)];
      answers[i].forEach((body, n) => {
        const j = asked[n];
        const check = this.check(body, `${j < 0 ? 'cursor' : `step ${j}`} ${a.id}`);
        this.tally.probes++;
        if (hidden) {
          check.expectAnyErrors();
          const [got, like] = [CallerProbe.refusal(body), CallerProbe.refusal(missing[j + 1])];
          if (JSON.stringify(got) !== JSON.stringify(like)) {
            check.leak(
              `${this.v.caller.label}: ${check.what} answers ${JSON.stringify(got)}, a missing id ${JSON.stringify(like)}`,
            );
          }
        } else if (body.errors?.length) {
          check.falseDenial(`${this.v.caller.label}: ${check.what} refused: ${JSON.stringify(body.errors)}`);
          check.expectAnyErrors();
        }
        check.finish();
      });
    });
  }
}

describe('alerts under the leak oracles', { timeout: 120_000 }, () => {
  it('the real rules found exactly the situations planted, with their districts and measures', () => {
    const key = (rule: string, rows: readonly Row[]) => `${rule}: ${evidenceKey(rows)}`;
    const found = new Map(
      runAlerts.map((a) => [
        key(
          a.rule,
          a.evidence.map((e) => fixtureRow(world.fx, e) as Row),
        ),
        a,
      ]),
    );
    expect([...found.keys()].sort()).toEqual(expected.map((s) => key(s.rule.id, s.evidence)).sort());
    // Each rule found some situations and left out its negative case.
    for (const rule of ALERT_RULES) {
      const n = expected.filter((s) => s.rule === rule).length;
      expect(n, rule.id).toBeGreaterThan(0);
      expect(n, rule.id).toBeLessThan(ENTITIES);
    }
    for (const s of expected) {
      const a = found.get(key(s.rule.id, s.evidence)) as AlertRow;
      expect(a.district, a.rule).toBe(s.district);
      expect(a.state, a.rule).toBe('OPEN');
      if (s.measure === null) expect(a.measureKind).toBeNull();
      else {
        expect(a.measureKind, a.rule).toBe(s.measure.kind);
        expect(Math.abs((a.measureValue as number) - s.measure.value), a.rule).toBeLessThan(0.5);
      }
    }
  });

  it('the callers cover every case: seen in full, seen with a field masked, hidden by a field denied, by a row of another district, out of scope', async () => {
    const { views } = await asCallers(hub, world.callers, async () => undefined);
    const cases = new Set<string>();
    for (const v of views.values()) {
      for (const s of expected) {
        if (!inScope(v, s.rule, s.district, s.evidence)) cases.add('out of scope');
        else if (seesAlert(v, s.rule, s.evidence, s.district)) {
          cases.add('seen');
          const fields = (row: Row) => Object.keys(row.dataset.fields);
          if (s.evidence.some((row) => fields(row).some((f) => rowMode(v, row, f) === 'MASKED')))
            cases.add('seen, a field masked');
        } else if (s.evidence.some((row) => !visible(v, row))) cases.add('hidden: a row of another district');
        else if (s.evidence.some((row) => !readsEvidence(v, s.rule, row)))
          cases.add('hidden: a field not read in clear');
      }
    }
    expect([...cases].sort()).toEqual(
      [
        'hidden: a field not read in clear',
        'hidden: a row of another district',
        'out of scope',
        'seen',
        'seen, a field masked',
      ].sort(),
    );
  });

  it('what a caller sees of a rule depends only on the records it reads: the rule run on those alone finds the same', async () => {
    const today = await databaseToday(hub.database.sql);
    const { views } = await asCallers(hub, world.callers, async () => undefined);
    const seen = (v: View, situations: readonly ExpectedSituation[], rule: Rule) =>
      situations
        .filter((s) => s.rule === rule && seesAlert(v, rule, s.evidence, s.district))
        .map((s) => `${evidenceKey(s.evidence)} ${s.measure?.value.toFixed(1) ?? ''}`)
        .sort();
    let compared = 0;
    let differs = 0;
    for (const v of views.values()) {
      for (const rule of ALERT_RULES) {
        const own = expectedSituations(readableFixture(world.fx, v, rule), today);
        expect(seen(v, own, rule), `${v.caller.label} ${rule.id}`).toEqual(seen(v, expected, rule));
        compared++;
        // The case this guards: a record the caller may not read would change what the rule finds for it.
        if (own.filter((s) => s.rule === rule).length !== expected.filter((s) => s.rule === rule).length)
          differs++;
      }
    }
    expect(compared).toBe(views.size * ALERT_RULES.length);
    expect(differs).toBeGreaterThan(0);
  });

  it.each([...LABELS, ...ALERT_CALLERS.map((c) => c.label)])(
    '%s: lists, counts, filters, summary, lookups, cursors and steps show exactly the alerts the oracle allows',
    async (label) => {
      const caller = world.caller(label);
      const tally = new Tally();
      const { result: visibleCount } = await asCallers(hub, [caller], async (views) => {
        const v = views.get(label) as View;
        const probe = new CallerProbe(v, tally);
        const oracle = await probe.oracle();
        const runEvents = () =>
          hub.database.db
            .select()
            .from(alertEvent)
            .where(
              inArray(
                alertEvent.alertId,
                runAlerts.map((a) => a.id),
              ),
            );
        const before = await runEvents();
        await probe.list(oracle);
        await probe.summary(oracle);
        await probe.filtered(oracle);
        await probe.byId(oracle);
        await probe.cursorsAndSteps(oracle);
        const after = await runEvents();
        tally.probes++;
        if (after.length !== before.length)
          tally.leaks.push(`LEAK ${label}: a step changed an alert it may not see`);
        return oracle.visible.length;
      });
      console.log(`alerts ${label}: ${visibleCount} visible, ${tally.summary()}`);
      expect(tally.leaks, `${label}: leaks`).toEqual([]);
      expect(tally.falseDenials, `${label}: false denials`).toEqual([]);
      expect(tally.mismatches, `${label}: mismatches`).toEqual([]);
    },
  );
});
