import { boolean as booleanColumn } from 'drizzle-orm/pg-core';
import { booleanFilter } from '../filters.js';
import type { FieldKind } from '../kind.js';

/** Yes or no; published as true/false, 1/0, yes/no or 是/否. */
export interface BooleanDecl {
  type: 'boolean';
}

export const boolean: FieldKind<BooleanDecl> = {
  type: 'boolean',
  column: (column) => booleanColumn(column),
  sqlType: () => 'boolean',
  index: 'filterable',
  graphqlType: () => 'Boolean',
  filter: booleanFilter,
  groupBy: 'value',
  validate(value) {
    if (typeof value === 'boolean') return { value };
    const text = String(value).trim().toLowerCase();
    if (['true', '1', 'yes', '是'].includes(text)) return { value: true };
    if (['false', '0', 'no', '否'].includes(text)) return { value: false };
    return { reason: `must be true or false, got ${JSON.stringify(value)}` };
  },
  toCsv: String,
};
