import { pipeline, Readable } from 'node:stream';
import { CsvError, parse as csvParse } from 'csv-parse';
import { type Dataset, fieldOf } from '../catalog/define.js';
import { badInput } from '../errors.js';
import { kindOf } from '../fields/registry.js';
import { cellText } from './csvCells.js';
import type { IncomingRecord } from './ingest.js';

/**
 * Streaming parsers for published batches: NDJSON and CSV bodies become an async iterable of
 * `{ line, raw }` records for `publishBatch`, read as the body arrives (never buffered whole).
 *
 * Whatever the source iterable throws (a client that disconnects half-way, a body that is not valid in
 * its charset) is thrown on to the consumer, so the publishing transaction rolls back: a half-sent batch
 * applies nothing.
 */

/** The longest line (NDJSON) or record (CSV) accepted, in characters. */
export const MAX_RECORD_CHARS = 16 * 1024 * 1024;

/** A parsed batch body: its records, in line order. */
export interface ParsedBatch {
  records: AsyncIterable<IncomingRecord>;
}

/**
 * A line the parser could not read, handed on with the parser's reason ("invalid JSON: …", "invalid CSV
 * row: …"), which `publishBatch` reports as the line's rejection (and keeps with the batch's result, so a
 * replay answers the same).
 */
const unreadable = (line: number, problem: string): IncomingRecord => ({ line, raw: null, problem });

/** Whether a charset label is one the body can be decoded from (utf-8, gb18030, gbk, …). */
export function supportedCharset(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/** Decodes a byte stream as text of a charset, chunk by chunk; invalid bytes are the caller's error. */
export async function* decodeText(
  body: AsyncIterable<Uint8Array | string>,
  charset = 'utf-8',
): AsyncGenerator<string> {
  // A byte-order mark is dropped (ignoreBOM: false); a malformed byte sequence is an error, not U+FFFD.
  const decoder = new TextDecoder(charset, { fatal: true });
  // Sent without a charset, a CSV from Chinese Excel (GB18030) is decoded as UTF-8: say how to name it.
  const hint =
    decoder.encoding === 'utf-8'
      ? ': name its encoding in Content-Type, e.g. "text/csv; charset=gb18030" for a CSV saved by Chinese Excel'
      : '';
  const fail = () =>
    badInput(
      `请求正文不是有效的 ${decoder.encoding} 文本 / the body is not valid ${decoder.encoding} text${hint}`,
    );
  for await (const chunk of body) {
    let text: string;
    try {
      text = typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    } catch {
      throw fail();
    }
    if (text) yield text;
  }
  let tail: string;
  try {
    tail = decoder.decode();
  } catch {
    throw fail();
  }
  if (tail) yield tail;
}

/**
 * NDJSON: one JSON object per line. Lines are physical lines counted from 1 (LF or CRLF); blank lines
 * are skipped but counted; a line that is not valid JSON is rejected with its line number.
 */
export function ndjsonRecords(text: AsyncIterable<string>): ParsedBatch {
  let line = 0;
  const record = (content: string): IncomingRecord | undefined => {
    line++;
    if (content.length > MAX_RECORD_CHARS) {
      throw badInput(`line ${line} is longer than ${MAX_RECORD_CHARS} characters`);
    }
    const body = content.endsWith('\r') ? content.slice(0, -1) : content;
    if (body.length === 0 || (body.charCodeAt(0) <= 32 && body.trim() === '')) return undefined;
    try {
      return { line, raw: JSON.parse(body) };
    } catch (error) {
      return unreadable(line, `invalid JSON: ${(error as Error).message}`);
    }
  };
  async function* records(): AsyncGenerator<IncomingRecord> {
    // The start of a line that spans chunks, kept as parts so a long line is joined once.
    let parts: string[] = [];
    let partsLength = 0;
    for await (const chunk of text) {
      let start = 0;
      for (let end = chunk.indexOf('\n'); end !== -1; end = chunk.indexOf('\n', start)) {
        const piece = chunk.slice(start, end);
        const next = record(parts.length ? parts.join('') + piece : piece);
        parts = [];
        partsLength = 0;
        start = end + 1;
        if (next) yield next;
      }
      if (start < chunk.length) {
        parts.push(start === 0 ? chunk : chunk.slice(start));
        partsLength += chunk.length - start;
        if (partsLength > MAX_RECORD_CHARS) {
          throw badInput(`line ${line + 1} is longer than ${MAX_RECORD_CHARS} characters`);
        }
      }
    }
    if (parts.length) {
      const last = record(parts.join(''));
      if (last) yield last;
    }
  }
  return { records: records() };
}

/** Columns a CSV header may carry besides the declared fields. */
const PROVENANCE_COLUMNS = new Set(['sourceRecordId', 'deleted']);
const TRUE_WORDS = new Set(['true', '1', 'yes', 'y', '是']);
const FALSE_WORDS = new Set(['', 'false', '0', 'no', 'n', '否']);

/** Checks a CSV header against the declaration; returns the column names, or throws BAD_USER_INPUT. */
function checkHeader(dataset: Dataset, header: string[]): string[] {
  const columns = header.map((name) => name.trim());
  const seen = new Set<string>();
  for (const name of columns) {
    if (!fieldOf(dataset, name) && !PROVENANCE_COLUMNS.has(name)) {
      throw badInput(
        `CSV header: ${dataset.name} has no field ${JSON.stringify(name)}; columns are the field names ` +
          `(${Object.keys(dataset.fields).join(', ')}) and optionally sourceRecordId and deleted`,
        { line: 1, column: name },
      );
    }
    if (seen.has(name)) throw badInput(`CSV header: column ${name} appears twice`, { line: 1, column: name });
    seen.add(name);
  }
  // A file with a `deleted` column may be all tombstones, which need only the natural key; rows that are
  // not deletions still need every required field, and are rejected row by row without them.
  const required = seen.has('deleted')
    ? dataset.key
    : Object.keys(dataset.fields).filter((name) => dataset.fields[name].required);
  const missing = required.filter((name) => !seen.has(name));
  if (missing.length) {
    throw badInput(
      `CSV header: missing required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`,
      {
        line: 1,
      },
    );
  }
  return columns;
}

function csvError(error: unknown): unknown {
  if (error instanceof CsvError) return badInput(`invalid CSV: ${error.message}`, { line: error.lines });
  return error;
}

const newlines = (cells: string[]) => {
  let count = 0;
  for (const cell of cells) {
    for (let at = cell.indexOf('\n'); at !== -1; at = cell.indexOf('\n', at + 1)) count++;
  }
  return count;
};

interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * CSV (RFC 4180, csv-parse): the first row is the header of declared field names, with optional
 * `sourceRecordId` and `deleted` columns. The header is read and checked before this resolves, so a bad
 * header is a BAD_USER_INPUT error before anything is published. Data lines are physical lines with the
 * header as line 1 (a record whose quoted cells span lines has the line it starts on); blank lines are
 * skipped. A row with a different number of cells than the header is rejected; a syntax error the parser
 * cannot recover from (a stray quote) fails the whole batch with its line.
 *
 * Cells are handed to validation as text: empty is null, geometry is GeoJSON text, a text list is a JSON
 * array or values separated by ";", `deleted` is true/false (also 1/0, yes/no, 是/否). A free-text cell
 * (a text field, `sourceRecordId`) loses one leading `'`, which exports put before formula-like text.
 */
export async function csvRecords(text: AsyncIterable<string>, dataset: Dataset): Promise<ParsedBatch> {
  const parser = csvParse({
    info: true,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n'],
    max_record_size: MAX_RECORD_CHARS,
  });
  // Errors reach the consumer through the parser: the source's (aborted upload) and the parser's own.
  // When the consumer stops early, the parser is destroyed and the pipeline closes the source.
  pipeline(Readable.from(text), parser, () => {});
  const iterator = parser[Symbol.asyncIterator]() as AsyncIterator<CsvRecord>;
  const next = async () => {
    try {
      return await iterator.next();
    } catch (error) {
      throw csvError(error);
    }
  };
  let columns: string[];
  try {
    const first = await next();
    if (first.done) throw badInput('empty CSV body: the first line must be the header of field names');
    columns = checkHeader(dataset, first.value.record);
  } catch (error) {
    await iterator.return?.();
    throw error;
  }
  // Each cell as its field's kind reads it (free text loses the ' exports put before a formula).
  const decoders = columns.map((name) => {
    if (name === 'sourceRecordId') return cellText;
    const field = fieldOf(dataset, name);
    return (field && kindOf(field).fromCsv) || undefined;
  });

  async function* records(): AsyncGenerator<IncomingRecord> {
    try {
      for (let item = await next(); !item.done; item = await next()) {
        const { record, info } = item.value;
        const line = info.lines - newlines(record);
        if (record.length !== columns.length) {
          yield unreadable(
            line,
            `invalid CSV row: ${record.length} cell${record.length === 1 ? '' : 's'}, the header has ${columns.length}`,
          );
          continue;
        }
        const raw: Record<string, unknown> = {};
        let problem: string | undefined;
        for (let i = 0; i < columns.length; i++) {
          const column = columns[i];
          const cell = record[i];
          if (column === 'deleted') {
            const word = cell.trim().toLowerCase();
            if (TRUE_WORDS.has(word)) raw.deleted = true;
            else if (FALSE_WORDS.has(word)) raw.deleted = false;
            else problem = `deleted must be true or false, got ${JSON.stringify(cell)}`;
          } else {
            const decode = decoders[i];
            raw[column] = decode ? decode(cell) : cell;
          }
        }
        yield problem ? unreadable(line, problem) : { line, raw };
      }
    } finally {
      await iterator.return?.();
    }
  }
  return { records: records() };
}
