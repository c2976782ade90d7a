import type { FieldKind } from '../kind.js';
import { storedAsText } from '../textCodes.js';

/** A district by its GB/T 2260 code (`110105`): one of the reference data's districts. */
export interface DistrictDecl {
  type: 'district';
}

export const district: FieldKind<DistrictDecl> = {
  ...storedAsText,
  type: 'district',
  graphqlType: () => 'String',
  inputProblem: (value, codes) =>
    codes.districts.has(value)
      ? undefined
      : `unknown district code ${JSON.stringify(value)}: use a GB/T 2260 code such as 110105`,
  validate(value, _field, codes) {
    const code = String(value);
    return codes.districts.has(code)
      ? { value: code }
      : { reason: `unknown district code ${JSON.stringify(code)} (GB/T 2260, e.g. 110105)` };
  },
};
