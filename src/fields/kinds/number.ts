import { sql } from 'drizzle-orm';
import { numeric } from 'drizzle-orm/pg-core';
import { rangeFilter } from '../filters.js';
import type { FieldKind } from '../kind.js';
import { asNumber, checkBounds, checkScale, QUANTITY_DIGITS } from '../numbers.js';

/**
 * A quantity (an amount in kg, an area in mu, a concentration in mg/kg) at a declared precision: stored as
 * `numeric(15, scale)`, so that sums are exact (no 29408773.47999999), and answered as JSON numbers.
 */
export interface NumberDecl {
  type: 'number';
  /** Decimal places kept, fitting the unit (kg 2, mg/kg 3); a published value with more is refused. */
  scale: number;
  min?: number;
  max?: number;
}

/** numeric as a raw SQL driver reads it (text, exactly) → a JSON number. */
const toNumber = (value: unknown) => (typeof value === 'number' ? value : Number(value));

export const number: FieldKind<NumberDecl> = {
  type: 'number',
  column: (column, field) =>
    numeric(column, { precision: QUANTITY_DIGITS, scale: field.scale, mode: 'number' }),
  sqlType: (field) => `numeric(${QUANTITY_DIGITS}, ${field.scale})`,
  index: 'filterable',
  graphqlType: () => 'Float',
  filter: rangeFilter(false),
  // Exact in numeric; an average is rounded at the field's scale, as its values are.
  measure: (aggregate, column, field) =>
    aggregate === 'avg'
      ? sql`round(avg(${column}), ${sql.raw(String(field.scale))})`
      : sql`${sql.raw(aggregate)}(${column})`,
  validate(value, field) {
    const number = asNumber(value);
    if (number === undefined) return { reason: `must be a number, got ${JSON.stringify(value)}` };
    const bounded = checkBounds(number, field);
    return 'reason' in bounded ? bounded : checkScale(number, field.scale);
  },
  fromSql: toNumber,
  toCsv: String,
};
