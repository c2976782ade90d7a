import { integer as integerColumn } from 'drizzle-orm/pg-core';
import { rangeFilter } from '../filters.js';
import type { FieldKind } from '../kind.js';
import { asNumber, checkBounds, plainAggregate } from '../numbers.js';

/** A whole number (a year, a count): PostgreSQL `integer`, 32 bits. */
export interface IntegerDecl {
  type: 'integer';
  min?: number;
  max?: number;
}

const INTEGER_MAX = 2_147_483_647;

export const integer: FieldKind<IntegerDecl> = {
  type: 'integer',
  column: (column) => integerColumn(column),
  sqlType: () => 'integer',
  index: 'filterable',
  graphqlType: () => 'Int',
  filter: rangeFilter(true),
  groupBy: 'value',
  measure: plainAggregate,
  validate(value, field) {
    const number = asNumber(value);
    if (number === undefined) return { reason: `must be a number, got ${JSON.stringify(value)}` };
    if (!Number.isInteger(number)) return { reason: `must be a whole number, got ${number}` };
    if (Math.abs(number) > INTEGER_MAX) return { reason: `is out of range, got ${number}` };
    return checkBounds(number, field);
  },
  toCsv: String,
};
