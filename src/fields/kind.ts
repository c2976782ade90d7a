import type {} from '@pothos/core';
import type { Column, SQL } from 'drizzle-orm';
import type { PgColumnBuilderBase } from 'drizzle-orm/pg-core';
import type { EnumDef } from './enums.js';

/**
 * A field kind: everything the hub derives from one type of declared field (`{ type: 'number', scale: 2 }`),
 * in one module: its column, its SQL type, its GraphQL type, its filter, its validator and its codecs. Each
 * layer asks the kind of a field (`kindOf(field)`, src/fields/registry.ts) instead of switching on its type.
 *
 * A kind names no module of the layers that use it: the GraphQL layer hands it a `GraphqlKit` (its schema
 * builder), so that loading the catalogue or a table loads no schema.
 */
export interface FieldKind<D extends { type: string }> {
  /** The `type` of the declarations of this kind. */
  readonly type: D['type'];

  // ---- storage
  /** The drizzle column of a field of this kind, named `column`. */
  column(column: string, field: D): PgColumnBuilderBase;
  /** Its SQL type, as the staging table of a publish declares it (the column's type). */
  sqlType(field: D): string;
  /** The index a field gets: on (value, id) when it is filterable, a GiST index always, or none. */
  readonly index: 'filterable' | 'spatial' | 'none';
  /** SQL comparing stored values for the merge's change detection, when the type has no equality. */
  comparable?(column: string): string;

  // ---- GraphQL
  /** The GraphQL output type of a field of this kind (also a lookup argument's and a group key's type). */
  graphqlType(field: D, kit: GraphqlKit): GraphqlType;
  /** The filter a field declared `filter: true` offers; a kind without one is never filtered on. */
  readonly filter?: FilterShape<D>;
  /** Why a value given for a field of this kind in a filter or a lookup names nothing, if it does not. */
  inputProblem?(value: string, codes: KnownCodes): string | undefined;
  /** A bounding box or a shape that a geometry field is filtered on (the dataset's `geometryField`). */
  readonly spatial?: {
    inBox(column: Column, box: string): SQL;
    intersects(column: Column, region: SQL, regionIsPolygon: boolean): SQL;
  };
  /** Read as free text: searched, bounded by the text input length, kept from spreadsheet formulas in CSV. */
  readonly freeText?: boolean;

  // ---- aggregates
  /** Rows may be grouped by the field's value, and for a date also by its year. */
  readonly groupBy?: 'value' | 'valueAndYear';
  /** The SQL of an aggregate (sum, avg, min, max) of a numeric field, read as a JSON number. */
  measure?(aggregate: Aggregate, column: Column, field: D): SQL;

  // ---- publishing (decode)
  /** A published value (from JSON, or a CSV cell's text) as stored, or why it cannot be. Never blank. */
  validate(value: unknown, field: D, codes: KnownCodes): Checked;
  /** A CSV cell as published, before validation (default: the cell's text). */
  fromCsv?(cell: string): unknown;
  /** A validated value as a field of COPY's CSV format (default: as it is). */
  toCopy?(value: unknown): unknown;

  // ---- reading and export (encode)
  /** The SQL reading the column in raw SQL (the export, the REST change feed); default the column itself. */
  sqlSelect?(column: string): string;
  /** A value as raw SQL returns it → the value the API answers (GraphQL, NDJSON, GeoJSON). Not null. */
  fromSql?(value: unknown): unknown;
  /** The API value (not null) as an exported CSV cell. */
  toCsv(value: unknown): string;
}

/** The aggregates a numeric field offers. */
export type Aggregate = 'sum' | 'avg' | 'min' | 'max';

/** A published value as stored, or the reason it is refused (`must be …, got …`). */
export type Checked = { value: unknown } | { reason: string };

/** The codes that exist, for kinds whose values name one (the districts of the reference data). */
export interface KnownCodes {
  districts: ReadonlyMap<string, unknown>;
}

/** What the GraphQL layer lends a kind to build its types: the schema builder and the declared enumerations. */
export interface GraphqlKit {
  // biome-ignore lint/suspicious/noExplicitAny: a kind builds types of any schema's builder
  builder: PothosSchemaTypes.SchemaBuilder<any>;
  /** The GraphQL enum of a declared enumeration, made once. */
  enumType(definition: EnumDef): unknown;
  /** A type of the schema made once by its name, by whichever field asks for it first. */
  once<T>(name: string, make: () => T): T;
}

/** A GraphQL type as Pothos takes it: a scalar's name, a type reference, or a list of one (`[type]`). */
export type GraphqlType = string | object | readonly [string | object];

/**
 * How a field of a kind is filtered: the input it takes in a dataset's filter, and the SQL conditions of a
 * value given, checked first (a bad value is BAD_USER_INPUT naming the field).
 */
export interface FilterShape<D extends { type: string }> {
  /** `list` (any of the values), `range` (min…max), `dateRange` (from…to) or `boolean`. */
  readonly name: string;
  input(field: D, kind: FieldKind<D>, kit: GraphqlKit): GraphqlType;
  conditions(column: Column, value: unknown, target: FilterTarget<D>): SQL[];
}

/** The field a filter value is for: its name (for messages), declaration and kind, and the known codes. */
export interface FilterTarget<D extends { type: string }> {
  name: string;
  field: D;
  kind: FieldKind<D>;
  codes: KnownCodes;
}
