/** The data benchmarks load: datasets by name, records inserted directly, and generated load files. */
import { createWriteStream, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Dataset } from '../../src/catalog/define.js';
import { datasetByName } from '../../src/catalog/registry.js';
import type { FieldDef } from '../../src/catalog/types.js';
import { columnName } from '../../src/db/datasetTable.js';
import { demoRecords } from '../../src/demo/rows.js';
import { type GeoPoint, type GeoPolygon, pointToPg, polygonToPg } from '../../src/domain/geometry.js';
import { insertRecords } from '../../test/support/records.js';
import { withBenchDatabase } from './database.js';

export function datasetNamed(name: string): Dataset {
  const dataset = datasetByName(name);
  if (!dataset) throw new Error(`no dataset ${name}`);
  return dataset;
}

/** Inserts records (as test/support/records.ts makes them) straight into a dataset's table. */
export function insertInto(url: string, dataset: Dataset, records: Record<string, unknown>[]): Promise<void> {
  return withBenchDatabase(url, ({ db }) => insertRecords(db, dataset, records));
}

/** The columns a load writes: the declared fields, then the provenance the publisher gives. */
export function loadColumns(dataset: Dataset): string[] {
  return [...Object.keys(dataset.fields).map(columnName), 'publisher', 'source_record_id', 'sync_batch'];
}

/** FNV-1a of an ASCII string (the natural keys are ASCII), to check an export's keys order-independently. */
export function fnv(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The same over bytes of a buffer (the export's keys as they arrive). */
export function fnvBytes(buffer: Buffer, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ buffer[i], 0x01000193);
  return hash >>> 0;
}

/** COPY text format: \N for null; backslash, tab and line breaks escaped. */
export function copyText(text: string): string {
  return /[\\\t\n\r]/.test(text)
    ? text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? c)
    : text;
}

/** A field's value as a COPY text cell, in the stored form (geometry as PostgreSQL literals). */
export function copyCell(field: FieldDef, value: unknown): string {
  if (value === null || value === undefined) return '\\N';
  switch (field.type) {
    case 'point':
      return copyText(pointToPg(value as GeoPoint));
    case 'polygon':
      return copyText(polygonToPg(value as GeoPolygon));
    case 'textList':
      return copyText(
        `{${(value as string[]).map((item) => `"${item.replace(/["\\]/g, '\\$&')}"`).join(',')}}`,
      );
    case 'boolean':
      return value ? 't' : 'f';
    default:
      // jsonb fields (analyte results) take their JSON text.
      return copyText(typeof value === 'object' ? JSON.stringify(value) : String(value));
  }
}

/**
 * Records of a dataset with a single text natural key, as many as asked: the demo generator's (realistic
 * values), repeated with the natural key suffixed by the repetition, so every record is new; the first
 * `n` are the same whatever the count.
 */
export function generatedRecords(dataset: Dataset): (index: number) => Record<string, unknown> {
  const templates = demoRecords().get(dataset.name) ?? [];
  if (templates.length === 0) throw new Error(`the demo generator makes no ${dataset.name} rows`);
  const [key, ...more] = dataset.key;
  if (more.length || dataset.fields[key]?.type !== 'text') {
    throw new Error(`${dataset.name} has no single text natural key to make records unique by`);
  }
  const fields = Object.keys(dataset.fields);
  return (index) => {
    const template = templates[index % templates.length];
    const values: Record<string, unknown> = {};
    for (const name of fields) values[name] = template[name] ?? null;
    values[key] = `${template[key]}-${Math.floor(index / templates.length)}`;
    return values;
  };
}

export interface LoadFiles {
  rows: number;
  /** NDJSON for the hub's batch endpoint, each record with its natural key as sourceRecordId. */
  ndjson: string;
  ndjsonBytes: number;
  /** The same rows as COPY text of `loadColumns`, published by `publisher` in batch `batch`. */
  copy: string;
  copyBytes: number;
  /** Sum of the natural keys' FNV hashes (mod 2³²), what an export of exactly these rows adds up to. */
  keyHash: number;
}

/** Writes the first `rows` generated records of a dataset to an NDJSON and a COPY file in `dir`. */
export async function writeLoadFiles(
  dataset: Dataset,
  dir: string,
  rows: number,
  provenance: { publisher: string; batch: string },
): Promise<LoadFiles> {
  const recordAt = generatedRecords(dataset);
  const key = dataset.key[0];
  const entries = Object.entries(dataset.fields);
  const files = {
    ndjson: join(dir, `${dataset.name}-${rows}.ndjson`),
    copy: join(dir, `${dataset.name}-${rows}.copy`),
  };
  const ndjson = createWriteStream(files.ndjson);
  const copy = createWriteStream(files.copy);
  const write = (stream: NodeJS.WritableStream, text: string) =>
    stream.write(text) ? undefined : new Promise<void>((done) => stream.once('drain', () => done()));
  let keyHash = 0;
  let lines = { ndjson: '', copy: '' };
  for (let i = 0; i < rows; i++) {
    const values = recordAt(i);
    const id = values[key] as string;
    keyHash = (keyHash + fnv(id)) >>> 0;
    lines.ndjson += `${JSON.stringify({ ...values, sourceRecordId: id })}\n`;
    const cells = entries.map(([name, field]) => copyCell(field, values[name]));
    lines.copy += `${[...cells, provenance.publisher, copyText(id), provenance.batch].join('\t')}\n`;
    if (lines.ndjson.length > 1 << 20 || i === rows - 1) {
      await write(ndjson, lines.ndjson);
      await write(copy, lines.copy);
      lines = { ndjson: '', copy: '' };
    }
  }
  await Promise.all(
    [ndjson, copy].map(
      (stream) => new Promise<void>((done, fail) => stream.end(() => done()).once('error', fail)),
    ),
  );
  return {
    rows,
    ...files,
    ndjsonBytes: statSync(files.ndjson).size,
    copyBytes: statSync(files.copy).size,
    keyHash,
  };
}
