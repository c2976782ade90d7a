import type postgres from 'postgres';
import { describe, expect, inject, it } from 'vitest';
import { APP_ROLE } from '../src/db/connection.js';
import { applicableValue } from '../src/standards/standards.js';
import { withTestHub } from './support/hub.js';

/**
 * The published standards as reference data (issue 13 item 3): the figures of ../shared/SUPERVISION.md come
 * back exactly, the applicable value is found (GB 15618's pH band boundaries included), bad input is
 * refused in both languages, and the tables cannot be written through the hub. A new edition is data.
 */

const hub = withTestHub();
const sql = () => hub.database.sql;

const ROW = `standard edition code titleZh issuerZh effectiveFrom analyte analyteZh analyteEn cas valueKind landUse
  phAbove phUpTo produce groundwaterClass value valueText unit noteZh noteEn`;

interface Row {
  standard: string;
  edition: string;
  code: string;
  analyte: string;
  valueKind: string;
  landUse: string | null;
  phAbove: number | null;
  phUpTo: number | null;
  produce: string | null;
  groundwaterClass: string | null;
  value: number;
  valueText: string;
  unit: string;
  [other: string]: unknown;
}

async function list(key: string, filter: Record<string, unknown>): Promise<Row[]> {
  const response = await hub.graphql(key, `query($f: StandardFilter) { standards(filter: $f) { ${ROW} } }`, {
    f: filter,
  });
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  return response.body.data.standards;
}

async function applicable(key: string, measurement: Record<string, unknown>) {
  return hub.graphql(key, `query($m: StandardMeasurement!) { standardValue(measurement: $m) { ${ROW} } }`, {
    m: measurement,
  });
}

async function valueFor(key: string, measurement: Record<string, unknown>): Promise<number | null> {
  const response = await applicable(key, measurement);
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  return response.body.data.standardValue?.value ?? null;
}

/** A bad request: BAD_USER_INPUT, a message in Chinese and in English, the status of a client's error. */
async function expectBadInput(response: Awaited<ReturnType<typeof hub.graphql>>, message: RegExp) {
  expect(response.status).toBeLessThan(500);
  const [error] = response.body.errors ?? [];
  expect(error?.extensions?.code, JSON.stringify(response.body)).toBe('BAD_USER_INPUT');
  expect(error.message).toMatch(message);
  expect(error.message).toMatch(/[\u4e00-\u9fff]/);
  expect(error.message).toMatch(/ \/ [A-Za-z]/);
  expect(response.body.data?.standards ?? response.body.data?.standardValue ?? null).toBeNull();
}

/** An enum value outside the vocabulary: refused by GraphQL validation, naming the value, as every enum of the hub. */
async function expectEnumRefused(response: Awaited<ReturnType<typeof hub.graphql>>, value: RegExp) {
  expect(response.status).toBeLessThan(500);
  const [error] = response.body.errors ?? [];
  expect(error?.extensions?.code, JSON.stringify(response.body)).toBe('BAD_USER_INPUT');
  expect(error.message).toMatch(value);
  expect(response.body.data).toBeUndefined();
}

const BANDS: [number | null, number | null][] = [
  [null, 5.5],
  [5.5, 6.5],
  [6.5, 7.5],
  [7.5, null],
];

// ../shared/SUPERVISION.md, "Standards the rules need", as written there.
const GB15618_SCREENING: Record<string, Record<string, number[]>> = {
  Cd: { paddy: [0.3, 0.4, 0.6, 0.8], other: [0.3, 0.3, 0.3, 0.6] },
  Hg: { paddy: [0.5, 0.5, 0.6, 1.0], other: [1.3, 1.8, 2.4, 3.4] },
  As: { paddy: [30, 30, 25, 20], other: [40, 40, 30, 25] },
  Pb: { paddy: [80, 100, 140, 240], other: [70, 90, 120, 170] },
  Cr: { paddy: [250, 250, 300, 350], other: [150, 150, 200, 250] },
};
const GB15618_INTERVENTION: Record<string, number[]> = {
  Cd: [1.5, 2.0, 3.0, 4.0],
  Hg: [2.0, 2.5, 4.0, 6.0],
  As: [200, 150, 120, 100],
  Pb: [400, 500, 700, 1000],
  Cr: [800, 850, 1000, 1300],
};
/** First / second class screening, then first / second class intervention. */
const GB36600: Record<string, [number, number, number, number]> = {
  As: [20, 60, 120, 140],
  Cd: [20, 65, 47, 172],
  Cr6: [3.0, 5.7, 30, 78],
  Cu: [2000, 18000, 8000, 36000],
  Pb: [400, 800, 800, 2500],
  Hg: [8, 38, 33, 82],
  Ni: [150, 900, 600, 2000],
};

/** The GB 15618 rows as SUPERVISION.md gives them: the columns spread over the land uses each covers. */
function expectedGb15618(): string[] {
  const rows: string[] = [];
  const add = (analyte: string, kind: string, lands: string[], values: number[]) => {
    values.forEach((value, band) => {
      for (const land of lands) rows.push(`${analyte} ${kind} ${land} ${BANDS[band].join('..')} ${value}`);
    });
  };
  for (const [analyte, { paddy, other }] of Object.entries(GB15618_SCREENING)) {
    add(analyte, 'SCREENING', ['PADDY'], paddy);
    add(analyte, 'SCREENING', ['ORCHARD', 'OTHER_FARMLAND'], other);
  }
  add('Cu', 'SCREENING', ['ORCHARD'], [150, 150, 200, 200]);
  add('Cu', 'SCREENING', ['PADDY', 'OTHER_FARMLAND'], [50, 50, 100, 100]);
  add('Ni', 'SCREENING', ['PADDY', 'ORCHARD', 'OTHER_FARMLAND'], [60, 70, 100, 190]);
  add('Zn', 'SCREENING', ['PADDY', 'ORCHARD', 'OTHER_FARMLAND'], [200, 200, 250, 300]);
  for (const [analyte, values] of Object.entries(GB15618_INTERVENTION))
    add(analyte, 'INTERVENTION', ['PADDY', 'ORCHARD', 'OTHER_FARMLAND'], values);
  return rows.sort();
}

const line = (r: Row) =>
  `${r.analyte} ${r.valueKind} ${r.landUse} ${[r.phAbove, r.phUpTo].join('..')} ${r.value}`;

describe('standards: the figures', () => {
  it('GB 15618-2018 comes back exactly as SUPERVISION.md gives it, every pH band and land use, with its source', async () => {
    const key = await hub.key('AGRICULTURE');
    const rows = await list(key, { standard: 'GB 15618' });
    expect(rows.map(line).sort()).toEqual(expectedGb15618());
    for (const row of rows) {
      expect(row).toMatchObject({
        code: 'GB 15618-2018',
        edition: '2018',
        unit: 'mg/kg',
        titleZh: '土壤环境质量 农用地土壤污染风险管控标准（试行）',
        issuerZh: '生态环境部、国家市场监督管理总局',
        effectiveFrom: '2018-08-01',
      });
    }
    const cd = rows.find((r) => r.analyte === 'Cd');
    expect(cd).toMatchObject({ analyteZh: '镉', analyteEn: 'Cadmium', cas: '7440-43-9' });
  });

  it('GB 36600-2018 has the metals of SUPERVISION.md for both classes of land, and the five commonest organics', async () => {
    const key = await hub.key('110105');
    const rows = await list(key, { standard: 'GB 36600' });
    const value = (analyte: string, kind: string, land: string) =>
      rows
        .filter((r) => r.analyte === analyte && r.valueKind === kind && r.landUse === land)
        .map((r) => r.value);
    for (const [analyte, [s1, s2, i1, i2]] of Object.entries(GB36600)) {
      expect(value(analyte, 'SCREENING', 'CONSTRUCTION_FIRST'), analyte).toEqual([s1]);
      expect(value(analyte, 'SCREENING', 'CONSTRUCTION_SECOND'), analyte).toEqual([s2]);
      expect(value(analyte, 'INTERVENTION', 'CONSTRUCTION_FIRST'), analyte).toEqual([i1]);
      expect(value(analyte, 'INTERVENTION', 'CONSTRUCTION_SECOND'), analyte).toEqual([i2]);
    }
    expect(value('benzene', 'SCREENING', 'CONSTRUCTION_FIRST')).toEqual([1]);
    expect(value('trichloroethylene', 'SCREENING', 'CONSTRUCTION_SECOND')).toEqual([2.8]);
    expect(value('tetrachloroethylene', 'INTERVENTION', 'CONSTRUCTION_SECOND')).toEqual([183]);
    expect(value('naphthalene', 'INTERVENTION', 'CONSTRUCTION_FIRST')).toEqual([255]);
    expect(value('benzo_a_pyrene', 'SCREENING', 'CONSTRUCTION_FIRST')).toEqual([0.55]);
    expect(rows.find((r) => r.analyte === 'benzo_a_pyrene')).toMatchObject({
      analyteZh: '苯并[a]芘',
      cas: '50-32-8',
    });
    expect(new Set(rows.map((r) => r.analyte)).size).toBe(12);
    expect(rows.every((r) => r.phAbove === null && r.phUpTo === null && r.code === 'GB 36600-2018')).toBe(
      true,
    );
  });

  it('GB 2762-2022 limits and GB/T 14848-2017 class limits, spot checks, as the standards print them', async () => {
    const key = await hub.key('WATER');
    const limits = await list(key, { standard: 'GB 2762', valueKind: 'LIMIT' });
    const limit = (analyte: string, produce: string) =>
      limits.find((r) => r.analyte === analyte && r.produce === produce)?.value;
    expect(limit('Cd', 'RICE')).toBe(0.2);
    expect(limit('Cd', 'WHEAT')).toBe(0.1);
    expect(limit('Pb', 'RICE')).toBe(0.2);
    expect(limit('Hg', 'RICE')).toBe(0.02);
    expect(limit('Cr', 'MAIZE')).toBe(1.0);
    expect(limit('Cd', 'LEAFY_VEGETABLE')).toBe(0.2);
    expect(limit('Pb', 'VEGETABLE')).toBe(0.1);
    // inorganic arsenic in rice is not loaded (README, Standards): none, not a guess
    expect(limit('As', 'RICE')).toBeUndefined();
    expect(new Set(limits.map((r) => r.analyte))).toEqual(new Set(['Cd', 'Pb', 'As', 'Hg', 'Cr']));

    const water = await list(key, { standard: 'GB/T 14848', analyte: 'Cr6' });
    expect(water.map((r) => [r.groundwaterClass, r.valueText, r.unit])).toEqual([
      ['I', '0.005', 'mg/L'],
      ['II', '0.01', 'mg/L'],
      ['III', '0.05', 'mg/L'],
      ['IV', '0.10', 'mg/L'],
    ]);
    const ammonia = await list(key, {
      standard: 'GB/T 14848',
      analyte: 'ammonia_n',
      groundwaterClass: 'III',
    });
    expect(ammonia.map((r) => r.value)).toEqual([0.5]);
  });

  it('filters combine, and a filter no row meets answers an empty list', async () => {
    const key = await hub.key('ECOLOGY');
    const rows = await list(key, { analyte: 'Cd', landUse: 'PADDY', valueKind: 'INTERVENTION' });
    expect(rows.map((r) => r.value)).toEqual([1.5, 2.0, 3.0, 4.0]);
    expect(await list(key, { standard: 'GB 36600', produce: 'RICE' })).toEqual([]);
    expect(await list(key, { standard: 'GB 15618', edition: '1995' })).toEqual([]);
  });
});

describe('standards: the value that applies to a measurement', () => {
  it('GB 15618 pH bands are (lower, upper]: 5.5, 6.5 and 7.5 each belong to the band below, over GraphQL and in SQL', async () => {
    const key = await hub.key('AGRICULTURE');
    const paddyCd = (ph: number) =>
      valueFor(key, { standard: 'GB 15618', analyte: 'Cd', valueKind: 'SCREENING', landUse: 'PADDY', ph });
    const cases: [number, number][] = [
      [4.2, 0.3],
      [5.5, 0.3], // pH ≤ 5.5
      [5.51, 0.4],
      [6.5, 0.4], // 5.5 < pH ≤ 6.5
      [6.51, 0.6],
      [7.5, 0.6], // 6.5 < pH ≤ 7.5
      [7.51, 0.8], // pH > 7.5
      [14, 0.8],
      [0, 0.3],
    ];
    for (const [ph, expected] of cases) {
      expect(await paddyCd(ph), `pH ${ph}`).toBe(expected);
      const [{ value }] = await sql()<{ value: string | null }[]>`
        select standard_value_for('GB 15618', 'Cd', 'SCREENING', 'PADDY', ${ph}::numeric)::text as value`;
      expect(Number(value), `SQL, pH ${ph}`).toBe(expected);
    }
  });

  it('finds each table’s value: the column a land use falls in, the class of construction land, produce and groundwater class', async () => {
    const key = await hub.key('ECOLOGY');
    const m = (measurement: Record<string, unknown>) => valueFor(key, measurement);
    // Cd in an orchard is in the "other" column; Cu in a paddy is in Cu's "other" (non-orchard) column
    expect(
      await m({ standard: 'GB 15618', analyte: 'Cd', valueKind: 'SCREENING', landUse: 'ORCHARD', ph: 6 }),
    ).toBe(0.3);
    expect(
      await m({ standard: 'GB 15618', analyte: 'Cu', valueKind: 'SCREENING', landUse: 'PADDY', ph: 8 }),
    ).toBe(100);
    expect(
      await m({ standard: 'GB 15618', analyte: 'Cu', valueKind: 'SCREENING', landUse: 'ORCHARD', ph: 5 }),
    ).toBe(150);
    expect(
      await m({
        standard: 'GB 15618',
        analyte: 'As',
        valueKind: 'INTERVENTION',
        landUse: 'OTHER_FARMLAND',
        ph: 7,
      }),
    ).toBe(120);
    // pH plays no part in GB 36600; given, it is ignored
    expect(
      await m({ standard: 'GB 36600', analyte: 'Pb', valueKind: 'SCREENING', landUse: 'CONSTRUCTION_FIRST' }),
    ).toBe(400);
    expect(
      await m({
        standard: 'GB 36600',
        analyte: 'Pb',
        valueKind: 'SCREENING',
        landUse: 'CONSTRUCTION_SECOND',
        ph: 6,
      }),
    ).toBe(800);
    expect(await m({ standard: 'GB 2762', analyte: 'Cd', valueKind: 'LIMIT', produce: 'RICE' })).toBe(0.2);
    expect(
      await m({ standard: 'GB/T 14848', analyte: 'Pb', valueKind: 'CLASS_LIMIT', groundwaterClass: 'III' }),
    ).toBe(0.01);
    // none applies: GB 36600 has no value for farmland, class V has no upper bound, rice arsenic not loaded
    expect(
      await m({ standard: 'GB 36600', analyte: 'Pb', valueKind: 'SCREENING', landUse: 'PADDY' }),
    ).toBeNull();
    expect(
      await m({ standard: 'GB/T 14848', analyte: 'Pb', valueKind: 'CLASS_LIMIT', groundwaterClass: 'V' }),
    ).toBeNull();
    expect(await m({ standard: 'GB 2762', analyte: 'As', valueKind: 'LIMIT', produce: 'RICE' })).toBeNull();

    const [{ value }] = await sql()<{ value: string }[]>`
      select standard_value_for('GB 36600', 'benzene', 'INTERVENTION', 'CONSTRUCTION_SECOND')::text as value`;
    expect(value).toBe('40');
    const response = await applicable(key, {
      standard: 'GB 36600',
      analyte: 'Cr6',
      valueKind: 'SCREENING',
      landUse: 'CONSTRUCTION_FIRST',
    });
    expect(response.body.data.standardValue).toMatchObject({
      code: 'GB 36600-2018',
      value: 3,
      valueText: '3.0',
      unit: 'mg/kg',
    });
  });

  it('every condition and pH finds at most one GB 15618 value: the bands neither overlap nor leave a gap', async () => {
    const [{ gaps, doubles }] = await sql()<{ gaps: number; doubles: number }[]>`
      with groups as (select distinct standard, analyte, value_kind, land_use from standard_value where standard = 'GB 15618'),
           phs as (select unnest(array[0, 3, 5.5, 5.500001, 6, 6.5, 7, 7.5, 7.6, 9, 14]::numeric[]) as ph),
           counts as (select (select count(*) from applicable_standard_values(g.standard, g.analyte, g.value_kind, g.land_use, p.ph)) as n
                      from groups g cross join phs p)
      select count(*) filter (where n = 0)::int as gaps, count(*) filter (where n > 1)::int as doubles from counts`;
    expect({ gaps, doubles }).toEqual({ gaps: 0, doubles: 0 });
  });

  it('refuses bad measurements in Chinese and English: unknown standard or analyte, malformed code, no pH where bands need it, pH outside 0–14', async () => {
    const key = await hub.key('PLANNING');
    const base = { standard: 'GB 15618', analyte: 'Cd', valueKind: 'SCREENING', landUse: 'PADDY', ph: 6 };
    await expectBadInput(
      await applicable(key, { ...base, standard: 'GB 99999' }),
      /unknown standard: GB 99999/,
    );
    await expectBadInput(
      await applicable(key, { ...base, analyte: 'Unobtainium' }),
      /no value for analyte Unobtainium/,
    );
    await expectBadInput(
      await applicable(key, { ...base, standard: 'GB 15618-2018' }),
      /malformed standard code/,
    );
    await expectBadInput(
      await applicable(key, { ...base, analyte: "Cd'; drop table standard_value; --" }),
      /malformed analyte code/,
    );
    await expectBadInput(await applicable(key, { ...base, ph: null }), /depend on soil pH/);
    await expectBadInput(await applicable(key, { ...base, ph: 15 }), /pH must be between 0 and 14/);
    await expectBadInput(await applicable(key, { ...base, ph: -1 }), /pH must be between 0 and 14/);
    await expectEnumRefused(await applicable(key, { ...base, landUse: 'MOON' }), /MOON/);
  });
});

describe('standards: bad filters, and read-only', () => {
  it('a malformed filter is refused in both languages, before any SQL', async () => {
    const key = await hub.key('HOUSING');
    const query = 'query($f: StandardFilter) { standards(filter: $f) { value } }';
    await expectBadInput(
      await hub.graphql(key, query, { f: { standard: 'GB 15618-2018' } }),
      /malformed standard code/,
    );
    await expectBadInput(await hub.graphql(key, query, { f: { edition: '18' } }), /four-digit year/);
    await expectBadInput(
      await hub.graphql(key, query, { f: { analyte: 'Cd Pb' } }),
      /malformed analyte code/,
    );
    await expectBadInput(
      await hub.graphql(key, query, { f: { analyte: 'x'.repeat(101) } }),
      /at most 100 characters/,
    );
    await expectEnumRefused(await hub.graphql(key, query, { f: { valueKind: 'GUESS' } }), /GUESS/);
    await expectEnumRefused(await hub.graphql(key, query, { f: { groundwaterClass: 'VI' } }), /"VI"/);
  });

  it('needs a key, and offers nothing to write: no mutation names a standard', async () => {
    const response = await hub.graphql(undefined, '{ standards { value } }');
    expect(response.status).toBe(401);
    const key = await hub.key('AUDITOR');
    const mutations = await hub.graphql(
      key,
      '{ __type(name: "Mutation") { fields { name args { name } } } }',
    );
    const names = JSON.stringify(mutations.body.data.__type.fields);
    expect(names).not.toMatch(/standard/i);
    expect(mutations.body.data.__type.fields.length).toBeGreaterThan(0);
  });

  it.runIf(inject('databaseKind') === 'server')(
    'the hub’s role may read the tables but not write them: a new edition comes by migration',
    async () => {
      const [{ role }] = await sql()<{ role: string }[]>`select current_user as role`;
      expect(role).toBe(APP_ROLE);
      for (const statement of [
        `update standard_value set value = 99 where analyte = 'Cd'`,
        `delete from standard_value where analyte = 'Cd'`,
        `insert into standard_analyte (code, name_zh, name_en) values ('X', 'X', 'X')`,
        `update standard_edition set effective_from = '2000-01-01'`,
        'truncate standard_value',
      ]) {
        await expect(sql().unsafe(statement), statement).rejects.toThrow(/permission denied/);
      }
    },
  );
});

describe('standards: a new edition is a data change', () => {
  /** Runs as the owner, as a migration does, in a transaction rolled back: the shared tables stay as they were. */
  async function asMigration(work: (tx: postgres.TransactionSql) => Promise<void>): Promise<void> {
    const rolledBack = new Error('rolled back');
    try {
      await sql().begin(async (tx) => {
        const [{ owner }] = await tx<{ owner: string }[]>`select session_user as owner`;
        await tx.unsafe(`set local role "${owner}"`);
        await work(tx);
        throw rolledBack;
      });
    } catch (error) {
      if (error !== rolledBack) throw error;
    }
  }

  it('a later edition applies from the day it takes effect; the earlier one before it; an analyte it drops has none', async () => {
    await asMigration(async (tx) => {
      await tx`insert into standard_edition values ('GB 15618', '2035', '土壤环境质量 农用地（新版）', 'Agricultural land (new edition)',
        '生态环境部', 'Ministry of Ecology and Environment', '2035-01-01')`;
      await tx`insert into standard_value (standard, edition, analyte, value_kind, land_use, ph_above, ph_up_to, value, unit)
        values ('GB 15618', '2035', 'Cd', 'SCREENING', 'PADDY', null, 5.5, 0.25, 'mg/kg')`;
      const on = async (day: string | null) => {
        const [{ value }] = await tx<{ value: string | null }[]>`
          select standard_value_for('GB 15618', 'Cd', 'SCREENING', 'PADDY', 5, p_on => coalesce(${day}::date, current_date))::text as value`;
        return value;
      };
      expect(await on('2034-12-31')).toBe('0.3');
      expect(await on(null)).toBe('0.3');
      expect(await on('2035-01-01')).toBe('0.25');
      const [{ dropped }] = await tx<{ dropped: string | null }[]>`
        select standard_value_for('GB 15618', 'Pb', 'SCREENING', 'PADDY', 5, p_on => '2035-06-01')::text as dropped`;
      expect(dropped).toBeNull();
      // the service reads through the same function
      const row = await applicableValue(tx as unknown as postgres.Sql, {
        standard: 'GB 15618',
        analyte: 'Cd',
        valueKind: 'SCREENING',
        landUse: 'PADDY',
        ph: 5,
        on: '2035-06-01',
      });
      expect(row).toMatchObject({
        edition: '2035',
        value: '0.25',
        titleEn: 'Agricultural land (new edition)',
      });
    });
  });

  it('a condition cannot carry two figures, nor an edition two values for one pH band', async () => {
    await expect(
      asMigration(async (tx) => {
        await tx`insert into standard_value (standard, edition, analyte, value_kind, land_use, ph_above, ph_up_to, value, unit)
          values ('GB 15618', '2018', 'Cd', 'SCREENING', 'PADDY', 5.50, 6.5, 0.45, 'mg/kg')`;
      }),
    ).rejects.toThrow(/standard_value_condition/);
    await expect(
      asMigration(async (tx) => {
        await tx`insert into standard_value (standard, edition, analyte, value_kind, value, unit)
          values ('GB 36600', '2018', 'Cd', 'LIMIT', 1, 'mg/kg')`;
      }),
    ).rejects.toThrow(/standard_value_conditions/);
  });
});
