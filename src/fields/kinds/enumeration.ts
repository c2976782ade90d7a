import { text } from 'drizzle-orm/pg-core';
import type { EnumDef } from '../enums.js';
import { listFilter } from '../filters.js';
import type { FieldKind } from '../kind.js';

/** One value of a declared code list (`landCategory: 'CULTIVATED'`), stored as its code. */
export interface EnumerationDecl {
  type: 'enum';
  enum: EnumDef;
}

export const enumeration: FieldKind<EnumerationDecl> = {
  type: 'enum',
  column: (column) => text(column),
  sqlType: () => 'text',
  index: 'filterable',
  graphqlType: (field, kit) => kit.enumType(field.enum) as object,
  filter: listFilter,
  groupBy: 'value',
  validate(value, field) {
    if (typeof value === 'string' && Object.hasOwn(field.enum.values, value)) return { value };
    return {
      reason: `unknown value ${JSON.stringify(value)}; expected one of ${Object.keys(field.enum.values).join(', ')}`,
    };
  },
  toCsv: String,
};
