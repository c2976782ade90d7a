import {
  defaultFieldResolver,
  type GraphQLFieldResolver,
  type GraphQLInputObjectType,
  type GraphQLInputType,
  type GraphQLSchema,
  getNullableType,
  isInputObjectType,
  isIntrospectionType,
  isListType,
  isObjectType,
} from 'graphql';
import type { FieldDef } from '../catalog/types.js';
import { badInput } from '../errors.js';
import { kindOf } from '../fields/registry.js';

/**
 * The longest text each kind of input may carry, in characters (UTF-16 code units, as `String.length`
 * counts them): declared here once, in the schema as `extensions.maxLength` on each String or ID argument
 * and input field, and checked before the field's resolver runs (`enforceInputLengths`). A longer value is
 * BAD_USER_INPUT naming the argument, the limit and the length found; it is never stored nor echoed.
 */
export const INPUT_LENGTHS = {
  /** What a person writes: a purpose (用途), a reason (理由). */
  prose: 2000,
  /** A search phrase, or a value of a text field without a declared length. */
  text: 200,
  /** A name or a code: a dataset, a field, a principal, an event, a district, a credit code. */
  name: 100,
  /** An id the hub handed out (a grant's is a 36-character UUID). */
  id: 64,
} as const;

export type InputLength = keyof typeof INPUT_LENGTHS;

/** Options that declare an argument's or input field's longest text: `t.arg.string({ …, ...maxLength('prose') })`. */
export function maxLength(kind: InputLength) {
  return { extensions: { maxLength: INPUT_LENGTHS[kind] } };
}

/** The same for a value of a declared dataset field: its declared `maxLength`, or the default of its kind. */
export function maxLengthOf(field: FieldDef) {
  if ('maxLength' in field && field.maxLength) return { extensions: { maxLength: field.maxLength } };
  return maxLength(kindOf(field).freeText ? 'text' : 'name');
}

type Check = (value: unknown, path: string) => void;

function tooLong(path: string, limit: number, found: number) {
  return badInput(
    `输入过长：${path} 最多 ${limit} 个字符（收到 ${found} 个） / ${path} is too long: at most ${limit} characters (got ${found})`,
    { argument: path, limit, found },
  );
}

function inputCheck(
  type: GraphQLInputType,
  limit: unknown,
  objects: Map<GraphQLInputObjectType, Check | undefined>,
): Check | undefined {
  const nullable = getNullableType(type);
  if (isListType(nullable)) {
    const item = inputCheck(nullable.ofType, limit, objects);
    if (!item) return undefined;
    return (value, path) => {
      if (!Array.isArray(value)) return;
      for (const [index, entry] of value.entries()) item(entry, `${path}.${index}`);
    };
  }
  if (isInputObjectType(nullable)) return objectCheck(nullable, objects);
  if (typeof limit !== 'number') return undefined;
  return (value, path) => {
    if (typeof value === 'string' && value.length > limit) throw tooLong(path, limit, value.length);
  };
}

function objectCheck(
  type: GraphQLInputObjectType,
  objects: Map<GraphQLInputObjectType, Check | undefined>,
): Check | undefined {
  // A type that contains itself is checked through this lazy lookup once its own check is known.
  if (objects.has(type)) return (value, path) => objects.get(type)?.(value, path);
  objects.set(type, undefined);
  const fields: [string, Check][] = [];
  for (const field of Object.values(type.getFields())) {
    const check = inputCheck(field.type, field.extensions.maxLength, objects);
    if (check) fields.push([field.name, check]);
  }
  const check: Check | undefined = fields.length
    ? (value, path) => {
        if (value === null || typeof value !== 'object') return;
        for (const [name, fieldCheck] of fields) {
          const inner = (value as Record<string, unknown>)[name];
          if (inner != null) fieldCheck(inner, `${path}.${name}`);
        }
      }
    : undefined;
  objects.set(type, check);
  return check;
}

/**
 * Wraps the resolver of every field whose arguments declare a longest text (at any depth of input objects
 * and lists) so that the coerced arguments are checked first. Fields without one keep their resolver.
 */
export function enforceInputLengths(schema: GraphQLSchema): GraphQLSchema {
  const objects = new Map<GraphQLInputObjectType, Check | undefined>();
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    for (const field of Object.values(type.getFields())) {
      const checks: [string, Check][] = [];
      for (const arg of field.args) {
        const check = inputCheck(arg.type, arg.extensions.maxLength, objects);
        if (check) checks.push([arg.name, check]);
      }
      if (!checks.length) continue;
      const resolve: GraphQLFieldResolver<unknown, unknown> = field.resolve ?? defaultFieldResolver;
      field.resolve = (parent, args, context, info) => {
        for (const [name, check] of checks) if (args[name] != null) check(args[name], name);
        return resolve(parent, args, context, info);
      };
    }
  }
  return schema;
}
