import { eq, inArray } from 'drizzle-orm';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { EffectiveAccess } from '../../src/access/effectiveAccess.js';
import { revokeAccess } from '../../src/access/grants.js';
import { authenticate } from '../../src/access/keys.js';
import type { Dataset } from '../../src/catalog/define.js';
import { datasetByName } from '../../src/catalog/registry.js';
import { type AlertRow, Alerts, visible } from '../../src/supervision/alerts.js';
import { evaluateRules } from '../../src/supervision/evaluate.js';
import type { EvidenceRecord, Rule } from '../../src/supervision/rule.js';
import { ruleById } from '../../src/supervision/rules/index.js';
import { alert, alertEvent, alertRecord } from '../../src/supervision/tables.js';
import { withTestHub } from '../support/hub.js';
import { sampleRecord, square } from '../support/records.js';
import { seed, withSeed } from '../support/seed.js';

/**
 * An alert discloses nothing its caller cannot read: not by its existence, its count, its measure, its
 * description or its evidence. This file's own rule (declared in its rule registry only, by `vi.mock`) reads
 * a CONDITIONAL field, priorityPlot.reason (owner ECOLOGY), and names as actors HOUSING, a test department
 * of this file (which gets and loses a grant of the field) and the district. Its situations are this file's
 * priority plots paired with this file's rezoned plots by their last character.
 */

// Hoisted with the mock, which runs before this file's imports: letters only (principal codes of actors).
const { RUN, RULE_ID, GRANTEE, ACT_ALL } = vi.hoisted(() => {
  const letters = Array.from({ length: 8 }, () => String.fromCharCode(65 + Math.floor(Math.random() * 26)));
  const run = letters.join('');
  return { RUN: run, RULE_ID: `DISCLOSURE_TEST_${run}`, GRANTEE: `TD_${run}`, ACT_ALL: `TA_${run}` };
});

vi.mock('../../src/supervision/rules/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/supervision/rules/index.js')>();
  const { defineRule } = await import('../../src/supervision/rule.js');
  const { PLANS } = await import('../../src/catalog/plans.js');
  const rule = defineRule({
    id: RULE_ID,
    zh: '测试规则：优先监管地块用途变更',
    en: 'Test rule: a priority plot rezoned',
    description: { zh: '测试用', en: 'for tests' },
    basis: { plan: PLANS.national, article: '(十八)', quote: '测试' },
    severity: 'MEDIUM',
    actors: ['HOUSING', GRANTEE, 'DISTRICT'],
    reads: { priorityPlot: ['reason'], landUseChange: [] },
    async find({ sql, table, column, record }) {
      const plot = column('priorityPlot', 'plotCode');
      const parcel = column('landUseChange', 'parcelCode');
      const rows = await sql<{ plot: EvidenceRecord; parcel: EvidenceRecord; district: string }[]>`
        select ${record('priorityPlot', 'p')} as plot, ${record('landUseChange', 'l')} as parcel,
               p.${column('priorityPlot', 'district')} as district
        from ${table('priorityPlot')} p join ${table('landUseChange')} l on right(p.${plot}, 1) = right(l.${parcel}, 1)
        where not p.deleted and not l.deleted and p.${column('priorityPlot', 'reason')} is not null
          and p.${plot} like ${`YXJG-%-D${RUN}_`} and l.${parcel} like ${`DS-${RUN}-_`}`;
      return rows.map((r) => ({
        // E: its plot's district left out of the evidence (a faulty rule): no district may count on it.
        evidence: [
          String(r.parcel.key.parcelCode).endsWith('E') ? { ...r.plot, district: null } : r.plot,
          r.parcel,
        ],
        district: r.district,
        measure: { kind: 'DISTANCE_M' as const, value: 42 },
      }));
    },
  });
  const rules = [...original.rules, rule];
  return { ...original, rules, ruleById: (id: string) => (id === rule.id ? rule : original.ruleById(id)) };
});

const hub = withTestHub();
const rule = () => ruleById(RULE_ID) as Rule;
const lon = 115.5 + Math.random() * 0.05;

/**
 * The situations, by their serial: the plot's district and publisher, the rezoned plot's district.
 * A: all in 110111, the plot published by 110111 (a district publisher); B: the plot in 110105 (published by
 * it), the rezoned plot in 110111 (evidence across two districts); C: all in 110111, the plot published by
 * ECOLOGY; D: all in 110105, published by 110105; E: as A, but the rule leaves the plot's district out of its
 * evidence (null): a district cannot tell the record is its own, so the alert is not its to see.
 */
const CASES = {
  A: { plot: '110111', publisher: '110111', parcel: '110111' },
  B: { plot: '110105', publisher: '110105', parcel: '110111' },
  C: { plot: '110111', publisher: 'ECOLOGY', parcel: '110111' },
  D: { plot: '110105', publisher: '110105', parcel: '110105' },
  E: { plot: '110111', publisher: '110111', parcel: '110111' },
} as const;
type Case = keyof typeof CASES;
const SERIALS = Object.keys(CASES) as Case[];
const plotCode = (c: Case) => `YXJG-${CASES[c].plot}-D${RUN}${c}`;
const parcelCode = (c: Case) => `DS-${RUN}-${c}`;
const reasonOf = (c: Case) => `列入原因-${RUN}-${c}`;
const PHONE = '13912345678';

const plots = SERIALS.map((c, i) => ({
  ...sampleRecord(datasetByName('priorityPlot') as Dataset, `${RUN}${c}`, {
    plotCode: plotCode(c),
    district: CASES[c].plot,
    reason: reasonOf(c),
    boundary: square(lon + i * 0.01, 39.3, 0.002),
  }),
  publisher: CASES[c].publisher,
  sourceRecordId: plotCode(c),
}));
const parcels = SERIALS.map((c, i) => {
  const {
    publisher: _p,
    sourceRecordId: _s,
    syncBatch: _b,
    ...values
  } = sampleRecord(datasetByName('landUseChange') as Dataset, `${RUN}${c}`, {
    parcelCode: parcelCode(c),
    district: CASES[c].parcel,
    boundary: square(lon + i * 0.01, 39.3, 0.002),
    rightHolderContact: PHONE,
  });
  return values;
});

const CALLERS = ['ECOLOGY', 'HOUSING', 'PLANNING', 'AUDITOR', '110111', '110105', GRANTEE, ACT_ALL];

const { keys } = withSeed(hub, (s) =>
  s
    .keys('ECOLOGY', 'HOUSING', 'PLANNING', 'AUDITOR', '110111', '110105')
    .testPrincipal(GRANTEE, 'DEPARTMENT')
    .key()
    // The grantee reads the rezoned plots' contact phone (CONDITIONAL, personal): masked.
    .grant({ dataset: 'landUseChange', fields: ['rightHolderContact'] })
    .testPrincipal(ACT_ALL, 'DEPARTMENT', ['actOnAllAlerts'])
    .key()
    .stored('priorityPlot', plots)
    .records('landUseChange', parcels)
    .run(async () => {
      await evaluateRules(hub.database.sql, [rule()]);
    }),
);

// This file's alerts go with it: their rule exists in this file only.
afterAll(async () => {
  const ids = hub.database.db.select({ id: alert.id }).from(alert).where(eq(alert.rule, RULE_ID));
  await hub.database.db.delete(alertEvent).where(inArray(alertEvent.alertId, ids));
  await hub.database.db.delete(alert).where(eq(alert.rule, RULE_ID));
  // And their evidence records' index: left behind, its rows are of no alert (incremental.test checks).
  await hub.database.db.delete(alertRecord).where(eq(alertRecord.rule, RULE_ID));
});

async function ask(key: string, query: string, variables?: Record<string, unknown>) {
  return (await hub.graphql(key, query, variables)).body;
}

/** This file's alerts in the database, by serial. */
async function stored(): Promise<Map<Case, AlertRow>> {
  const rows = (await hub.database.db.select().from(alert).where(eq(alert.rule, RULE_ID))) as AlertRow[];
  return new Map(
    rows.map((row) => {
      const parcel = row.evidence.find((e) => e.dataset === 'landUseChange');
      return [String(parcel?.key.parcelCode).slice(-1) as Case, row];
    }),
  );
}

/** The serials of the alerts a caller sees over GraphQL, checked against the count and the summary. */
async function seen(key: string): Promise<Case[]> {
  const body = await ask(
    key,
    `query($r: [String!]) { alerts(rule: $r, first: 1000) { totalCount nodes { id district
      measure { kind value } evidence { dataset key } } }
      alertSummary(rule: $r) { rule district state count } }`,
    { r: [RULE_ID] },
  );
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  const nodes = body.data.alerts.nodes as any[];
  expect(body.data.alerts.totalCount).toBe(nodes.length);
  const counted = (body.data.alertSummary as any[]).reduce((n, c) => n + c.count, 0);
  expect(counted).toBe(nodes.length);
  return nodes
    .map((a) => String(a.evidence.find((e: any) => e.dataset === 'landUseChange').key.parcelCode).slice(-1))
    .sort() as Case[];
}

const ALERT_BY_ID = 'query($id: ID!) { alert(id: $id) { id measure { value } } }';
const CURSOR = 'query($a: String) { alerts(after: $a) { totalCount } }';
const ACK = 'mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }';
const COMMENT = 'mutation($id: ID!) { commentAlert(id: $id, note: "看到了") { id } }';
const MISSING = '00000000-0000-4000-8000-000000000000';

/** What a caller gets for an alert id by lookup, as a cursor and when acting: the id left out. */
async function probe(key: string, id: string) {
  const byId = await ask(key, ALERT_BY_ID, { id });
  const cursor = await ask(key, CURSOR, { a: id });
  const acts = await Promise.all([ACK, COMMENT].map((m) => ask(key, m, { id })));
  return {
    byId: byId.data?.alert ? 'FOUND' : { data: byId.data, errors: byId.errors },
    cursor: cursor.errors?.map((e) => [e.extensions?.code, e.message]) ?? 'ACCEPTED',
    acts: acts.map((a) => a.errors?.map((e) => [e.extensions?.code, e.message]) ?? 'DONE'),
  };
}

/** Whether a caller's view of an alert is exactly that of an alert that does not exist. */
async function hiddenLikeMissing(key: string, id: string) {
  const [hidden, missing] = await Promise.all([probe(key, id), probe(key, MISSING)]);
  expect(missing.byId).toEqual({ data: { alert: null }, errors: undefined });
  expect(missing.cursor[0][0]).toBe('BAD_USER_INPUT');
  expect(missing.acts.map((a) => a[0][0])).toEqual(['NOT_FOUND', 'NOT_FOUND']);
  expect(hidden).toEqual(missing);
}

describe('an alert discloses nothing its caller cannot read', { timeout: 120_000 }, () => {
  it('the rule is this file’s, and found its situations with their districts', async () => {
    expect(rule().actors).toEqual(['HOUSING', GRANTEE, 'DISTRICT']);
    const rows = await stored();
    expect([...rows.keys()].sort()).toEqual(SERIALS);
    for (const c of SERIALS) {
      expect(rows.get(c)?.district, c).toBe(CASES[c].plot);
      expect(
        rows.get(c)?.evidence.map((e) => e.district),
        c,
      ).toEqual([c === 'E' ? null : CASES[c].plot, CASES[c].parcel]);
    }
  });

  it('ECOLOGY (owner of the field, seeAllAlerts) and the auditor see every one, with the measure', async () => {
    expect(await seen(keys.ECOLOGY)).toEqual(SERIALS);
    expect(await seen(keys.AUDITOR)).toEqual(SERIALS);
    const c = (await stored()).get('C') as AlertRow;
    const body = await ask(keys.AUDITOR, ALERT_BY_ID, { id: c.id });
    expect(body.data.alert).toEqual({ id: c.id, measure: { value: 42 } });
  });

  it('HOUSING, which must act but does not read the reason, sees none: lists, counts, summary, lookups, cursors and actions alike', async () => {
    expect(await seen(keys.HOUSING)).toEqual([]);
    // Its summary over every rule names no row of this rule.
    const summary = await ask(keys.HOUSING, '{ alertSummary { rule count } }');
    expect(summary.data.alertSummary.map((r: any) => r.rule)).not.toContain(RULE_ID);
    for (const row of (await stored()).values()) await hiddenLikeMissing(keys.HOUSING, row.id);
    // PLANNING need not act, and sees none either.
    expect(await seen(keys.PLANNING)).toEqual([]);
  });

  it('a department sees the alerts once the owner grants it the field, and no longer once the grant is revoked', async () => {
    const rows = await stored();
    const a = rows.get('A') as AlertRow;
    expect(await seen(keys[GRANTEE])).toEqual([]);
    await hiddenLikeMissing(keys[GRANTEE], a.id);

    const granted = await seed(hub.database.db)
      .principal(GRANTEE)
      .grant({ dataset: 'priorityPlot', fields: ['reason'] });
    const grantId = granted.grants[0];
    expect(await seen(keys[GRANTEE])).toEqual(SERIALS);
    const found = await probe(keys[GRANTEE], a.id);
    expect(found.byId).toBe('FOUND');
    expect(found.cursor).toBe('ACCEPTED');
    expect(found.acts[1]).toBe('DONE');

    const ecology = await authenticate(hub.database.db, keys.ECOLOGY);
    if (!ecology) throw new Error('no key for ECOLOGY');
    await revokeAccess(hub.database.db, ecology.principal, grantId, '测试撤销');
    expect(await seen(keys[GRANTEE])).toEqual([]);
    await hiddenLikeMissing(keys[GRANTEE], a.id);
  });

  it('a district sees an alert of its district only when it reads every evidence record, and never another district’s', async () => {
    // 110111: A (its own plot and parcel); not C (ECOLOGY's plot: reason not readable), not B or D (110105's),
    // not E (an evidence record of no known district).
    expect(await seen(keys['110111'])).toEqual(['A']);
    // 110105: D; not B, its own alert whose rezoned plot lies in 110111, a row it cannot see.
    expect(await seen(keys['110105'])).toEqual(['D']);
    const rows = await stored();
    for (const c of ['B', 'C', 'D', 'E'] as const)
      await hiddenLikeMissing(keys['110111'], rows.get(c)?.id as string);
    for (const c of ['A', 'B', 'C', 'E'] as const)
      await hiddenLikeMissing(keys['110105'], rows.get(c)?.id as string);
  });

  it('evidence records read through the records service: masked stays masked, a field not granted is refused, as in a direct lookup', async () => {
    const evidence = `evidence { record { __typename ... on LandUseChange { parcelCode rightHolderContact } } }`;
    const d = (await stored()).get('D') as AlertRow;
    // The grantee (granted the contact phone, masked) needs the reason again to see the alert.
    await seed(hub.database.db)
      .principal(GRANTEE)
      .grant({ dataset: 'priorityPlot', fields: ['reason'] });
    const callers = [
      { who: GRANTEE, expect: 'MASKED' },
      { who: 'AUDITOR', expect: 'CLEAR' },
      { who: 'ECOLOGY', expect: 'FORBIDDEN' },
      { who: '110105', expect: 'FORBIDDEN' },
    ];
    for (const { who, expect: mode } of callers) {
      const viaAlert = await ask(keys[who], `query($id: ID!) { alert(id: $id) { ${evidence} } }`, {
        id: d.id,
      });
      const direct = await ask(
        keys[who],
        'query($p: String!) { landUseChange(parcelCode: $p) { parcelCode rightHolderContact } }',
        { p: parcelCode('D') },
      );
      const record = viaAlert.data?.alert?.evidence.find(
        (e: any) => e.record?.__typename === 'LandUseChange',
      )?.record;
      expect(record, who).toBeDefined();
      const { __typename: _t, ...fields } = record;
      expect(fields, who).toEqual(direct.data.landUseChange);
      const codes = (body: any) => (body.errors ?? []).map((e: any) => [e.extensions?.code, e.message]);
      expect(codes(viaAlert), who).toEqual(codes(direct));
      if (mode === 'CLEAR') expect(fields.rightHolderContact, who).toBe(PHONE);
      if (mode === 'MASKED') {
        expect(fields.rightHolderContact, who).not.toBe(PHONE);
        expect(fields.rightHolderContact, who).toMatch(/\*/);
      }
      if (mode === 'FORBIDDEN') {
        expect(fields.rightHolderContact, who).toBeNull();
        expect(codes(viaAlert)[0]?.[0], who).toBe('FORBIDDEN');
      }
    }
  });

  it('the JS decision (visible) and the SQL (list, summary, byId) agree for every caller and alert', async () => {
    const rows = [...(await stored()).values()];
    const expected: Record<string, Case[]> = {
      ECOLOGY: SERIALS,
      AUDITOR: SERIALS,
      HOUSING: [],
      PLANNING: [],
      '110111': ['A'],
      '110105': ['D'],
      // Granted the reason by the test above.
      [GRANTEE]: SERIALS,
      // Can act on every alert (actOnAllAlerts), but reads no reason: sees none.
      [ACT_ALL]: [],
    };
    const serial = (row: AlertRow) =>
      String(row.evidence.find((e) => e.dataset === 'landUseChange')?.key.parcelCode).slice(-1);
    for (const who of CALLERS) {
      const found = await authenticate(hub.database.db, keys[who]);
      if (!found) throw new Error(`no key for ${who}`);
      const access = new EffectiveAccess(found.principal, found.grants);
      const service = new Alerts(hub.database.db, access);
      const js = rows
        .filter((row) => visible(access, row))
        .map(serial)
        .sort();
      const page = await service.list({ rule: [RULE_ID], first: 1000 });
      const listed = page.rows.map(serial).sort();
      const counted = (await service.summary({ rule: [RULE_ID] })).reduce((n, c) => n + c.count, 0);
      const byId: string[] = [];
      for (const row of rows) if (await service.byId(row.id)) byId.push(serial(row));
      expect({ who, js }).toEqual({ who, js: expected[who] });
      expect({ who, listed, byId: byId.sort(), total: await page.totalCount(), counted }).toEqual({
        who,
        listed: js,
        byId: js,
        total: js.length,
        counted: js.length,
      });
    }
  });

  it('with the owner’s field granted, a capability to act on all alerts sees them in JS and SQL alike', async () => {
    await seed(hub.database.db)
      .principal(ACT_ALL)
      .grant({ dataset: 'priorityPlot', fields: ['reason'] });
    const found = await authenticate(hub.database.db, keys[ACT_ALL]);
    if (!found) throw new Error('no key');
    const access = new EffectiveAccess(found.principal, found.grants);
    const rows = [...(await stored()).values()];
    const js = rows.filter((row) => visible(access, row)).map((r) => r.id);
    const sqlIds = (
      await new Alerts(hub.database.db, access).list({ rule: [RULE_ID], first: 1000 })
    ).rows.map((r) => r.id);
    expect(js).toHaveLength(SERIALS.length);
    expect(sqlIds.sort()).toEqual(js.sort());
  });
});
