import { and, eq } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';
import { EffectiveAccess } from '../src/access/effectiveAccess.js';
import type { Principal } from '../src/access/principal.js';
import { type Dataset, defineDataset } from '../src/catalog/define.js';
import { datasetByName, datasets } from '../src/catalog/registry.js';
import type { Mandate } from '../src/catalog/types.js';
import { accessGrant } from '../src/db/hubTables.js';
import { withTestHub } from './support/hub.js';
import { sampleRecord, square, uniqueId } from './support/records.js';
import { withSeed } from './support/seed.js';

/**
 * Mandated sharing (法定共享, issue 13): the fields a plan orders shared with ECOLOGY read in clear with
 * reason MANDATE and the plan's basis, for ECOLOGY only; the catalogue lists the mandates; a grant for a
 * mandated field is refused; a mandate is data (a dataset declared here gets one with no code change).
 */

const hub = withTestHub();
const id = uniqueId();
const dataset = (name: string) => datasetByName(name) as Dataset;
const soil = dataset('soilMonitoring');
const farmland = dataset('farmlandClass');
const wells = dataset('irrigationWell');

/** This file's rows: [district, cadmium] per soil point; two parcels and two wells in two districts. */
const SOIL = [
  ['110105', 0.4],
  ['110105', 0.9],
  ['110108', 0.2],
] as const;
const points = SOIL.map((_, i) => `MND-${id}-${i}`);
const parcels = [0, 1].map((i) => `MND-${id}-P${i}`);
const wellCodes = [0, 1].map((i) => `MND-${id}-W${i}`);
/** A corner of the map no other test uses, so that a bounding box holds only this file's points. */
const lon = 115.5 + Math.random() * 0.3;
const lat = 40.3 + Math.random() * 0.3;

/** The principals that read none of the mandated fields: another department, a district, a new department. */
const OTHERS = ['HOUSING', '110105', 'EMERGENCY', 'URBAN_MANAGEMENT', 'GRAIN'];

const { keys } = withSeed(hub, (s) =>
  s
    .records(
      'soilMonitoring',
      SOIL.map(([district, cadmium], i) =>
        sampleRecord(soil, `${id}-${i}`, {
          pointCode: points[i],
          district,
          cadmium,
          location: { type: 'Point', coordinates: [lon + i * 0.001, lat] },
        }),
      ),
    )
    .records(
      'farmlandClass',
      ['SAFE_USE', 'STRICT_CONTROL'].map((qualityClass, i) =>
        sampleRecord(farmland, `${id}-P${i}`, {
          parcelCode: parcels[i],
          qualityClass,
          district: i ? '110108' : '110105',
          boundary: square(lon + i * 0.01, lat + 0.05),
        }),
      ),
    )
    .records(
      'irrigationWell',
      ['COMPLIANT', 'NON_COMPLIANT'].map((lastTestResult, i) =>
        sampleRecord(wells, `${id}-W${i}`, { wellCode: wellCodes[i], lastTestResult, district: '110105' }),
      ),
    )
    .keys('ECOLOGY', 'AGRICULTURE', 'WATER', 'AUDITOR', ...OTHERS),
);

const ask = (key: string, query: string, variables?: Record<string, unknown>) =>
  hub.graphql(key, query, variables).then((r) => r.body);

/** Every mandated field of the catalogue, as `dataset.field`, with the mandate that covers it. */
const mandated = datasets.flatMap((d) =>
  (d.mandates ?? []).flatMap((m) => m.fields.map((field) => ({ key: `${d.name}.${field}`, mandate: m }))),
);

/** A mandate as the GraphQL `Mandate` type gives it. */
const asGraphql = (m: Mandate) => ({ recipients: [...m.to], fields: [...m.fields], basis: { ...m.basis } });

interface FieldAccess {
  field: string;
  mode: string;
  reason: string;
  mandate: ReturnType<typeof asGraphql> | null;
}

const MY_ACCESS = `{ myAccess { dataset fields { field mode reason
  mandate { recipients fields basis { plan article quote } } } } }`;

async function myAccess(key: string): Promise<Map<string, FieldAccess>> {
  const body = await ask(key, MY_ACCESS);
  expect(body.errors).toBeUndefined();
  return new Map(
    body.data.myAccess.flatMap((d: { dataset: string; fields: FieldAccess[] }) =>
      d.fields.map((f) => [`${d.dataset}.${f.field}`, f]),
    ),
  );
}

describe('the mandates the plans order', () => {
  it('are declared for ECOLOGY on soil monitoring, farmland classes, irrigation-well tests and produce monitoring', () => {
    expect(mandated.map((m) => m.key).sort()).toEqual(
      [
        ...['location', 'cadmium', 'mercury', 'arsenic', 'lead', 'chromium', 'copper', 'nickel', 'zinc'].map(
          (f) => `soilMonitoring.${f}`,
        ),
        'farmlandClass.qualityClass',
        'farmlandClass.boundary',
        'irrigationWell.lastTestResult',
        'produceMonitoring.results',
        'produceMonitoring.compliant',
      ].sort(),
    );
    for (const { mandate } of mandated) {
      expect(mandate.to).toEqual(['ECOLOGY']);
      expect(mandate.basis.plan).toMatch(/北京市.*土壤污染防治/);
    }
  });
});

describe('myAccess', () => {
  it('gives ECOLOGY each mandated field in clear, with reason MANDATE, its basis and its recipients', async () => {
    const access = await myAccess(keys.ECOLOGY);
    for (const { key, mandate } of mandated) {
      expect(access.get(key), key).toEqual({
        field: key.split('.')[1],
        mode: 'CLEAR',
        reason: 'MANDATE',
        mandate: asGraphql(mandate),
      });
    }
    expect(access.get('soilMonitoring.cadmium')?.mandate?.basis).toEqual({
      plan: '北京市“十四五”时期土壤污染防治规划',
      article: '四(二)3',
      quote: '农药、化肥使用数据及其监测数据',
    });
    // and no mandate where none applies: an open field, a personal field of another department
    expect(access.get('soilMonitoring.ph')).toMatchObject({ reason: 'OPEN', mandate: null });
    expect(access.get('landUseChange.rightHolderContact')).toMatchObject({
      mode: 'DENIED',
      reason: 'NO_GRANT',
      mandate: null,
    });
  });

  it.each(OTHERS)('gives %s none of them (DENIED, NO_GRANT, no mandate)', async (code) => {
    const access = await myAccess(keys[code]);
    for (const { key } of mandated) {
      expect(access.get(key), `${code} ${key}`).toMatchObject({
        mode: 'DENIED',
        reason: 'NO_GRANT',
        mandate: null,
      });
    }
  });

  it('gives the owners and the auditor their own reasons, not the mandate', async () => {
    const agriculture = await myAccess(keys.AGRICULTURE);
    const water = await myAccess(keys.WATER);
    const auditor = await myAccess(keys.AUDITOR);
    expect(agriculture.get('soilMonitoring.cadmium')).toMatchObject({ reason: 'OWNER', mandate: null });
    expect(water.get('irrigationWell.lastTestResult')).toMatchObject({ reason: 'OWNER', mandate: null });
    expect(auditor.get('farmlandClass.boundary')).toMatchObject({ reason: 'ALL_FIELDS', mandate: null });
  });
});

describe('the catalogue', () => {
  const CATALOG = `{ catalog { name mandates { recipients fields basis { plan article quote } }
    fields { name mandates { recipients fields basis { plan article quote } } } } }`;

  it('lists each dataset’s mandates, and for each field the mandates that cover it', async () => {
    const body = await ask(keys.HOUSING, CATALOG);
    expect(body.errors).toBeUndefined();
    type Listed = { name: string; mandates: unknown[]; fields: { name: string; mandates: unknown[] }[] };
    const byName = new Map<string, Listed>(body.data.catalog.map((d: Listed) => [d.name, d]));
    for (const d of datasets) {
      const listed = byName.get(d.name) as Listed;
      expect(listed.mandates, d.name).toEqual((d.mandates ?? []).map(asGraphql));
      for (const field of listed.fields) {
        const covering = (d.mandates ?? []).filter((m) => m.fields.includes(field.name));
        expect(field.mandates, `${d.name}.${field.name}`).toEqual(covering.map(asGraphql));
      }
    }
    const farmlandListed = byName.get('farmlandClass') as Listed;
    expect(farmlandListed.mandates).toEqual([
      {
        recipients: ['ECOLOGY'],
        fields: ['qualityClass', 'boundary'],
        basis: {
          plan: '北京市“十四五”时期土壤污染防治规划',
          article: '一(二)1',
          quote: '耕地土壤环境质量类别动态调整',
        },
      },
    ]);
    expect(farmlandListed.fields.find((f) => f.name === 'areaMu')?.mandates).toEqual([]);
    expect(byName.get('constructionPermit')?.mandates).toEqual([]);
  });
});

describe('reading, filtering, sorting and aggregating a mandated field', () => {
  const LIST = `query($p: [String!], $box: [Float!]) {
    soilMonitorings(filter: { pointCode: $p, bbox: $box }, orderBy: { field: CADMIUM, direction: DESC }) {
      totalCount nodes { pointCode cadmium location } } }`;
  const box = [lon - 0.0005, lat - 0.0005, lon + 0.0025, lat + 0.0005];

  it('works for ECOLOGY, which reads it in clear', async () => {
    const list = await ask(keys.ECOLOGY, LIST, { p: points, box });
    expect(list.errors).toBeUndefined();
    expect(list.data.soilMonitorings.nodes.map((n: { pointCode: string }) => n.pointCode)).toEqual([
      points[1],
      points[0],
      points[2],
    ]);
    expect(list.data.soilMonitorings.nodes[0]).toMatchObject({
      cadmium: 0.9,
      location: { type: 'Point', coordinates: [lon + 0.001, lat] },
    });

    const aggregate = await ask(
      keys.ECOLOGY,
      `query($p: [String!], $q: [String!], $w: [String!]) {
        soilMonitoringAggregate(filter: { pointCode: $p }, groupBy: [DISTRICT]) {
          groups { keys { district } count max { cadmium } avg { cadmium } } }
        farmlandClassAggregate(filter: { parcelCode: $q }, groupBy: [QUALITY_CLASS]) {
          groups { keys { qualityClass } count } }
        farmlandClasses(filter: { parcelCode: $q, qualityClass: [STRICT_CONTROL] }) { nodes { parcelCode } }
        irrigationWells(filter: { wellCode: $w, lastTestResult: [NON_COMPLIANT] }) {
          nodes { wellCode lastTestResult } } }`,
      { p: points, q: parcels, w: wellCodes },
    );
    expect(aggregate.errors).toBeUndefined();
    expect(aggregate.data.soilMonitoringAggregate.groups).toEqual([
      { keys: { district: '110105' }, count: 2, max: { cadmium: 0.9 }, avg: { cadmium: 0.65 } },
      { keys: { district: '110108' }, count: 1, max: { cadmium: 0.2 }, avg: { cadmium: 0.2 } },
    ]);
    expect(aggregate.data.farmlandClassAggregate.groups).toEqual([
      { keys: { qualityClass: 'SAFE_USE' }, count: 1 },
      { keys: { qualityClass: 'STRICT_CONTROL' }, count: 1 },
    ]);
    expect(aggregate.data.farmlandClasses.nodes).toEqual([{ parcelCode: parcels[1] }]);
    expect(aggregate.data.irrigationWells.nodes).toEqual([
      { wellCode: wellCodes[1], lastTestResult: 'NON_COMPLIANT' },
    ]);
  });

  it.each(OTHERS)('is refused for %s (FORBIDDEN), the value never shown', async (code) => {
    const key = keys[code];
    const sorted = await ask(key, LIST, { p: points });
    expect(sorted.data).toBeNull();
    expect(sorted.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(sorted.errors?.[0].message).toMatch(/SoilMonitoring\.cadmium/);

    const boxed = await ask(key, '{ soilMonitorings(filter: { bbox: [116, 39, 117, 40] }) { totalCount } }');
    expect(boxed.errors?.[0].extensions?.code).toBe('FORBIDDEN');
    expect(boxed.errors?.[0].message).toMatch(/SoilMonitoring\.location/);

    const filtered = await ask(
      key,
      `query($q: [String!]) { farmlandClasses(filter: { parcelCode: $q, qualityClass: [STRICT_CONTROL] }) { totalCount } }`,
      { q: parcels },
    );
    expect(filtered.errors?.[0].extensions?.code).toBe('FORBIDDEN');

    const aggregated = await ask(
      key,
      `query($p: [String!]) { soilMonitoringAggregate(filter: { pointCode: $p }) { groups { max { cadmium } } } }`,
      { p: points },
    );
    expect(aggregated.data.soilMonitoringAggregate).toBeNull();
    expect(aggregated.errors?.[0].extensions).toMatchObject({
      code: 'FORBIDDEN',
      field: 'cadmium',
      reason: 'NO_GRANT',
    });

    // listed without the mandated fields' values: null with FORBIDDEN at each path
    const read = await ask(
      key,
      `query($p: [String!]) { soilMonitorings(filter: { pointCode: $p }) { nodes { pointCode cadmium } } }`,
      { p: points },
    );
    const nodes = read.data.soilMonitorings.nodes as { pointCode: string; cadmium: number | null }[];
    expect(nodes.length).toBe(code === '110105' ? 2 : 3);
    expect(nodes.every((n) => n.cadmium === null)).toBe(true);
    expect(read.errors?.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
    expect(JSON.stringify(read)).not.toMatch(/0\.9|0\.4/);
  });
});

describe('grant requests', () => {
  const REQUEST = `mutation($input: AccessRequestInput!) { requestAccess(input: $input) { id status } }`;
  const purpose = `法定共享测试 ${id}`;
  const stored = (requester: string) =>
    hub.database.db
      .select({ id: accessGrant.id })
      .from(accessGrant)
      .where(and(eq(accessGrant.requester, requester), eq(accessGrant.purpose, purpose)));

  afterAll(async () => {
    await hub.database.db.delete(accessGrant).where(eq(accessGrant.purpose, purpose));
  });

  it.each([
    ['soilMonitoring', ['cadmium'], 'cadmium'],
    ['farmlandClass', ['boundary'], 'boundary'],
    ['irrigationWell', ['lastTestResult'], 'lastTestResult'],
  ])(
    'refuses ECOLOGY a grant on %s %j, which it reads under a mandate: BAD_USER_INPUT, nothing stored',
    async (name, fields, field) => {
      const body = await ask(keys.ECOLOGY, REQUEST, {
        input: { dataset: name, fields, purpose, termDays: 30 },
      });
      expect(body.data).toBeNull();
      expect(body.errors?.[0].extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'fields',
        mandated: field,
      });
      const message = body.errors?.[0].message ?? '';
      expect(message).toContain(`${name}.${field} 已依《`);
      expect(message).toContain('法定共享给 ECOLOGY，无需申请授权 / ECOLOGY already reads');
      expect(message).toMatch(/under a mandate \(北京市.*, .+\): a grant would add nothing$/);
      expect(await stored('ECOLOGY')).toEqual([]);
    },
  );

  it('still takes the same request from a department the mandate does not name', async () => {
    const body = await ask(keys.HOUSING, REQUEST, {
      input: { dataset: 'soilMonitoring', fields: ['cadmium'], purpose, termDays: 30 },
    });
    expect(body.errors).toBeUndefined();
    expect(body.data.requestAccess.status).toBe('PENDING');
    expect(await stored('HOUSING')).toHaveLength(1);
  });

  it('leaves a grant made before the mandate as it was: listed, revocable, and the field read under the mandate throughout', async () => {
    const [grant] = await hub.database.db
      .insert(accessGrant)
      .values({
        dataset: 'irrigationWell',
        fields: ['lastTestResult'],
        requester: 'ECOLOGY',
        purpose,
        termDays: 30,
        status: 'APPROVED',
        decidedBy: 'WATER',
        decidedAt: new Date().toISOString(),
        expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
      })
      .returning();
    const listed = await ask(
      keys.ECOLOGY,
      '{ accessGrants(dataset: "irrigationWell", status: [APPROVED], first: 1000) { nodes { id status } } }',
    );
    expect(listed.data.accessGrants.nodes).toContainEqual({ id: grant.id, status: 'APPROVED' });
    expect((await myAccess(keys.ECOLOGY)).get('irrigationWell.lastTestResult')?.reason).toBe('MANDATE');

    const revoked = await ask(
      keys.WATER,
      'mutation($id: ID!) { revokeAccess(id: $id, reason: "用途已完成") { status } }',
      {
        id: grant.id,
      },
    );
    expect(revoked.data.revokeAccess.status).toBe('REVOKED');
    const after = await ask(
      keys.ECOLOGY,
      `query($w: [String!]) { irrigationWells(filter: { wellCode: $w }) { nodes { lastTestResult } } }`,
      { w: wellCodes },
    );
    expect(after.errors).toBeUndefined();
    expect(after.data.irrigationWells.nodes).toEqual([
      { lastTestResult: 'COMPLIANT' },
      { lastTestResult: 'NON_COMPLIANT' },
    ]);
  });
});

describe('a mandate is data', () => {
  const principal = (code: string, kind: Principal['kind'] = 'DEPARTMENT'): Principal => ({
    code,
    kind,
    nameZh: code,
    nameEn: code,
    keyId: '00000000-0000-0000-0000-000000000000',
    capabilities: [],
  });
  const basis = { plan: '测试规划', article: '一(一)1', quote: '测试用的共享要求' };
  const declare = (mandates: Mandate[], fields: Record<string, object> = {}) =>
    defineDataset({
      name: 'mandateProbe',
      names: { type: 'MandateProbe', one: 'mandateProbe', many: 'mandateProbes' },
      table: 'mandate_probe',
      zh: '法定共享测试',
      en: 'Mandate probe',
      owner: 'PLANNING',
      updateCycle: 'P1D',
      key: ['code'],
      districtField: 'district',
      fields: {
        code: { type: 'text', zh: '编码', en: 'Code', required: true },
        district: { type: 'district', zh: '区', en: 'District' },
        secret: { type: 'text', zh: '有条件字段', en: 'Conditional field', sharing: 'CONDITIONAL' },
        hidden: { type: 'text', zh: '不予共享字段', en: 'Private field', sharing: 'PRIVATE' },
        phone: {
          type: 'text',
          zh: '电话',
          en: 'Phone',
          personal: true,
          mask: 'phone',
          sharing: 'CONDITIONAL',
        },
        ...fields,
      },
      mandates,
    });

  it('declared on a dataset here gives its recipients MANDATE, a district its own rows, no one else anything', () => {
    const probe = declare([
      { to: ['HOUSING'], fields: ['secret', 'hidden'], basis },
      { to: ['DISTRICT'], fields: ['secret'], basis: { ...basis, article: '一(一)2' } },
    ]);
    const housing = new EffectiveAccess(principal('HOUSING'), []);
    expect(housing.field(probe, 'secret')).toEqual({
      mode: 'CLEAR',
      reason: 'MANDATE',
      mandate: probe.mandates?.[0],
    });
    expect(housing.field(probe, 'hidden')).toMatchObject({ mode: 'CLEAR', reason: 'MANDATE' });
    expect(housing.field(probe, 'phone')).toEqual({ mode: 'DENIED', reason: 'NO_GRANT' });
    expect(housing.rowScope(probe)).toBeUndefined();

    const district = new EffectiveAccess(principal('110105', 'DISTRICT'), []);
    expect(district.field(probe, 'secret')).toEqual({
      mode: 'CLEAR',
      reason: 'MANDATE',
      mandate: probe.mandates?.[1],
    });
    expect(district.field(probe, 'hidden')).toEqual({ mode: 'DENIED', reason: 'PRIVATE' });
    // a district reads a mandated field of its own district's rows only, like every field
    expect(district.rowScope(probe)).toBeDefined();

    const water = new EffectiveAccess(principal('WATER'), []);
    expect(water.field(probe, 'secret')).toEqual({ mode: 'DENIED', reason: 'NO_GRANT' });
    expect(water.field(probe, 'hidden')).toEqual({ mode: 'DENIED', reason: 'PRIVATE' });
    // the owner reads as the owner
    expect(new EffectiveAccess(principal('PLANNING'), []).field(probe, 'secret').reason).toBe('OWNER');
  });

  it.each([
    ['personal data', { to: ['HOUSING'], fields: ['phone'], basis }, /mandated field phone is personal data/],
    [
      'an undeclared field',
      { to: ['HOUSING'], fields: ['nothing'], basis },
      /mandated field nothing is not declared/,
    ],
    ['the owner', { to: ['PLANNING'], fields: ['secret'], basis }, /recipient PLANNING owns the dataset/],
    [
      'a malformed recipient',
      { to: ['housing'], fields: ['secret'], basis },
      /recipient housing is not a principal code/,
    ],
    ['no recipients', { to: [], fields: ['secret'], basis }, /names its recipients and fields/],
    [
      'an empty quote',
      { to: ['HOUSING'], fields: ['secret'], basis: { ...basis, quote: ' ' } },
      /plan, article and quote/,
    ],
  ])('is refused at declaration when it names %s', (_case, mandate, message) => {
    expect(() => declare([mandate as Mandate])).toThrow(message);
  });
});
