import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasets } from '../src/catalog/registry.js';
import type { FieldDef } from '../src/catalog/types.js';
import { columnName } from '../src/db/datasetTable.js';
import { demoGenerators } from '../src/demo/generators/index.js';
import { demoDistricts } from '../src/demo/geography.js';
import { DEMO_TODAY } from '../src/demo/random.js';
import { demoRecords } from '../src/demo/rows.js';
import { seedDemo } from '../src/demo/seed.js';
import { demoStories } from '../src/demo/stories.js';
import { buildDemoWorld, demoWorld } from '../src/demo/world.js';
import { creditCodeProblem } from '../src/domain/creditCode.js';
import { parsePoint, parsePolygon } from '../src/domain/geometry.js';
import { withTestDatabase } from './support/db.js';

/** The planned volume of every dataset. */
const PLANNED: Record<string, number> = {
  pesticideUse: 3000,
  fertiliserUse: 3000,
  soilMonitoring: 2000,
  farmlandClass: 1500,
  landUseChange: 1000,
  landRightChange: 1500,
  constructionPermit: 1500,
  closedEnterprise: 3000,
  irrigationWell: 2000,
  keySupervisedUnit: 1000,
  contaminatedSite: 1000,
  siteScreening: 2200,
  priorityPlot: 1000,
};

const PHONE = /^1[3-9]\d{9}$/;
const FORESTRY_LAND = new Set(['FOREST', 'GARDEN', 'GREEN_SPACE']);
const DISTRICT_CODES = new Set(demoDistricts.map((d) => d.code));

const { db, sql } = withTestDatabase();

/** Why a value does not fit its declared field, or undefined. */
function fieldProblem(field: FieldDef, value: unknown): string | undefined {
  if (value === null || value === undefined) return field.required ? 'required but missing' : undefined;
  switch (field.type) {
    case 'code':
    case 'text':
      if (typeof value !== 'string' || value === '') return 'not a non-empty string';
      if (field.maxLength !== undefined && value.length > field.maxLength) return 'too long';
      if (field.pattern && !field.pattern.test(value)) return `does not match ${field.pattern}`;
      return undefined;
    case 'integer':
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'not a finite number';
      if (field.type === 'integer' && !Number.isInteger(value)) return 'not an integer';
      if (field.min !== undefined && value < field.min) return `below ${field.min}`;
      if (field.max !== undefined && value > field.max) return `above ${field.max}`;
      return undefined;
    case 'date':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return 'not an ISO date';
      if (new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) !== value) return 'not a calendar date';
      return value > DEMO_TODAY || value < '2010-01-01' ? 'outside 2010 … demo today' : undefined;
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'not a boolean';
    case 'enum':
      return typeof value === 'string' && value in field.enum.values
        ? undefined
        : `not a ${field.enum.name} code`;
    case 'creditCode':
      return typeof value === 'string' ? creditCodeProblem(value) : 'not a string';
    case 'district':
      return DISTRICT_CODES.has(String(value)) ? undefined : 'not a district code';
    case 'point':
    case 'polygon':
      try {
        (field.type === 'point' ? parsePoint : parsePolygon)(value);
        return undefined;
      } catch (error) {
        return (error as Error).message;
      }
    case 'textList':
      return Array.isArray(value) && value.every((v) => typeof v === 'string')
        ? undefined
        : 'not a string list';
  }
}

function allowedPublishers(dataset: Dataset): Set<string> {
  return new Set([
    dataset.owner,
    ...(dataset.publishers ?? []),
    ...(dataset.districtPublishers ? DISTRICT_CODES : []),
  ]);
}

describe('demo records (before any database)', () => {
  it('has a generator and the planned volume for every dataset of the catalogue', () => {
    for (const dataset of datasets) {
      expect(demoGenerators[dataset.name], dataset.name).toBeTypeOf('function');
      expect(demoRecords().get(dataset.name)?.length, dataset.name).toBe(PLANNED[dataset.name]);
    }
  });

  it('is deterministic: a fresh world gives the same rows', () => {
    const world = buildDemoWorld();
    for (const dataset of datasets) {
      const fresh = demoGenerators[dataset.name](world, dataset);
      const stored = (demoRecords().get(dataset.name) ?? []).map(
        ({ sourceRecordId, syncBatch, ...row }) => row,
      );
      expect(fresh, dataset.name).toEqual(stored);
    }
  });

  it('fits every declaration: required fields, types, ranges, enums, codes, geometry, publishers, keys', () => {
    const problems: string[] = [];
    for (const dataset of datasets) {
      const publishers = allowedPublishers(dataset);
      const keys = new Set<string>();
      for (const row of demoRecords().get(dataset.name) ?? []) {
        for (const [name, field] of Object.entries(dataset.fields)) {
          const problem = fieldProblem(field, row[name]);
          if (problem) problems.push(`${dataset.name}.${name} = ${JSON.stringify(row[name])}: ${problem}`);
          if (field.mask === 'phone' && row[name] != null && !PHONE.test(String(row[name]))) {
            problems.push(`${dataset.name}.${name} = ${row[name]}: not a Chinese mobile number`);
          }
        }
        if (!publishers.has(row.publisher)) problems.push(`${dataset.name}: publisher ${row.publisher}`);
        if (row.syncBatch !== 'demo') problems.push(`${dataset.name}: sync batch ${row.syncBatch}`);
        const key = dataset.key.map((k) => String(row[k])).join(':');
        if (row.sourceRecordId !== key)
          problems.push(`${dataset.name}: source record id ${row.sourceRecordId}`);
        if (keys.has(key)) problems.push(`${dataset.name}: duplicate natural key ${key}`);
        keys.add(key);
      }
    }
    expect(problems.slice(0, 20)).toEqual([]);
  });

  it('keeps the domain plausible: publishers by land category, pure below product amounts, soil ranges', () => {
    for (const name of ['pesticideUse', 'fertiliserUse', 'soilMonitoring']) {
      const rows = demoRecords().get(name) ?? [];
      for (const row of rows) {
        expect(row.publisher, name).toBe(
          FORESTRY_LAND.has(String(row.landCategory)) ? 'FORESTRY' : 'AGRICULTURE',
        );
      }
      const forestry = rows.filter((r) => r.publisher === 'FORESTRY').length;
      expect(forestry, name).toBeGreaterThan(rows.length * 0.2);
      expect(forestry, name).toBeLessThan(rows.length * 0.6);
    }
    for (const row of demoRecords().get('fertiliserUse') ?? []) {
      expect(row.pureAmountKg as number).toBeLessThan(row.amountKg as number);
    }
    const hotspots = new Set(demoStories().soilHotspotPointCodes);
    for (const row of demoRecords().get('soilMonitoring') ?? []) {
      expect(row.ph as number).toBeGreaterThanOrEqual(6.5);
      expect(row.ph as number).toBeLessThanOrEqual(8.5);
      if (hotspots.has(String(row.pointCode))) continue;
      expect(row.cadmium as number).toBeGreaterThanOrEqual(0.05);
      expect(row.cadmium as number).toBeLessThanOrEqual(0.6);
      expect(row.zinc as number).toBeLessThanOrEqual(120);
    }
    // Farming happens mostly outside the city: the seven inner districts hold a small share.
    const inner = new Set(['110101', '110102', '110105', '110106', '110107', '110108', '110400']);
    const pesticide = demoRecords().get('pesticideUse') ?? [];
    expect(pesticide.filter((r) => inner.has(String(r.district))).length).toBeLessThan(
      pesticide.length * 0.1,
    );
  });
});

describe('demo world timelines', () => {
  it('keeps every story in order: closed → screened → listed → rezoned → permitted', () => {
    const world = demoWorld();
    const late: string[] = [];
    for (const s of world.screenings)
      if (s.screenedOn <= s.firm.closedOn) late.push(`screening ${s.firm.creditCode}`);
    for (const p of world.priorityPlots)
      if (p.listedOn < p.screening.screenedOn) late.push(`plot ${p.plotCode}`);
    for (const r of world.registerSites) {
      if (r.plot && r.listedOn <= r.plot.listedOn) late.push(`register ${r.siteCode}`);
      if (r.removedOn && r.removedOn <= r.listedOn) late.push(`removal ${r.siteCode}`);
    }
    for (const p of world.permits)
      if (p.plot && p.issuedOn <= p.plot.permitDate) late.push(`permit ${p.permitNo}`);
    for (const u of world.keyUnits) {
      if (u.closed && (u.years.at(-1) ?? 0) >= Number(u.closed.closedOn.slice(0, 4)))
        late.push(`unit ${u.creditCode}`);
    }
    for (const e of world.landRightEvents) {
      if (e.unit.closed && e.effectiveOn < e.unit.closed.closedOn) late.push(`event ${e.eventNo}`);
    }
    for (const z of world.rezonings) {
      const o = z.origin;
      if (o.kind === 'closedSite' && z.permitDate <= o.firm.closedOn) late.push(`rezoning ${z.parcelCode}`);
      if (o.kind === 'registerSite' && o.site.removedOn && z.permitDate <= o.site.removedOn)
        late.push(z.parcelCode);
      if (o.kind === 'keyUnitLand' && z.permitDate <= o.event.effectiveOn)
        late.push(`rezoning ${z.parcelCode}`);
    }
    expect(late).toEqual([]);
  });
});

describe('seeded demo data', () => {
  let seeded: Record<string, number> = {};

  beforeAll(async () => {
    const started = performance.now();
    // The shared test database holds other tests' rows: only demo rows already there mean "seeded".
    seeded = await seedDemo(db, { skipWhen: 'demoRows' });
    if (Object.keys(seeded).length > 0) {
      const ms = Math.round(performance.now() - started);
      console.info(`seedDemo on ${inject('databaseKind')}: ${ms} ms`, seeded);
    }
  }, 120_000);

  const demo = (dataset: Dataset) => sql`${sql(dataset.table)}`;

  it('loads every dataset with its planned volume, and never twice', async () => {
    if (Object.keys(seeded).length > 0) expect(seeded).toEqual(PLANNED);
    // Other files share the database and may republish demo rows (a WATER snapshot in publish.test.ts
    // tombstones WATER's demo wells, which then carry its batch): never more than planned, never twice.
    for (const dataset of datasets) {
      const [{ n }] = await sql<{ n: number }[]>`
        select count(*)::int as n from ${demo(dataset)} where sync_batch = 'demo'`;
      expect(n, dataset.name).toBeLessThanOrEqual(PLANNED[dataset.name]);
    }
    expect(await seedDemo(db, { skipWhen: 'demoRows' })).toEqual({});
    expect(await seedDemo(db)).toEqual({});
  });

  it('stores only valid unified social credit codes', async () => {
    let checked = 0;
    for (const dataset of datasets) {
      for (const [name, field] of Object.entries(dataset.fields)) {
        if (field.type !== 'creditCode') continue;
        const rows = await sql<{ code: string }[]>`
          select ${sql(columnName(name))} as code from ${demo(dataset)}
          where sync_batch = 'demo' and ${sql(columnName(name))} is not null`;
        expect(rows.length, `${dataset.name}.${name}`).toBeGreaterThanOrEqual(200);
        for (const { code } of rows) expect(creditCodeProblem(code), code).toBeUndefined();
        checked += rows.length;
      }
    }
    expect(checked).toBeGreaterThan(5000);
  });

  it('places every point and polygon near the centre of its district', async () => {
    const centres = sql.unsafe(
      `(values ${demoDistricts.map((d) => `('${d.code}', ${d.centre[0]}::float8, ${d.centre[1]}::float8)`).join(', ')})`,
    );
    let checked = 0;
    for (const dataset of datasets) {
      for (const [name, field] of Object.entries(dataset.fields)) {
        if ((field.type !== 'point' && field.type !== 'polygon') || !dataset.districtField) continue;
        const shape =
          field.type === 'point' ? sql`t.${sql(columnName(name))}` : sql`point(t.${sql(columnName(name))})`;
        const [{ n, far }] = await sql<{ n: number; far: number }[]>`
          select count(*)::int as n,
                 count(*) filter (where ${shape} <-> point(c.lon, c.lat) > 0.6)::int as far
          from ${demo(dataset)} t join ${centres} as c(code, lon, lat) on c.code = t.${sql(columnName(dataset.districtField))}
          where t.sync_batch = 'demo' and t.${sql(columnName(name))} is not null`;
        expect(far, `${dataset.name}.${name}`).toBe(0);
        checked += n;
      }
    }
    expect(checked).toBeGreaterThan(8000);
  });

  it('rezones plots on closed factories’ sites and on register sites, and issues permits on them', async () => {
    const [{ factories, register, permits, onPlots }] = await sql<
      { factories: number; register: number; permits: number; onPlots: number }[]
    >`
      with plot as (
        select l.parcel_code,
          exists (select 1 from closed_enterprise c
                  where c.sync_batch = 'demo' and c.site_boundary && l.boundary) as on_factory,
          exists (select 1 from contaminated_site s
                  where s.sync_batch = 'demo' and s.boundary && l.boundary) as on_register
        from land_use_change l where l.sync_batch = 'demo'
      )
      select
        (select count(*) from plot where on_factory)::int as factories,
        (select count(*) from plot where on_register)::int as register,
        (select count(*) from construction_permit p join plot using (parcel_code)
         where p.sync_batch = 'demo' and (on_factory or on_register))::int as permits,
        (select count(*) from construction_permit p join plot using (parcel_code)
         where p.sync_batch = 'demo')::int as "onPlots"`;
    expect(factories).toBeGreaterThanOrEqual(30);
    expect(register).toBeGreaterThanOrEqual(30);
    expect(permits).toBeGreaterThanOrEqual(30);
    expect(onPlots).toBeGreaterThanOrEqual(1350);
  });

  it('tells the exported stories: each one can be found by its codes', async () => {
    const stories = demoStories();
    expect(stories.rezonedFactorySites.length).toBeGreaterThanOrEqual(30);
    expect(stories.rezonedRegisterSites.length).toBeGreaterThanOrEqual(30);
    expect(stories.rezonedRegisterSites.some((s) => s.siteStatus === 'LISTED')).toBe(true);
    const factoryPairs = await sql<{ n: number }[]>`
      select count(*)::int as n from land_use_change l join closed_enterprise c on c.site_boundary && l.boundary
      where l.sync_batch = 'demo' and c.sync_batch = 'demo'
        and (l.parcel_code || ':' || c.credit_code) in ${sql(stories.rezonedFactorySites.map((s) => `${s.parcelCode}:${s.creditCode}`))}`;
    expect(factoryPairs[0].n).toBe(stories.rezonedFactorySites.length);
    const registerPairs = await sql<{ n: number }[]>`
      select count(*)::int as n from land_use_change l join contaminated_site s on s.boundary && l.boundary
      where l.sync_batch = 'demo' and s.sync_batch = 'demo'
        and (l.parcel_code || ':' || s.site_code) in ${sql(stories.rezonedRegisterSites.map((s) => `${s.parcelCode}:${s.siteCode}`))}`;
    expect(registerPairs[0].n).toBe(stories.rezonedRegisterSites.length);
    const [{ n: keyUnitLand }] = await sql<{ n: number }[]>`
      select count(distinct l.parcel_code)::int as n from land_use_change l
      join land_right_change r on r.parcel_code = l.parcel_code and r.sync_batch = 'demo'
      join key_supervised_unit k on k.credit_code = r.credit_code and k.sync_batch = 'demo'
      where l.sync_batch = 'demo' and l.parcel_code in ${sql(stories.rezonedKeyUnitLand.map((s) => s.parcelCode))}`;
    expect(keyUnitLand).toBe(stories.rezonedKeyUnitLand.length);
    const [{ n: riskyPermits }] = await sql<{ n: number }[]>`
      select count(*)::int as n from construction_permit
      where sync_batch = 'demo' and permit_no in ${sql(stories.permitsOnRiskyParcels.map((p) => p.permitNo))}
        and parcel_code in ${sql(stories.riskyParcelCodes)}`;
    expect(riskyPermits).toBe(stories.permitsOnRiskyParcels.length);
    expect(riskyPermits).toBeGreaterThanOrEqual(30);
  });

  it('links closed enterprises → screenings → priority plots, and land-right changes → key units', async () => {
    const [counts] = await sql<
      {
        closed: number;
        screened: number;
        orphanScreenings: number;
        high: number;
        highWithoutPlot: number;
        plotsNotFromHigh: number;
        districtPublished: number;
        lrcWithoutUnit: number;
        closedKeyUnits: number;
      }[]
    >`
      select
        (select count(*) from closed_enterprise where sync_batch = 'demo')::int as closed,
        (select count(*) from closed_enterprise c where sync_batch = 'demo' and exists
          (select 1 from site_screening s where s.credit_code = c.credit_code and s.sync_batch = 'demo'))::int
          as screened,
        (select count(*) from site_screening s where sync_batch = 'demo' and not exists
          (select 1 from closed_enterprise c where c.credit_code = s.credit_code and c.sync_batch = 'demo'))::int
          as "orphanScreenings",
        (select count(*) from site_screening where sync_batch = 'demo' and risk_level = 'HIGH')::int as high,
        (select count(*) from site_screening s where sync_batch = 'demo' and risk_level = 'HIGH' and not exists
          (select 1 from priority_plot p where p.source_credit_code = s.credit_code and p.sync_batch = 'demo'))::int
          as "highWithoutPlot",
        (select count(*) from priority_plot p where sync_batch = 'demo' and not exists
          (select 1 from site_screening s where s.credit_code = p.source_credit_code and s.risk_level = 'HIGH'
           and s.sync_batch = 'demo'))::int as "plotsNotFromHigh",
        (select count(*) from site_screening where sync_batch = 'demo' and publisher = district)::int
          as "districtPublished",
        (select count(*) from land_right_change r where sync_batch = 'demo' and not exists
          (select 1 from key_supervised_unit k where k.credit_code = r.credit_code and k.sync_batch = 'demo'))::int
          as "lrcWithoutUnit",
        (select count(distinct k.credit_code) from key_supervised_unit k join closed_enterprise c
          on c.credit_code = k.credit_code and c.sync_batch = 'demo' where k.sync_batch = 'demo')::int
          as "closedKeyUnits"`;
    expect(counts.screened).toBeGreaterThan(counts.closed / 2);
    expect(counts.orphanScreenings).toBe(0);
    expect(counts.high).toBeGreaterThanOrEqual(100);
    expect(counts.highWithoutPlot).toBe(0);
    expect(counts.plotsNotFromHigh).toBe(0);
    expect(counts.districtPublished).toBeGreaterThan(100);
    expect(counts.districtPublished).toBeLessThan(PLANNED.siteScreening);
    expect(counts.lrcWithoutUnit).toBe(0);
    expect(counts.closedKeyUnits).toBe(demoStories().closedKeyUnitCreditCodes.length);
  });
});
