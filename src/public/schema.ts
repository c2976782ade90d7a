import {
  GraphQLEnumType,
  type GraphQLEnumValueConfigMap,
  type GraphQLFieldConfigArgumentMap,
  type GraphQLFieldConfigMap,
  type GraphQLInputFieldConfigMap,
  GraphQLInputObjectType,
  GraphQLList,
  type GraphQLNamedType,
  GraphQLNonNull,
  GraphQLObjectType,
  GraphQLSchema,
  type GraphQLType,
  isEnumType,
  isInputObjectType,
  isIntrospectionType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';
import type { Dataset } from '../catalog/define.js';
import { filterKind } from '../datasets/filters.js';
import { schema as hubSchema } from '../graphql/schema.js';
import { isPublicField, keyIsPublic, publicDatasets } from './catalog.js';

/**
 * The schema of /public/graphql: the hub's schema (src/graphql/schema.ts) cut down to what the catalogue
 * discloses, with the hub's own types, resolvers and input checks. Kept, per public dataset: its list with
 * filters and sort fields on PUBLIC fields only, its lookup when every key field is PUBLIC, its type with its
 * PUBLIC fields (no cross-link, no provenance). Nothing else: no aggregate, change feed, catalogue, grants,
 * audit, mutation. Deny by default: an object type reached that is not named below stops the build.
 */

type Keep = (name: string) => boolean;

/** Per type name, which of its fields (or enum values) stay; a type absent here keeps all of its own. */
function pruning() {
  const objects = new Map<string, Keep>();
  const inputs = new Map<string, Keep>();
  const enums = new Map<string, Keep>();
  const roots = new Set<string>();
  /** Per list, the arguments left with nothing in them (no PUBLIC sort field, nothing to filter on). */
  const emptyArguments = new Map<string, Set<string>>();
  for (const dataset of publicDatasets) {
    const type = dataset.names.type;
    const isPublic = (name: string) => isPublicField(dataset, name);
    roots.add(dataset.names.many);
    const empty = new Set<string>();
    const fields = Object.entries(dataset.fields).filter(([name]) => isPublic(name));
    if (!fields.some(([, field]) => field.sortable)) empty.add('orderBy');
    const extras = ['search', 'bbox', 'intersects'].some((name) => publicFilterExtra(dataset, name));
    if (!fields.some(([, field]) => filterKind(field)) && !extras) empty.add('filter');
    emptyArguments.set(dataset.names.many, empty);
    if (keyIsPublic(dataset)) roots.add(dataset.names.one);
    objects.set(type, isPublic);
    objects.set(`${type}Connection`, () => true);
    objects.set(`${type}Edge`, () => true);
    inputs.set(`${type}Filter`, (name) => isPublic(name) || publicFilterExtra(dataset, name));
    inputs.set(`${type}Order`, () => true);
    enums.set(`${type}OrderField`, (value) => isPublic(value));
  }
  objects.set('PageInfo', () => true);
  objects.set('Query', (name) => roots.has(name));
  return { objects, inputs, enums, emptyArguments };
}

/**
 * A filter's inputs that are not fields: text search (the store searches only the fields the caller reads
 * in clear), and the spatial ones when the geometry is PUBLIC. Not `updatedSince` (when records changed is
 * provenance, not a declared field) nor the cross-link filters.
 */
function publicFilterExtra(dataset: Dataset, name: string): boolean {
  if (name === 'search')
    return Object.entries(dataset.fields).some(([f, d]) => d.search && isPublicField(dataset, f));
  if (name === 'bbox' || name === 'intersects')
    return dataset.geometryField !== undefined && isPublicField(dataset, dataset.geometryField);
  return false;
}

/** The description of a public filter's `search`: the PUBLIC fields it searches, not the others. */
function searchDescription(dataset: Dataset): string {
  const searched = Object.entries(dataset.fields).filter(([f, d]) => d.search && isPublicField(dataset, f));
  return `模糊查询：${searched.map(([, d]) => d.zh).join('、')} / Text search in ${searched.map(([, d]) => d.en).join(', ')}`;
}

/** Arguments the public never passes: tombstones are not disclosed. */
const DROPPED_ARGUMENTS = new Set(['includeDeleted']);

export function buildPublicSchema(source: GraphQLSchema): GraphQLSchema {
  const { objects, inputs, enums, emptyArguments } = pruning();
  const filterOf = new Map(publicDatasets.map((dataset) => [`${dataset.names.type}Filter`, dataset]));
  const built = new Map<string, GraphQLNamedType>();

  const wrap = <T extends GraphQLType>(type: T): T => {
    if (isNonNullType(type)) return new GraphQLNonNull(wrap(type.ofType)) as unknown as T;
    if (isListType(type)) return new GraphQLList(wrap(type.ofType)) as unknown as T;
    return named(type as GraphQLNamedType) as T;
  };

  const args = (
    field: string,
    map: GraphQLFieldConfigArgumentMap | undefined,
  ): GraphQLFieldConfigArgumentMap =>
    Object.fromEntries(
      Object.entries(map ?? {})
        .filter(([name]) => !DROPPED_ARGUMENTS.has(name) && !emptyArguments.get(field)?.has(name))
        .map(([name, arg]) => [name, { ...arg, type: wrap(arg.type) }]),
    );

  function named(type: GraphQLNamedType): GraphQLNamedType {
    if (isIntrospectionType(type) || isScalarType(type)) return type;
    const done = built.get(type.name);
    if (done) return done;
    let made: GraphQLNamedType;
    if (isObjectType(type)) {
      const keep = objects.get(type.name);
      if (!keep) throw new Error(`public schema: ${type.name} is not a public type`);
      const config = type.toConfig();
      made = new GraphQLObjectType({
        ...config,
        interfaces: [],
        fields: (): GraphQLFieldConfigMap<unknown, unknown> =>
          Object.fromEntries(
            Object.entries(config.fields)
              .filter(([name]) => keep(name))
              .map(([name, field]) => [
                name,
                { ...field, type: wrap(field.type), args: args(name, field.args) },
              ]),
          ),
      });
    } else if (isInputObjectType(type)) {
      const keep = inputs.get(type.name) ?? (() => true);
      const dataset = filterOf.get(type.name);
      const config = type.toConfig();
      made = new GraphQLInputObjectType({
        ...config,
        fields: (): GraphQLInputFieldConfigMap =>
          Object.fromEntries(
            Object.entries(config.fields)
              .filter(([name]) => keep(name))
              .map(([name, field]) => [
                name,
                {
                  ...field,
                  type: wrap(field.type),
                  ...(dataset && name === 'search' ? { description: searchDescription(dataset) } : {}),
                },
              ]),
          ),
      });
    } else if (isEnumType(type)) {
      const keep = enums.get(type.name);
      if (!keep) return type;
      const config = type.toConfig();
      const values: GraphQLEnumValueConfigMap = Object.fromEntries(
        Object.entries(config.values).filter(([, value]) => keep(String(value.value))),
      );
      made = new GraphQLEnumType({ ...config, values });
    } else {
      throw new Error(`public schema: ${type.name} is an interface or union, which it does not expect`);
    }
    built.set(type.name, made);
    return made;
  }

  const query = source.getQueryType();
  if (!query) throw new Error('public schema: the hub has no Query type');
  return new GraphQLSchema({ query: named(query) as GraphQLObjectType, description: PUBLIC_DESCRIPTION });
}

const PUBLIC_DESCRIPTION =
  '净土数据共享枢纽公开查询：仅含向社会公开的字段，无需密钥 / Jingtu Hub public disclosure: PUBLIC fields only, no key needed';

/** The public schema, built once from the hub's. */
export const publicSchema = buildPublicSchema(hubSchema);

export function printedPublicSchema(): string {
  return `${printSchema(lexicographicSortSchema(publicSchema))}\n`;
}
