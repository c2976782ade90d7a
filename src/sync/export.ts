import { stringify } from 'csv-stringify/sync';
import type { Dataset } from '../catalog/define.js';
import type { DatasetRow } from '../datasets/store.js';
import { badInput } from '../errors.js';
import { kindOf } from '../fields/registry.js';
import type { Records } from '../records/records.js';
import type { RecordView } from '../records/view.js';
import { csvCell } from './csvCells.js';

/**
 * The bulk HTTP API's formats: a whole dataset as NDJSON, CSV or GeoJSON, and its change feed as NDJSON.
 * Rows come a page at a time from the records service (src/records/pages.ts), which applies the caller's
 * row scope and counts them for the audit; every value is shown as the caller's record view decides
 * (denied fields left out, masked ones masked), as in GraphQL. Pages leave as text chunks, so memory stays
 * flat whatever the dataset's size. An export is not one snapshot: a record changed while it runs is sent
 * as it was when its page was read. The change feed loses nothing: change_seq values become visible in
 * order (the publish lock), so `change_seq > last` never skips one.
 */

export type ExportFormat = 'ndjson' | 'json' | 'csv' | 'geojson';

export const EXPORT_FORMATS: Readonly<Record<ExportFormat, { contentType: string; extension: string }>> = {
  ndjson: { contentType: 'application/x-ndjson; charset=utf-8', extension: 'ndjson' },
  json: { contentType: 'application/json; charset=utf-8', extension: 'json' },
  csv: { contentType: 'text/csv; charset=utf-8', extension: 'csv' },
  geojson: { contentType: 'application/geo+json; charset=utf-8', extension: 'geojson' },
};

export const DEFAULT_CHANGES_LIMIT = 10_000;
export const MAX_CHANGES_LIMIT = 100_000;

/** A record as NDJSON carries it: its readable fields and (unless left out) its provenance. */
function ndjsonRecord(view: RecordView, row: DatasetRow, provenance = true): Record<string, unknown> {
  const record = view.values(row);
  if (!provenance) return record;
  record.provenance = {
    publisher: row.publisher,
    sourceRecordId: row.sourceRecordId,
    version: row.version,
    lastChangedAt: row.lastChangedAt,
  };
  return record;
}

/** A CSV cell: empty for null, else as the field's kind writes it (free text never as a formula). */
function cell(view: RecordView, row: DatasetRow, name: string): string {
  const value = view.value(row, name);
  return value == null ? '' : kindOf(view.dataset.fields[name]).toCsv(value);
}

/**
 * The most characters an export's chunk holds (a longer record leaves alone in its chunk). V8 keeps a
 * string of 128 KiB or more (64 Ki characters of Chinese text, two bytes each) in its large-object space,
 * which a scavenge does not copy but promotes whole as soon as it is alive: chunks of a page each (~370 Ki
 * characters for 1000 irrigation wells) went to the old generation, ~0.8 MB a scavenge, measured, and
 * waited there for the next mark-compact. Chunks of this size die young; 16 Ki characters is about a
 * socket write (16 KiB, a stream's default high-water mark).
 */
const CHUNK_CHARS = 16 * 1024;

/**
 * Lets go of a page's records once they are text, so that an export's memory stays flat. The page is the
 * array postgres.js resolved its query with, and V8's young-generation collector still finds it reachable
 * after the page has been read (through postgres.js's Query, a Promise subclass whose resolve and reject
 * are closures made per query; only a full mark-compact finds it dead). So every page survived two
 * scavenges and was promoted to the old generation, ~1 MB a page, and the heap and RSS climbed until
 * V8's next old-generation limit: +150 MiB at 300k rows, measured (`--trace-gc-nvp`: everything that
 * survived a scavenge promoted at the next). Emptied, the page holds no records, and they die young. Its
 * length stays: the records service reads it after the page to know whether another follows
 * (src/records/records.ts).
 */
function releasePage(rows: DatasetRow[]): void {
  (rows as unknown[]).fill(undefined);
}

export interface ExportOptions {
  /** CSV: start with a UTF-8 byte-order mark, which Excel needs to read Chinese text. */
  bom?: boolean;
  /**
   * Whether records carry their provenance (NDJSON, JSON) and CSV its `sourceRecordId` column; true unless
   * false. The public downloads (src/public/downloads.ts) leave it out: it is no declared field.
   */
  provenance?: boolean;
}

/**
 * The live records of a dataset (not tombstones), in record order, as text chunks:
 *
 * - `ndjson`: one JSON object per line: the readable fields in declaration order (denied fields absent,
 *   empty fields null, geometry as GeoJSON, dates YYYY-MM-DD), and `provenance` { publisher,
 *   sourceRecordId, version, lastChangedAt }.
 * - `json`: the same records as one JSON array, one record per line.
 * - `csv`: a header of field names, then one row per record. A column the caller cannot read on any row
 *   (`access.field(…).mode === 'DENIED'`) is left out, even where the caller would read its own rows in
 *   clear; a cell it may not read is empty. Geometry cells hold GeoJSON text, lists a JSON array. A last
 *   `sourceRecordId` column makes the file publishable again as it is. A free-text cell that a
 *   spreadsheet would run as a formula starts with `'` (src/sync/csvCells.ts).
 * - `geojson`: a FeatureCollection, feature by feature: geometry from the dataset's geometry field (null
 *   when the caller may not read it), the other readable fields as properties.
 */
export async function* exportDataset(
  records: Records,
  dataset: Dataset,
  format: ExportFormat,
  options: ExportOptions = {},
): AsyncGenerator<string> {
  const geometryField = dataset.geometryField;
  if (format === 'geojson' && !geometryField) {
    throw badInput(`${dataset.name} has no geometry field: export it as ndjson or csv`);
  }
  const view = records.view(dataset);
  const csvColumns = view.readable.map((column) => column.name);
  const provenance = options.provenance !== false;

  let prefix = '';
  if (format === 'csv') {
    const header = provenance ? [...csvColumns, 'sourceRecordId'] : csvColumns;
    prefix = (options.bom ? '\ufeff' : '') + stringify([header]);
  } else if (format === 'geojson') {
    prefix = '{"type":"FeatureCollection","features":[\n';
  } else if (format === 'json') {
    prefix = '[';
  }
  let first = true;
  for await (const rows of records.exportPages(dataset)) {
    // The whole page becomes text first (an error in it still comes before any of it is sent), in chunks
    // of CHUNK_CHARS; then its records are let go, and the chunks leave one by one.
    const chunks: string[] = [];
    let chunk = prefix;
    prefix = '';
    const add = (text: string) => {
      chunk += text;
      if (chunk.length >= CHUNK_CHARS) {
        chunks.push(chunk);
        chunk = '';
      }
    };
    if (format === 'ndjson') {
      for (const row of rows) add(`${JSON.stringify(ndjsonRecord(view, row, provenance))}\n`);
    } else if (format === 'json') {
      for (const row of rows) {
        add(`${first ? '\n' : ',\n'}${JSON.stringify(ndjsonRecord(view, row, provenance))}`);
        first = false;
      }
    } else if (format === 'csv') {
      for (const row of rows) {
        const cells = csvColumns.map((name) => cell(view, row, name));
        add(stringify([provenance ? [...cells, csvCell(row.sourceRecordId as string)] : cells]));
      }
    } else {
      for (const row of rows) {
        const feature = {
          type: 'Feature',
          geometry: view.value(row, geometryField as string) ?? null,
          properties: view.values(row, geometryField),
        };
        add(`${first ? '' : ',\n'}${JSON.stringify(feature)}`);
        first = false;
      }
    }
    if (chunk) chunks.push(chunk);
    releasePage(rows);
    for (let i = 0; i < chunks.length; i++) {
      const text = chunks[i];
      chunks[i] = ''; // not kept while the rest of the page is sent
      yield text;
    }
  }
  if (format === 'geojson') yield `${prefix}${first ? '' : '\n'}]}\n`;
  else if (format === 'json') yield `${prefix}${first ? '' : '\n'}]\n`;
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
  records: Records,
  dataset: Dataset,
  after: string | undefined,
  limit: number,
): AsyncGenerator<string> {
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_CHANGES_LIMIT) {
    throw badInput(`limit must be a whole number from 1 to ${MAX_CHANGES_LIMIT}`);
  }
  const view = records.view(dataset);
  let endCursor = after || '0';
  let hasMore = false;
  for await (const page of records.changePages(dataset, after, limit)) {
    let chunk = '';
    for (const row of page.rows) {
      endCursor = page.cursorOf(row);
      chunk += `${JSON.stringify({
        cursor: endCursor,
        operation: row.deleted ? 'DELETE' : 'UPSERT',
        record: ndjsonRecord(view, row),
      })}\n`;
    }
    hasMore = page.hasMore;
    if (chunk) yield chunk;
  }
  yield `${JSON.stringify({ endCursor, hasMore })}\n`;
}
