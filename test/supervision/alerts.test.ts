import { describe, expect, it } from 'vitest';
import { EffectiveAccess } from '../../src/access/effectiveAccess.js';
import { authenticate } from '../../src/access/keys.js';
import { type AlertRow, visible } from '../../src/supervision/alerts.js';
import { evaluateRules } from '../../src/supervision/evaluate.js';
import { registerSiteSensitiveUse as rule } from '../../src/supervision/rules/registerSiteSensitiveUse.js';
import { withTestHub } from '../support/hub.js';
import { outgoingRecord, square, uniqueId } from '../support/records.js';
import { withSeed } from '../support/seed.js';

/**
 * Alerts over GraphQL: who sees which (scope), what an alert says (rule, measure, evidence read as the
 * caller reads the records), the workflow (acknowledge, dismiss, comment) and what is refused.
 */

const hub = withTestHub();
const id = uniqueId();
const lon = 115.42 + Math.random() * 0.05;
/** Two listed sites, each under a plot rezoned to housing: one in 房山 (110111), one in 朝阳 (110105). */
const PAIRS = [
  { district: '110111', at: 0 },
  { district: '110105', at: 0.01 },
];
const sites = PAIRS.map(({ district, at }, i) =>
  outgoingRecord('contaminatedSite', `al${id}${i}`, {
    district,
    boundary: square(lon + at, 39.41, 0.002),
    status: 'LISTED',
  }),
);
const plots = PAIRS.map(({ district, at }, i) =>
  outgoingRecord('landUseChange', `al${id}${i}`, {
    parcelCode: `AL-${id}-${i}`,
    district,
    boundary: square(lon + at + 0.001, 39.411, 0.002),
  }),
);

const { keys } = withSeed(hub, (s) =>
  s
    .keys('ECOLOGY', 'PLANNING', 'HOUSING', 'AUDITOR', '110111', '110105', 'AGRICULTURE', 'FORESTRY')
    .records('contaminatedSite', sites)
    .records('landUseChange', plots)
    .run(async () => {
      await evaluateRules(hub.database.sql, [rule]);
    }),
);

const ALERT = `id rule { id zh basis { article quote } actors } severity state district actors
  measure { kind value } firstSeenAt lastSeenAt reopenedCount
  evidence { dataset key record { __typename ... on LandUseChange { parcelCode district plannedUse }
    ... on ContaminatedSite { siteCode status } } }
  events { event principal note }`;

async function ask(key: string, query: string, variables?: Record<string, unknown>) {
  const response = await hub.graphql(key, query, variables);
  return response.body;
}

/** This file's alerts as a caller sees them, by the plot's parcel code. */
async function mine(key: string) {
  const body = await ask(
    key,
    `{ alerts(rule: ["${rule.id}"], first: 1000) { totalCount nodes { ${ALERT} } } }`,
  );
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  const nodes = body.data.alerts.nodes as any[];
  const own = nodes.filter((a) =>
    a.evidence.some((e: any) => String(e.key.parcelCode ?? '').startsWith(`AL-${id}`)),
  );
  return new Map(
    own.map((a) => [String(a.evidence.find((e: any) => e.dataset === 'landUseChange').key.parcelCode), a]),
  );
}

describe('alerts', { timeout: 120_000 }, () => {
  it('are seen by ECOLOGY and PLANNING (who must act) and the auditor, with the rule, the measure and the records', async () => {
    for (const who of ['ECOLOGY', 'PLANNING', 'AUDITOR']) {
      const seen = await mine(keys[who]);
      expect([...seen.keys()].sort(), who).toEqual(plots.map((p) => p.parcelCode).sort());
    }
    const alert = (await mine(keys.ECOLOGY)).get(plots[0].parcelCode);
    expect(alert).toMatchObject({
      rule: { id: rule.id, basis: { article: '二(二)4' }, actors: ['PLANNING', 'ECOLOGY', 'DISTRICT'] },
      severity: 'HIGH',
      state: 'OPEN',
      district: '110111',
      actors: ['PLANNING', 'ECOLOGY', '110111'],
      measure: { kind: 'OVERLAP_AREA_M2' },
      events: [{ event: 'OPENED', principal: null, note: null }],
    });
    // The squares share 0.001° × 0.001°: about 111 m × 86 m at this latitude.
    expect(alert.measure.value).toBeGreaterThan(8000);
    expect(alert.measure.value).toBeLessThan(11000);
    expect(alert.evidence.map((e: any) => e.record)).toEqual(
      expect.arrayContaining([
        {
          __typename: 'LandUseChange',
          parcelCode: plots[0].parcelCode,
          district: '110111',
          plannedUse: plots[0].plannedUse,
        },
        { __typename: 'ContaminatedSite', siteCode: sites[0].siteCode, status: 'LISTED' },
      ]),
    );
  });

  it('are seen by a district for its own district only, and not at all by a department that need not act', async () => {
    expect([...(await mine(keys['110111'])).keys()]).toEqual([plots[0].parcelCode]);
    expect([...(await mine(keys['110105'])).keys()]).toEqual([plots[1].parcelCode]);
    const body = await ask(keys['110111'], '{ alerts(first: 1000) { nodes { district } } }');
    expect(new Set(body.data.alerts.nodes.map((a: any) => a.district))).toEqual(new Set(['110111']));

    expect((await mine(keys.HOUSING)).size).toBe(0);
    const summary = await ask(keys.HOUSING, `{ alertSummary(rule: ["${rule.id}"]) { rule count } }`);
    expect(summary.data.alertSummary).toEqual([]);
  });

  it('an alert another caller cannot see is null by id, refused as a cursor, and not found to act on, like one that does not exist', async () => {
    const alert = (await mine(keys.ECOLOGY)).get(plots[0].parcelCode);
    const missing = '00000000-0000-4000-8000-000000000000';
    for (const target of [alert.id, missing, 'not-a-uuid']) {
      const byId = await ask(keys.HOUSING, 'query($id: ID!) { alert(id: $id) { id } }', { id: target });
      expect(byId.errors).toBeUndefined();
      expect(byId.data.alert).toBeNull();
      const page = await ask(keys.HOUSING, 'query($a: String) { alerts(after: $a) { totalCount } }', {
        a: target,
      });
      expect(page.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      const act = await ask(keys.HOUSING, 'mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }', {
        id: target,
      });
      expect(act.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(act.errors?.[0]?.message).toBe(
        (await ask(keys.HOUSING, 'mutation($id: ID!) { acknowledgeAlert(id: $id) { id } }', { id: missing }))
          .errors?.[0]?.message,
      );
    }
    // The district of another district: the same.
    const other = await ask(keys['110105'], 'query($id: ID!) { alert(id: $id) { id } }', { id: alert.id });
    expect(other.data.alert).toBeNull();
  });

  it('are acknowledged, commented and dismissed with a reason by who must act; a district acts on its own; each step is an event', async () => {
    const alert = (await mine(keys.ECOLOGY)).get(plots[0].parcelCode);
    const step = (key: string, name: string, note?: string) =>
      ask(
        key,
        `mutation($id: ID!, $note: String) { ${name}(id: $id, note: $note) { state events { event principal note } } }`,
        {
          id: alert.id,
          note,
        },
      );

    const acknowledged = await step(keys.PLANNING, 'acknowledgeAlert');
    expect(acknowledged.errors).toBeUndefined();
    expect(acknowledged.data.acknowledgeAlert.state).toBe('ACKNOWLEDGED');
    // Twice is refused: it is no longer open.
    expect((await step(keys.PLANNING, 'acknowledgeAlert')).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );

    const commented = await step(keys['110111'], 'commentAlert', '区里已安排现场核查');
    expect(commented.errors, JSON.stringify(commented.errors)).toBeUndefined();
    expect(commented.data.commentAlert.events.at(-1)).toEqual({
      event: 'COMMENTED',
      principal: '110111',
      note: '区里已安排现场核查',
    });
    // A dismissal needs its reason; a blank one is refused.
    expect((await step(keys.ECOLOGY, 'dismissAlert', '   ')).errors?.[0]?.extensions?.code).toBe(
      'BAD_USER_INPUT',
    );
    // The auditor sees every alert but acts on none.
    expect((await step(keys.AUDITOR, 'commentAlert', '审计')).errors?.[0]?.extensions?.code).toBe(
      'FORBIDDEN',
    );

    const dismissed = await step(keys.ECOLOGY, 'dismissAlert', '地块规划已调整为绿地');
    expect(dismissed.data.dismissAlert.state).toBe('DISMISSED');
    expect(dismissed.data.dismissAlert.events.map((e: any) => e.event)).toEqual([
      'OPENED',
      'ACKNOWLEDGED',
      'COMMENTED',
      'DISMISSED',
    ]);

    // Evaluation keeps a dismissed alert dismissed while the situation holds.
    await evaluateRules(hub.database.sql, [rule]);
    expect((await mine(keys.ECOLOGY)).get(plots[0].parcelCode)?.state).toBe('DISMISSED');

    const audit = await hub.database.sql<{ detail: any }[]>`
      select detail from audit_log where principal = 'ECOLOGY' and detail->'actions' @> ${JSON.stringify([{ action: 'DISMISSED', alert: alert.id }])}::jsonb`;
    expect(audit).toHaveLength(1);
  });

  it('refuses a note longer than the limit, before anything changes', async () => {
    const alert = (await mine(keys.ECOLOGY)).get(plots[1].parcelCode);
    const body = await ask(
      keys.ECOLOGY,
      'mutation($id: ID!, $n: String) { commentAlert(id: $id, note: $n) { id } }',
      {
        id: alert.id,
        n: '长'.repeat(2001),
      },
    );
    expect(body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await mine(keys.ECOLOGY)).get(plots[1].parcelCode)?.events).toHaveLength(1);
  });

  it('a record a rule picked among others of its dataset is seen by who reads them all, not by its publisher alone', async () => {
    // FARMLAND_CLASS_REVIEW's sample is its point's latest: FORESTRY publishes soil samples too, but reads only
    // its own in clear, so a newer sample of AGRICULTURE's at the point would change what it sees.
    const row = (publisher: string): Pick<AlertRow, 'rule' | 'district' | 'evidence'> => ({
      rule: 'FARMLAND_CLASS_REVIEW',
      district: '110111',
      evidence: [
        {
          dataset: 'soilMonitoring',
          key: { pointCode: 'P1', sampledOn: '2025-05-01' },
          district: '110111',
          publisher,
        },
        { dataset: 'farmlandClass', key: { parcelCode: 'F1' }, district: '110111', publisher: 'AGRICULTURE' },
      ],
    });
    const accessOf = async (key: string) => {
      const found = await authenticate(hub.database.db, key);
      if (!found) throw new Error('no such key');
      return new EffectiveAccess(found.principal, found.grants);
    };
    const agriculture = await accessOf(keys.AGRICULTURE);
    const forestry = await accessOf(keys.FORESTRY);
    expect(visible(agriculture, row('AGRICULTURE'))).toBe(true);
    expect(visible(agriculture, row('FORESTRY'))).toBe(true);
    expect(visible(forestry, row('FORESTRY'))).toBe(false);
    // Its own record of a rule that picks none (the irrigation well is the one well): seen as before.
    const well: Pick<AlertRow, 'rule' | 'district' | 'evidence'> = {
      rule: 'IRRIGATION_WATER_FAILED',
      district: '110111',
      evidence: [
        { dataset: 'irrigationWell', key: { wellCode: 'W1' }, district: '110111', publisher: 'WATER' },
        { dataset: 'farmlandClass', key: { parcelCode: 'F1' }, district: '110111', publisher: 'FORESTRY' },
      ],
    };
    expect(visible(await accessOf(keys.ECOLOGY), well)).toBe(true);
  });

  it('name the datasets each rule consults beyond its evidence', async () => {
    const body = (await hub.graphql(keys.ECOLOGY, '{ supervisionRules { id datasets consults } }')).body;
    expect(body.errors).toBeUndefined();
    const byId = new Map(body.data.supervisionRules.map((r: { id: string }) => [r.id, r]));
    expect(byId.get('CLOSED_ENTERPRISE_UNSCREENED')).toMatchObject({ consults: ['siteScreening'] });
    expect(byId.get('REGISTER_SITE_SENSITIVE_USE')).toMatchObject({ consults: [] });
    for (const rule of body.data.supervisionRules as { datasets: string[]; consults: string[] }[]) {
      expect(rule.consults.every((name) => rule.datasets.includes(name))).toBe(true);
    }
  });
});
