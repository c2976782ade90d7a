import type { EnumRef } from '@pothos/core';
import type { EnumDef } from '../catalog/types.js';
import { builder } from './builder.js';
import { bilingual } from './describe.js';

const refs = new Map<EnumDef, EnumRef<any, string, string>>();

/** The GraphQL enum of a declared enumeration, created once however many datasets share it. */
export function enumType(definition: EnumDef): EnumRef<any, string, string> {
  let ref = refs.get(definition);
  if (!ref) {
    ref = builder.enumType(definition.name, {
      description: bilingual(definition.zh, definition.en),
      values: Object.fromEntries(
        Object.entries(definition.values).map(([code, value]) => [
          code,
          { value: code, description: bilingual(value.zh, value.en) },
        ]),
      ),
    }) as EnumRef<any, string, string>;
    refs.set(definition, ref);
  }
  return ref;
}
