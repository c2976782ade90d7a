import type { EnumDef } from '../enums.js';
import type { FieldKind } from '../kind.js';
import { storedAsText } from '../textCodes.js';

/** One value of a declared code list (`landCategory: 'CULTIVATED'`), stored as its code. */
export interface EnumerationDecl {
  type: 'enum';
  enum: EnumDef;
}

export const enumeration: FieldKind<EnumerationDecl> = {
  ...storedAsText,
  type: 'enum',
  graphqlType: (field, kit) => kit.enumType(field.enum) as object,
  validate(value, field) {
    if (typeof value === 'string' && Object.hasOwn(field.enum.values, value)) return { value };
    return {
      reason: `unknown value ${JSON.stringify(value)}; expected one of ${Object.keys(field.enum.values).join(', ')}`,
    };
  },
};
