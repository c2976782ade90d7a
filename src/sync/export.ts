import { stringify } from 'csv-stringify/sync';
import { PgDialect } from 'drizzle-orm/pg-core';
import type postgres from 'postgres';
import type { EffectiveAccess, FieldMode } from '../access/effectiveAccess.js';
import { maskValue } from '../access/masking.js';
import type { Dataset } from '../catalog/define.js';
import type { FieldDef } from '../catalog/types.js';
import { cursorSeal } from '../datasets/cursorSeal.js';
import { columnName } from '../db/datasetTable.js';
import { badInput } from '../errors.js';
import { kindOf } from '../fields/registry.js';
import { changeCursor, changePosition } from './changes.js';
import { csvCell } from './csvCells.js';

/**
 * Streaming reads of a dataset for the bulk HTTP API: the whole dataset (NDJSON, CSV, GeoJSON) and its
 * change feed (NDJSON). Rows are read 1000 at a time and leave as text chunks, so memory stays flat
 * whatever the dataset's size. Permissions are those of GraphQL: the caller's row scope is in the SQL
 * (`access.rowScope`), and every field of every row is shown as `access.fieldOfRow` decides: DENIED
 * fields are left out, MASKED ones pass through `maskValue`.
 *
 * Pages, not a server-side cursor: each page is one short keyset query (`id > last` / `change_seq >
 * last`, by the primary key or the change-sequence index) through the raw postgres.js client, and nothing
 * is held between pages while the client takes its time to read. A postgres.js cursor would hold a pool
 * connection for as long as the slowest client reads; on the embedded database, whose hub has exactly
 * one connection, one stalled download froze every other request (/readyz timed out) until the client
 * went away. The cost is that an export is not one snapshot: a record changed while the export runs is
 * sent once, as it was when its page was read; one inserted meanwhile may be included at the end. The
 * change feed loses nothing by it: change_seq values become visible in order (the publish lock), so
 * `change_seq > last` never skips one.
 */

export type ExportFormat = 'ndjson' | 'csv' | 'geojson';

export const EXPORT_FORMATS: Readonly<Record<ExportFormat, { contentType: string; extension: string }>> = {
  ndjson: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  geojson: { contentType: 'application/geo+json; charset=utf-8', extension: 'geojson' },
};

export const DEFAULT_CHANGES_LIMIT = 10_000;
export const MAX_CHANGES_LIMIT = 100_000;

/** Rows per page query, and so per chunk written. */
const PAGE_ROWS = 1000;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

type Row = Record<string, unknown>;

/** A bigint read as text, checked before it goes back into SQL as a literal. */
function digits(value: unknown): string {
  if (typeof value !== 'string' || !/^\d{1,19}$/.test(value)) throw new Error(`not a row position: ${value}`);
  return value;
}

interface Column {
  name: string;
  field: FieldDef;
  /** The caller's access to the field whatever the row (a publisher may read its own rows better). */
  base: FieldMode;
}

/** The SELECT list of a dataset: every declared field in a form JSON takes as it is, and provenance. */
function selectList(dataset: Dataset): string {
  const fields = Object.entries(dataset.fields).map(([name, field]) => {
    const column = quote(columnName(name));
    return `${kindOf(field).sqlSelect?.(column) ?? column} as ${quote(name)}`;
  });
  return [
    ...fields,
    'publisher',
    'source_record_id as "sourceRecordId"',
    'version',
    `to_char(last_changed_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "lastChangedAt"`,
    'change_seq::text as "changeSeq"',
    'deleted',
    // Not aliased "id": ORDER BY id would then sort by this text.
    'id::text as "_rowId"',
  ].join(', ');
}

const dialect = new PgDialect();

/** How one caller reads one dataset's rows: the query pieces and the per-row shaping. */
class RecordReader {
  readonly columns: Column[];

  constructor(
    readonly dataset: Dataset,
    readonly access: EffectiveAccess,
  ) {
    this.columns = Object.entries(dataset.fields).map(([name, field]) => ({
      name,
      field,
      base: access.field(dataset, name).mode,
    }));
  }

  /** A SELECT of the dataset's rows that the caller may see, with the caller's row scope. */
  query(condition: string, tail: string): { text: string; params: unknown[] } {
    const scope = this.access.rowScope(this.dataset);
    const scoped = scope ? dialect.sqlToQuery(scope) : undefined;
    const where = scoped ? `(${condition}) and (${scoped.sql})` : condition;
    return {
      text: `select ${selectList(this.dataset)} from ${quote(this.dataset.table)} where ${where} ${tail}`,
      params: scoped?.params ?? [],
    };
  }

  /** How the caller reads a field of a row; only fields not clear for every row ask per row. */
  mode(row: Row, column: Column): FieldMode {
    if (column.base === 'CLEAR') return 'CLEAR';
    const mode = this.access.fieldOfRow(this.dataset, column.name, row);
    // Deny by default: a field to mask without a masking rule is not shown.
    return mode === 'MASKED' && !column.field.mask ? 'DENIED' : mode;
  }

  /** A field's value as the caller reads it (geometry as GeoJSON), or undefined when denied. */
  value(row: Row, column: Column): unknown {
    const mode = this.mode(row, column);
    if (mode === 'DENIED') return undefined;
    const raw = row[column.name];
    if (raw == null) return null;
    const value = kindOf(column.field).fromSql?.(raw) ?? raw;
    return mode === 'MASKED' && column.field.mask ? maskValue(column.field.mask, value) : value;
  }

  /** The readable fields of a row, in declaration order; denied fields are absent, empty ones null. */
  fields(row: Row, skip?: string): Row {
    const record: Row = {};
    for (const column of this.columns) {
      if (column.name === skip) continue;
      const value = this.value(row, column);
      if (value !== undefined) record[column.name] = value;
    }
    return record;
  }

  /** A record as NDJSON carries it: its readable fields and its provenance. */
  record(row: Row): Row {
    const record = this.fields(row);
    record.provenance = {
      publisher: row.publisher,
      sourceRecordId: row.sourceRecordId,
      version: row.version,
      lastChangedAt: row.lastChangedAt,
    };
    return record;
  }
}

/**
 * A CSV cell: empty for null, GeoJSON or JSON text for geometry and lists, true/false, numbers as text,
 * free text never as a spreadsheet formula (src/sync/csvCells.ts).
 */
function cell(value: unknown, field: FieldDef): string {
  return value == null ? '' : kindOf(field).toCsv(value);
}

export interface ExportOptions {
  /** CSV: start with a UTF-8 byte-order mark, which Excel needs to read Chinese text. */
  bom?: boolean;
  /** Told how many rows each page streams (the audit record counts them). */
  onRows?: (count: number) => void;
}

/**
 * The live records of a dataset (not tombstones), in record order, as text chunks:
 *
 * - `ndjson`: one JSON object per line: the readable fields in declaration order (denied fields absent,
 *   empty fields null, geometry as GeoJSON, dates YYYY-MM-DD), and `provenance` { publisher,
 *   sourceRecordId, version, lastChangedAt }.
 * - `csv`: a header of field names, then one row per record. A column the caller cannot read on any row
 *   (`access.field(…).mode === 'DENIED'`) is left out, even where the caller would read its own rows in
 *   clear; a cell it may not read is empty. Geometry cells hold GeoJSON text, lists a JSON array. A last
 *   `sourceRecordId` column makes the file publishable again as it is. A free-text cell that a
 *   spreadsheet would run as a formula starts with `'` (src/sync/csvCells.ts).
 * - `geojson`: a FeatureCollection, feature by feature: geometry from the dataset's geometry field (null
 *   when the caller may not read it), the other readable fields as properties.
 */
export async function* exportDataset(
  sql: postgres.Sql,
  dataset: Dataset,
  access: EffectiveAccess,
  format: ExportFormat,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  const geometryField = dataset.geometryField;
  if (format === 'geojson' && !geometryField) {
    throw badInput(`${dataset.name} has no geometry field: export it as ndjson or csv`);
  }
  const reader = new RecordReader(dataset, access);
  const csvColumns = reader.columns.filter((column) => column.base !== 'DENIED');
  const geometry = reader.columns.find((column) => column.name === geometryField) as Column;

  let prefix = '';
  if (format === 'csv') {
    prefix =
      (options.bom ? '\ufeff' : '') + stringify([[...csvColumns.map((c) => c.name), 'sourceRecordId']]);
  } else if (format === 'geojson') {
    prefix = '{"type":"FeatureCollection","features":[\n';
  }
  let first = true;
  let last = '0';
  for (let more = true; more; ) {
    const { text, params } = reader.query(`not deleted and id > ${last}`, `order by id limit ${PAGE_ROWS}`);
    const rows = await sql.unsafe(text, params as never[]);
    options.onRows?.(rows.length);
    more = rows.length === PAGE_ROWS;
    if (rows.length) last = digits(rows[rows.length - 1]._rowId);
    let chunk = prefix;
    prefix = '';
    if (format === 'ndjson') {
      for (const row of rows) chunk += `${JSON.stringify(reader.record(row))}\n`;
    } else if (format === 'csv') {
      chunk += stringify(
        rows.map((row) => [
          ...csvColumns.map((column) => cell(reader.value(row, column), column.field)),
          csvCell(row.sourceRecordId as string),
        ]),
      );
    } else {
      for (const row of rows) {
        const feature = {
          type: 'Feature',
          geometry: reader.value(row, geometry) ?? null,
          properties: reader.fields(row, geometryField),
        };
        chunk += `${first ? '' : ',\n'}${JSON.stringify(feature)}`;
        first = false;
      }
    }
    if (chunk) yield chunk;
  }
  if (format === 'geojson') yield `${prefix}${first ? '' : '\n'}]}\n`;
  else if (prefix) yield prefix;
}

/**
 * The change feed as NDJSON, for `GET /datasets/:name/changes?after=CURSOR&limit=N`: every insert,
 * update and tombstone after the cursor, in change order (`change_seq`), each record once at its latest
 * state, with the caller's row scope and field permissions as in the export. One line per change:
 *
 *   {"cursor":"…","operation":"UPSERT"|"DELETE","record":{…fields…,"provenance":{…}}}
 *
 * and always a last line: {"endCursor":"…","hasMore":true|false}. Continue with `after=endCursor`
 * (the cursor of the last change sent, or the one given when there was none) while `hasMore` is true. A
 * response without that last line was cut short: resume from the last `cursor` read. Cursors are sealed
 * (src/sync/changes.ts): opaque, of this dataset only.
 */
export async function* changeStream(
  sql: postgres.Sql,
  dataset: Dataset,
  access: EffectiveAccess,
  after: string | undefined,
  limit: number,
  onRows?: (count: number) => void,
): AsyncGenerator<string> {
  const seal = await cursorSeal(sql);
  // A bigint, so it goes into the SQL as a literal, exactly.
  let position = String(changePosition(seal, dataset, after));
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CHANGES_LIMIT) {
    throw badInput(`limit must be a whole number from 1 to ${MAX_CHANGES_LIMIT}`);
  }
  const reader = new RecordReader(dataset, access);
  // Moves only with a change sent: a page of changes the caller may not read ends where it began.
  let endCursor = after || '0';
  let remaining = limit;
  let hasMore = false;
  for (;;) {
    // One row more than is left to send tells whether there is more.
    const size = Math.min(PAGE_ROWS, remaining + 1);
    const { text, params } = reader.query(`change_seq > ${position}`, `order by change_seq limit ${size}`);
    const rows = await sql.unsafe(text, params as never[]);
    let chunk = '';
    let sent = 0;
    for (const row of rows) {
      if (remaining === 0) {
        hasMore = true;
        break;
      }
      remaining--;
      sent++;
      position = digits(row.changeSeq);
      endCursor = changeCursor(seal, dataset, position);
      chunk += `${JSON.stringify({
        cursor: endCursor,
        operation: row.deleted ? 'DELETE' : 'UPSERT',
        record: reader.record(row),
      })}\n`;
    }
    // The audit counts the rows sent, not the one read to tell whether more follow.
    onRows?.(sent);
    if (chunk) yield chunk;
    if (hasMore || rows.length < size) break;
  }
  yield `${JSON.stringify({ endCursor, hasMore })}\n`;
}
