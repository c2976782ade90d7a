import SchemaBuilder from '@pothos/core';
import { getTableConfig, pgTable } from 'drizzle-orm/pg-core';
import { lexicographicSortSchema, printSchema } from 'graphql';
import { describe, expect, it } from 'vitest';
import { datasets } from '../src/catalog/registry.js';
import type { FieldDef } from '../src/catalog/types.js';
import { columnName } from '../src/db/datasetTable.js';
import type { GraphqlKit, KnownCodes } from '../src/fields/kind.js';
import { type AnalyteResultsDecl, analyteResults } from '../src/fields/kinds/analyteResults.js';
import { number } from '../src/fields/kinds/number.js';
import { kindOf } from '../src/fields/registry.js';
import { withTestDatabase } from './support/db.js';

/**
 * The field kinds (src/fields) tested as modules: the number kind's declared precision, and the analyte-result
 * kind that no dataset declares yet (its column, validator, codecs and GraphQL type), including a round trip
 * through the database in its SQL type.
 */

const codes: KnownCodes = { districts: new Map([['110105', {}]]) };
const { sql } = withTestDatabase();

describe('the registry', () => {
  it('knows the kind of every declared field, and the kind builds its column', () => {
    for (const dataset of datasets) {
      for (const [name, field] of Object.entries(dataset.fields)) {
        const kind = kindOf(field);
        expect(kind.type, `${dataset.name}.${name}`).toBe(field.type);
        const column = getTableConfig(dataset.drizzle).columns.find((c) => c.name === columnName(name));
        expect(column?.getSQLType(), `${dataset.name}.${name}`).toBe(kind.sqlType(field));
      }
    }
  });

  it('stores every quantity at its declared scale, as numeric', () => {
    const quantities = datasets.flatMap((d) =>
      Object.entries(d.fields)
        .filter(([, f]) => f.type === 'number')
        .map(([name, f]) => [`${d.name}.${name}`, f]),
    ) as [string, FieldDef & { scale: number }][];
    expect(quantities.length).toBeGreaterThan(10);
    for (const [name, field] of quantities) {
      expect(Number.isInteger(field.scale), name).toBe(true);
      expect(kindOf(field).sqlType(field), name).toBe(`numeric(15, ${field.scale})`);
    }
  });
});

describe('the number kind', () => {
  const kg = { type: 'number', scale: 2, min: 0 } as const;
  const check = (value: unknown) => number.validate(value, kg, codes);

  it('takes values at the scale, from JSON or text, as the nearest double of the decimal', () => {
    expect(check(12.34)).toEqual({ value: 12.34 });
    expect(check('12.340')).toEqual({ value: 12.34 });
    expect(check(' 7 ')).toEqual({ value: 7 });
    expect(check(9999999999999.99)).toEqual({ value: 9999999999999.99 });
  });

  it('reads a double’s binary noise at 15 significant digits: 0.1 + 0.2 is 0.3', () => {
    expect(check(0.1 + 0.2)).toEqual({ value: 0.3 });
    expect(check('0.30000000000000004')).toEqual({ value: 0.3 });
    expect(check(29408773.47999999)).toEqual({ value: 29408773.48 });
  });

  it('refuses more decimals than the scale, and values numeric(15, scale) cannot hold', () => {
    expect(check(12.345)).toEqual({ reason: 'must have at most 2 decimal places, got 12.345' });
    expect(check('0.001')).toEqual({ reason: 'must have at most 2 decimal places, got 0.001' });
    expect(check(1e-7)).toEqual({ reason: 'must have at most 2 decimal places, got 1e-7' });
    expect(check(12.340000001)).toEqual({ reason: 'must have at most 2 decimal places, got 12.340000001' });
    expect(check(1e13)).toEqual({
      reason: 'is out of range (at most 9999999999999.99), got 10000000000000',
    });
    expect(check(-1)).toEqual({ reason: 'must not be negative, got -1' });
    expect(check('12,5')).toEqual({ reason: 'must be a number, got "12,5"' });
  });

  it('reads numeric text from raw SQL as a JSON number, and writes it to CSV as it reads', () => {
    expect(number.fromSql?.('29408773.48')).toBe(29408773.48);
    expect(number.fromSql?.('0.100')).toBe(0.1);
    expect(number.toCsv(0.1)).toBe('0.1');
  });
});

describe('the analyte-result kind', () => {
  const soil: AnalyteResultsDecl = { type: 'analyteResults', scale: 3, units: ['mg/kg'] };
  const check = (value: unknown, field: AnalyteResultsDecl = soil) =>
    analyteResults.validate(value, field, codes);
  const cadmium = {
    analyte: 'Cd',
    value: 0.21,
    unit: 'mg/kg',
    method: 'GB/T 17141-1997',
    detectionLimit: 0.01,
  };
  const mercury = { analyte: 'Hg', unit: 'mg/kg', detectionLimit: 0.002, belowDetection: true };
  const stored = [
    { ...cadmium, belowDetection: false },
    { analyte: 'Hg', value: null, unit: 'mg/kg', method: null, detectionLimit: 0.002, belowDetection: true },
  ];

  it('takes a list of results, as JSON or as a CSV cell’s JSON text, and normalises it', () => {
    expect(check([cadmium, mercury])).toEqual({ value: stored });
    expect(check(JSON.stringify([cadmium, mercury]))).toEqual({ value: stored });
    expect(check([])).toEqual({ value: [] });
    // binary noise is not a decimal of its own
    expect(check([{ ...cadmium, value: 0.1 + 0.2 }])).toEqual({
      value: [{ ...cadmium, value: 0.3, belowDetection: false }],
    });
  });

  it('refuses results out of bounds, each with the result and the reason', () => {
    const reason = (value: unknown, field?: AnalyteResultsDecl) =>
      (check(value, field) as { reason: string }).reason;
    expect(reason({ analyte: 'Cd' })).toBe('must be a list of analyte results (a JSON array)');
    expect(reason('[{"analyte":')).toBe('must be a list of analyte results (a JSON array)');
    expect(reason([cadmium, 'Pb'])).toBe('result 2: must be an object');
    expect(reason([{ ...cadmium, remark: 'x' }])).toMatch(/^result 1: has no property "remark"/);
    expect(reason([{ ...cadmium, analyte: '' }])).toMatch(/^result 1: analyte must be a code/);
    expect(reason([{ ...cadmium, analyte: 'Cd; drop' }])).toMatch(/^result 1: analyte must be a code/);
    expect(reason([cadmium, { ...cadmium, value: 0.3 }])).toBe('result 2: analyte Cd is listed twice');
    expect(reason([{ ...cadmium, unit: 'μg/L' }])).toBe('result 1: unit "μg/L" is not one of mg/kg');
    expect(reason([{ ...cadmium, unit: undefined }])).toMatch(/^result 1: unit must be text/);
    expect(reason([{ ...cadmium, value: -0.1 }])).toBe('result 1: value must not be negative, got -0.1');
    expect(reason([{ ...cadmium, value: 0.2105 }])).toBe(
      'result 1: value must have at most 3 decimal places, got 0.2105',
    );
    expect(reason([{ ...cadmium, value: '0,21' }])).toBe('result 1: value must be a number, got "0,21"');
    expect(reason([{ ...cadmium, detectionLimit: 1e-4 }])).toMatch(
      /^result 1: detectionLimit must have at most 3/,
    );
    expect(reason([{ ...cadmium, value: undefined }])).toBe(
      'result 1: value is required unless belowDetection is true',
    );
    expect(reason([{ ...cadmium, value: 0.005 }])).toBe(
      'result 1: value 0.005 is below the detection limit 0.01: send belowDetection: true',
    );
    expect(reason([{ ...mercury, detectionLimit: undefined }])).toBe(
      'result 1: a result below detection names its detectionLimit',
    );
    expect(reason([{ ...mercury, value: 0.001 }])).toBe(
      'result 1: a result below detection has no value (null)',
    );
    expect(reason([{ ...mercury, belowDetection: 'yes' }])).toMatch(
      /^result 1: belowDetection must be true or false/,
    );
    expect(reason([{ ...cadmium, method: 'x'.repeat(201) }])).toMatch(/^result 1: method must be text/);
    expect(reason([cadmium, mercury], { ...soil, analytes: ['Cd', 'Pb'] })).toBe(
      'result 2: analyte "Hg" is not one of Cd, Pb',
    );
    expect(reason([cadmium, mercury], { ...soil, maxResults: 1 })).toBe('must have at most 1 results, got 2');
  });

  it('is stored as jsonb and comes back as it was stored, through COPY’s form and raw SQL', async () => {
    const table = pgTable('samples', { results: analyteResults.column('results', soil) });
    expect(getTableConfig(table).columns[0].getSQLType()).toBe('jsonb');
    expect(analyteResults.sqlType(soil)).toBe('jsonb');
    const copied = analyteResults.toCopy?.(stored) as string;
    const [row] = await sql.unsafe(
      `select ${analyteResults.sqlSelect?.('r') ?? 'r'} as results from (select $1::${analyteResults.sqlType(soil)} as r) t`,
      [copied],
    );
    expect(analyteResults.fromSql?.(row.results) ?? row.results).toEqual(stored);
    expect(analyteResults.fromSql?.(copied)).toEqual(stored);
  });

  it('leaves a CSV cell as JSON text, which publishes back to the same results', () => {
    const cell = analyteResults.toCsv(stored);
    expect(JSON.parse(cell)).toEqual(stored);
    const published = analyteResults.fromCsv ? analyteResults.fromCsv(cell) : cell;
    expect(check(published)).toEqual({ value: stored });
  });

  it('is a list of AnalyteResult objects in GraphQL, described in Chinese and English', () => {
    // biome-ignore lint/suspicious/noExplicitAny: a throwaway schema for the kind alone
    const builder = new SchemaBuilder<any>({});
    const made = new Map<string, unknown>();
    const kit: GraphqlKit = {
      builder,
      enumType: () => {
        throw new Error('no enumerations here');
      },
      once: (name, make) => {
        if (!made.has(name)) made.set(name, make());
        return made.get(name) as never;
      },
    };
    builder.queryType({
      fields: (t: any) => ({
        results: t.field({
          type: analyteResults.graphqlType(soil, kit),
          resolve: () => stored,
        }),
      }),
    });
    const printed = printSchema(lexicographicSortSchema(builder.toSchema()));
    expect(printed).toContain('results: [AnalyteResult!]\n');
    expect(printed).toMatch(
      /type AnalyteResult \{[^}]*analyte: String![^}]*belowDetection: Boolean![^}]*detectionLimit: Float[^!][^}]*method: String[^!][^}]*unit: String![^}]*value: Float\n/s,
    );
    expect(printed).toContain('检测项目的结果 / The result of one analyte');
    expect(analyteResults.filter).toBeUndefined();
  });
});
