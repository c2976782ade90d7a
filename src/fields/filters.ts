import { type Column, eq, gte, inArray, lte, type SQL } from 'drizzle-orm';
import { badInput } from '../errors.js';
import type { FieldKind, FilterShape, GraphqlKit, KnownCodes } from './kind.js';

/** The filters field kinds share: any of a list of values, a range, a range of dates, a yes / no. */

/** The most values a list filter takes. */
export const MAX_FILTER_VALUES = 1000;

interface Range {
  min?: number | null;
  max?: number | null;
  from?: string | null;
  to?: string | null;
}

/** Any of the values given: `district: ["110105", "110108"]`, as the field's own GraphQL type. */
export const listFilter: FilterShape<any> = {
  name: 'list',
  input: (field, kind, kit) => [kind.graphqlType(field, kit)],
  conditions(column, value, { name, kind, codes }) {
    const values = value as string[];
    if (values.length > MAX_FILTER_VALUES) {
      throw badInput(`filter ${name} takes at most ${MAX_FILTER_VALUES} values`, { field: name });
    }
    for (const item of values) checkInput(name, item, kind, codes);
    return [inArray(column, values)];
  },
};

/** Checks a value given for a field that names a code (a district, a credit code); BAD_USER_INPUT if bad. */
export function checkInput(name: string, value: unknown, kind: FieldKind<any>, codes: KnownCodes): void {
  if (typeof value !== 'string' || !kind.inputProblem) return;
  const problem = kind.inputProblem(value, codes);
  if (problem) throw badInput(problem, { field: name });
}

function rangeConditions(column: Column, range: Range, name: string): SQL[] {
  const low = range.min ?? range.from;
  const high = range.max ?? range.to;
  if (low != null && high != null && low > high) {
    throw badInput(`filter ${name}: the lower bound ${low} is above the upper bound ${high}`, {
      field: name,
    });
  }
  const conditions: SQL[] = [];
  if (low != null) conditions.push(gte(column, low));
  if (high != null) conditions.push(lte(column, high));
  return conditions;
}

const RANGES = {
  IntRange: ['Int', '整数范围（含端点） / An inclusive range of whole numbers'],
  FloatRange: ['Float', '数值范围（含端点） / An inclusive range of numbers'],
} as const;

/** The input of a range filter: made once, the first time a field or `declareFilterInputs` asks for it. */
function rangeInput(kit: GraphqlKit, name: keyof typeof RANGES) {
  const [scalar, description] = RANGES[name];
  return kit.once(name, () =>
    kit.builder.inputType(name, {
      description,
      fields: (t: any) => ({
        min: t.field({ type: scalar, description: '最小值 / Lower bound' }),
        max: t.field({ type: scalar, description: '最大值 / Upper bound' }),
      }),
    }),
  );
}

function dateRangeInput(kit: GraphqlKit) {
  return kit.once('DateRange', () =>
    kit.builder.inputType('DateRange', {
      description: '日期范围（含端点） / An inclusive range of dates',
      fields: (t: any) => ({
        from: t.field({ type: 'Date', description: '起始日期 / First day' }),
        to: t.field({ type: 'Date', description: '截止日期 / Last day' }),
      }),
    }),
  );
}

/** The shared filter inputs are in the schema whether a dataset uses them or not: clients may name them. */
export function declareFilterInputs(kit: GraphqlKit): void {
  rangeInput(kit, 'IntRange');
  rangeInput(kit, 'FloatRange');
  dateRangeInput(kit);
}

/** An inclusive range of numbers, whole (`IntRange`) or not (`FloatRange`). */
export function rangeFilter(whole: boolean): FilterShape<any> {
  return {
    name: 'range',
    input: (_field, _kind, kit) => rangeInput(kit, whole ? 'IntRange' : 'FloatRange'),
    conditions: (column, value, { name }) => rangeConditions(column, value as Range, name),
  };
}

/** An inclusive range of dates. */
export const dateRangeFilter: FilterShape<any> = {
  name: 'dateRange',
  input: (_field, _kind, kit) => dateRangeInput(kit),
  conditions: (column, value, { name }) => rangeConditions(column, value as Range, name),
};

/** Yes or no. */
export const booleanFilter: FilterShape<any> = {
  name: 'boolean',
  input: () => 'Boolean',
  conditions: (column, value) => [eq(column, value)],
};
