import { doublePrecision } from 'drizzle-orm/pg-core';
import { rangeFilter } from '../filters.js';
import type { FieldKind } from '../kind.js';
import { asNumber, checkBounds, plainAggregate } from '../numbers.js';

/** A quantity: an amount, an area, a concentration. */
export interface NumberDecl {
  type: 'number';
  min?: number;
  max?: number;
}

export const number: FieldKind<NumberDecl> = {
  type: 'number',
  column: (column) => doublePrecision(column),
  sqlType: () => 'double precision',
  index: 'filterable',
  graphqlType: () => 'Float',
  filter: rangeFilter(false),
  measure: plainAggregate,
  validate(value, field) {
    const number = asNumber(value);
    if (number === undefined) return { reason: `must be a number, got ${JSON.stringify(value)}` };
    return checkBounds(number, field);
  },
  toCsv: String,
};
