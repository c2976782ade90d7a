import type { FieldDef } from '../catalog/types.js';
import { declareFilterInputs } from '../fields/filters.js';
import type { GraphqlKit } from '../fields/kind.js';
import { kindOf } from '../fields/registry.js';
import { builder } from './builder.js';
import { enumType } from './enums.js';

/** The GraphQL types of declared fields, as their kinds (src/fields) build them with this schema's builder. */

const made = new Map<string, unknown>();

const kit: GraphqlKit = {
  builder,
  enumType,
  once<T>(name: string, make: () => T): T {
    if (!made.has(name)) made.set(name, make());
    return made.get(name) as T;
  },
};

declareFilterInputs(kit);

/** The GraphQL output type of a declared field (also its lookup argument's and group key's type). */
export function outputType(field: FieldDef) {
  return kindOf(field).graphqlType(field, kit);
}

/** The input a field declared `filter: true` takes in its dataset's filter. */
export function filterInputType(field: FieldDef) {
  const kind = kindOf(field);
  if (!kind.filter) throw new Error(`a ${field.type} field cannot be filtered on`);
  return kind.filter.input(field, kind, kit);
}
