import { text } from 'drizzle-orm/pg-core';
import { listFilter } from '../filters.js';
import type { FieldKind } from '../kind.js';

/** A district by its GB/T 2260 code (`110105`): one of the reference data's districts. */
export interface DistrictDecl {
  type: 'district';
}

export const district: FieldKind<DistrictDecl> = {
  type: 'district',
  column: (column) => text(column),
  sqlType: () => 'text',
  index: 'filterable',
  graphqlType: () => 'String',
  filter: listFilter,
  inputProblem: (value, codes) =>
    codes.districts.has(value)
      ? undefined
      : `unknown district code ${JSON.stringify(value)}: use a GB/T 2260 code such as 110105`,
  groupBy: 'value',
  validate(value, _field, codes) {
    const code = String(value);
    return codes.districts.has(code)
      ? { value: code }
      : { reason: `unknown district code ${JSON.stringify(code)} (GB/T 2260, e.g. 110105)` };
  },
  toCsv: String,
};
