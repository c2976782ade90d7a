/**
 * Sync benchmarks (issue 4, item 6), side by side in one run, on one PostgreSQL database of its own:
 *
 * 1. Publishing N rows (default 1M) of irrigationWell through the streaming endpoint
 *    (`POST /datasets/irrigationWell/batches/:batchKey`, NDJSON) versus a plain `COPY … FROM STDIN` of the
 *    same rows into the same table, through the same postgres.js pool (the hub's own, in the hub process).
 *    Rounds alternate the order (hub, COPY / COPY, hub); the table is truncated and checkpointed before
 *    every load, so both start from the same empty state. Target: hub ≥ 0.5 × COPY's rows/s.
 * 2. Exporting the dataset (`GET /datasets/irrigationWell/export?format=ndjson`) at N/10 and N rows, each
 *    export in a fresh hub process whose peak RSS is read from /proc (VmHWM, reset just before the export
 *    through clear_refs, and VmRSS sampled meanwhile). Target: peak ≤ 150 MiB and flat from N/10 to N.
 * 3. A GraphQL `publish` of 5k records: time per batch and rows/s over a few rounds.
 *
 * Every figure comes from a checked run: the publish result says APPLIED with the right counts, the table
 * holds the right rows afterwards (count and an order-independent checksum of the stored values, equal
 * for hub and COPY), the export has every record exactly once, GraphQL answers without errors.
 *
 *   npm run bench -- sync                              (or: node --import tsx bench/sync.ts)
 *   BENCH_SYNC_ROWS=100000 npm run bench -- sync      (a quick run)
 *
 * Environment: JINGTU_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/jt_bench_sync, created
 * when missing; never the test suite's `test` or the `postgres` database), BENCH_SYNC_ROWS (1000000),
 * BENCH_SYNC_ROUNDS (3 publish rounds per side), BENCH_SYNC_EXPORT_ROUNDS (2 per size),
 * BENCH_SYNC_GRAPHQL_ROUNDS (5), BENCH_SYNC_GRAPHQL_RECORDS (5000), BENCH_POOL (10, the hub's default
 * pool), BENCH_LOG_LEVEL (silent), BENCH_HUB_NODE_OPTIONS (extra Node options for the hub processes).
 */
import { type ChildProcess, execFile, fork } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  createReadStream,
  createWriteStream,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { pino } from 'pino';
import postgres from 'postgres';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import type { FieldDef } from '../src/catalog/types.js';
import type { Config } from '../src/config.js';
import { loadReference } from '../src/datasets/reference.js';
import { openDatabase } from '../src/db/connection.js';
import { columnName } from '../src/db/datasetTable.js';
import { runMigrations } from '../src/db/migrate.js';
import { demoRecords } from '../src/demo/rows.js';
import { type GeoPoint, type GeoPolygon, pointToPg, polygonToPg } from '../src/domain/geometry.js';
import { createHub } from '../src/http/app.js';
import { ensureBenchDatabase, redacted } from './support/database.js';
import { envNumber } from './support/env.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const BENCH_DIR = dirname(THIS_FILE);
const ROOT = resolve(BENCH_DIR, '..');
const RESULTS_FILE = join(BENCH_DIR, 'results/sync.json');

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/jt_bench_sync';

/** A dataset with a few columns of several types (text, district, point, numbers, enums, a date). */
const DATASET = 'irrigationWell';
/** Its owner, who publishes it and reads every field of every row in clear. */
const PUBLISHER = 'WATER';

/** The targets of the issue. */
const TARGET_PUBLISH_RATIO = 0.5;
const TARGET_EXPORT_MIB = 150;
/**
 * "Flat" made checkable: the peak at N rows at most this much above the peak at N/10 (the garbage
 * collector lets the heap breathe by some MiB whatever the size; a leak grows with the rows, 10×).
 */
const FLAT_TOLERANCE = 0.15;
/** The most records the GraphQL mutation takes (src/graphql/sync.ts MAX_GRAPHQL_BATCH). */
const MAX_GRAPHQL_BATCH = 5000;

const settings = {
  rows: envNumber('BENCH_SYNC_ROWS', 1_000_000, { integer: true }),
  rounds: Math.min(envNumber('BENCH_SYNC_ROUNDS', 3, { integer: true }), 20),
  exportRounds: Math.min(envNumber('BENCH_SYNC_EXPORT_ROUNDS', 2, { integer: true }), 10),
  graphqlRounds: Math.min(envNumber('BENCH_SYNC_GRAPHQL_ROUNDS', 5, { integer: true }), 50),
  graphqlRecords: Math.min(
    envNumber('BENCH_SYNC_GRAPHQL_RECORDS', MAX_GRAPHQL_BATCH, { integer: true }),
    MAX_GRAPHQL_BATCH,
  ),
  pool: Math.min(envNumber('BENCH_POOL', 10, { integer: true }), 100),
  logLevel: process.env.BENCH_LOG_LEVEL || 'silent',
  /** Extra Node options for the hub processes, e.g. "--max-semi-space-size=4" to see what the GC does. */
  hubNodeOptions: (process.env.BENCH_HUB_NODE_OPTIONS ?? '').split(/\s+/).filter(Boolean),
};
/** The smaller export: a tenth of the rows, to show the peak does not grow with them. */
const smallRows = () => Math.max(1, Math.floor(settings.rows / 10));

function databaseUrl(): string {
  return process.env.JINGTU_BENCH_DATABASE_URL || DEFAULT_URL;
}

function benchDataset(): Dataset {
  const dataset = datasetByName(DATASET);
  if (!dataset) throw new Error(`no dataset ${DATASET}`);
  if (dataset.owner !== PUBLISHER)
    throw new Error(`${DATASET} is owned by ${dataset.owner}, not ${PUBLISHER}`);
  const [key, ...more] = dataset.key;
  // Rows are made unique by suffixing the natural key, which needs a single text key.
  if (more.length || dataset.fields[key]?.type !== 'text') {
    throw new Error(`${DATASET} no longer has a single text natural key: adapt the generator`);
  }
  return dataset;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The columns a load writes: the declared fields, then the provenance the publisher gives. */
function loadColumns(dataset: Dataset): string[] {
  return [...Object.keys(dataset.fields).map(columnName), 'publisher', 'source_record_id', 'sync_batch'];
}

// ---------------------------------------------------------------------------------------------------------
// Child process: one hub, serving HTTP, and running the plain COPY on its own pool when asked

type HubMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: string }
  | { type: 'copied'; error?: string }
  | { type: 'memory'; usage: NodeJS.MemoryUsage };
type ParentMessage = 'stop' | 'memory' | { type: 'copy'; file: string };

function hubConfig(url: string, poolSize: number): Config {
  return {
    databaseUrl: url,
    dataDir: join(os.tmpdir(), 'jingtu-bench-unused'),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'silent',
    poolSize,
  };
}

async function serveHub(): Promise<void> {
  const database = await openDatabase(hubConfig(databaseUrl(), settings.pool));
  const reference = await loadReference(database.db);
  const logger = pino({ level: settings.logLevel });
  const hub = await createHub({ db: database.db, sql: database.sql, reference, logger });
  await new Promise<void>((done, fail) => {
    hub.httpServer.once('error', fail);
    hub.httpServer.listen(0, '127.0.0.1', done);
  });
  const address = hub.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const dataset = benchDataset();
  const { sql } = database;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await hub.stop();
    await database.close();
    process.exit(0);
  };
  // The reference side of the publish benchmark: the same rows, as COPY text, into the same table, on a
  // connection of the hub's pool, with nothing of the hub in between (no validation, staging or merge).
  const copy = async (file: string) => {
    const target = await sql`copy ${sql(dataset.table)} (${sql(loadColumns(dataset))}) from stdin`.writable();
    await pipeline(createReadStream(file), target);
  };
  process.on('message', (message: ParentMessage) => {
    if (message === 'stop') void stop();
    else if (message === 'memory') {
      process.send?.({ type: 'memory', usage: process.memoryUsage() } satisfies HubMessage);
    } else if (message.type === 'copy') {
      copy(message.file).then(
        () => process.send?.({ type: 'copied' } satisfies HubMessage),
        (error: Error) => process.send?.({ type: 'copied', error: String(error) } satisfies HubMessage),
      );
    }
  });
  process.on('disconnect', () => void stop());
  process.send?.({ type: 'ready', port } satisfies HubMessage);
}

// ---------------------------------------------------------------------------------------------------------
// Parent: hubs

interface RunningHub {
  base: string;
  child: ChildProcess;
}

function startHub(): Promise<RunningHub> {
  const child = fork(THIS_FILE, ['--hub'], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx', ...settings.hubNodeOptions],
    // As deployed.
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // A message to a hub that has just died fails with EPIPE; its exit (and the request that failed with
  // it) tells the story, so the channel's error must not crash the benchmark.
  child.on('error', (error) => console.error(`hub process: ${error.message}`));
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error('the hub did not start within 60 s')), 60_000);
    child.once('exit', (code) => fail(new Error(`the hub exited with ${code} before it was ready`)));
    child.on('message', (message: HubMessage) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        done({ base: `http://127.0.0.1:${message.port}`, child });
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        fail(new Error(`hub: ${message.error}`));
      }
    });
  });
}

function stopHub(hub: RunningHub): Promise<void> {
  return new Promise((done) => {
    if (hub.child.exitCode !== null || hub.child.signalCode !== null) return done();
    const timer = setTimeout(() => hub.child.kill('SIGKILL'), 15_000);
    hub.child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    // A hub that died (out of memory, say) has closed its channel before its exit is seen.
    if (hub.child.connected) hub.child.send('stop' satisfies ParentMessage);
    else hub.child.kill('SIGTERM');
  });
}

/** Sends a hub a request and waits for its answer of one type; fails if the hub exits first. */
function ask<T extends HubMessage['type']>(
  hub: RunningHub,
  message: ParentMessage,
  type: T,
): Promise<Extract<HubMessage, { type: T }>> {
  return new Promise((done, fail) => {
    const listen = (answer: HubMessage) => {
      if (answer.type !== type) return;
      settle();
      done(answer as Extract<HubMessage, { type: T }>);
    };
    const exited = (code: number | null, signal: string | null) => {
      settle();
      fail(new Error(`the hub exited (${signal ?? code}) before it answered ${JSON.stringify(message)}`));
    };
    const settle = () => {
      hub.child.off('message', listen);
      hub.child.off('exit', exited);
    };
    hub.child.on('message', listen);
    hub.child.once('exit', exited);
    hub.child.send(message);
  });
}

/** Has the hub process COPY a file into the table on its pool; resolves when the COPY has completed. */
async function copyThroughHub(hub: RunningHub, file: string): Promise<void> {
  const answer = await ask(hub, { type: 'copy', file }, 'copied');
  if (answer.error) throw new Error(`COPY failed: ${answer.error}`);
}

/** The hub's own view of its memory (heap, external, array buffers), to tell where its RSS goes. */
async function memoryUsageOf(hub: RunningHub): Promise<NodeJS.MemoryUsage> {
  return (await ask(hub, 'memory', 'memory')).usage;
}

// ---------------------------------------------------------------------------------------------------------
// Parent: setup

const execFileAsync = promisify(execFile);

/** Runs the `jingtu` command on the bench database; its standard output. */
async function jingtu(url: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync(process.execPath, [join(ROOT, 'bin/jingtu.js'), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: url, LOG_LEVEL: 'silent' },
  });
  return stdout;
}

/** A key for the publisher, through the CLI as a department's operator would make one. */
async function createKey(url: string): Promise<{ id: string; key: string }> {
  const lines = (await jingtu(url, 'keys', 'create', '--principal', PUBLISHER, '--name', 'bench:sync'))
    .trim()
    .split('\n');
  const key = lines[lines.length - 1]?.trim() ?? '';
  const id = lines.map((line) => line.match(/^created key (\S+) for /)?.[1]).find(Boolean);
  if (!id || !/^\S{16,}$/.test(key))
    throw new Error(`unexpected output of keys create: ${lines.join(' | ')}`);
  return { id, key };
}

/**
 * Which code was measured: src/ changes while benchmarks run (ingest moved from jsonb_to_recordset to COPY
 * staging), so the results say the commit, whether the tree differed, and the files that matter.
 */
async function sourceFingerprint() {
  const git = async (...args: string[]) =>
    (await execFileAsync('git', args, { cwd: ROOT }).catch(() => ({ stdout: '' }))).stdout.trim();
  const files = [
    'src/sync/ingest.ts',
    'src/sync/parse.ts',
    'src/sync/validate.ts',
    'src/sync/export.ts',
    'src/http/bulk.ts',
  ];
  const ingest = readFileSync(join(ROOT, 'src/sync/ingest.ts'), 'utf8');
  return {
    commit: await git('rev-parse', '--short', 'HEAD'),
    changed: (await git('status', '--porcelain', '--', 'src')).split('\n').filter(Boolean),
    sha1: Object.fromEntries(
      files.map((file) => [
        file,
        createHash('sha1')
          .update(readFileSync(join(ROOT, file)))
          .digest('hex')
          .slice(0, 12),
      ]),
    ),
    staging: /from\s+stdin/i.test(ingest)
      ? 'COPY'
      : /jsonb_to_recordset/.test(ingest)
        ? 'jsonb_to_recordset'
        : 'unknown',
  };
}

// ---------------------------------------------------------------------------------------------------------
// Parent: the data

/** FNV-1a of an ASCII string (the natural keys are ASCII), to check an export's keys order-independently. */
function fnv(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

/** The same over bytes of a buffer (the export's keys as they arrive). */
function fnvBytes(buffer: Buffer, start: number, end: number): number {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) hash = Math.imul(hash ^ buffer[i], 0x01000193);
  return hash >>> 0;
}

/** COPY text format: \N for null; backslash, tab and line breaks escaped. */
function copyText(text: string): string {
  return /[\\\t\n\r]/.test(text)
    ? text.replace(/[\\\t\n\r]/g, (c) => ({ '\\': '\\\\', '\t': '\\t', '\n': '\\n', '\r': '\\r' })[c] ?? c)
    : text;
}

/** A field's value as a COPY text cell, in the stored form (geometry as PostgreSQL literals). */
function copyCell(field: FieldDef, value: unknown): string {
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
      return copyText(String(value));
  }
}

interface DataFiles {
  rows: number;
  ndjson: string;
  copy: string;
  ndjsonBytes: number;
  /** Sum of the natural keys' FNV hashes (mod 2³²), what an export of exactly these rows adds up to. */
  keyHash: number;
}

/**
 * The rows: the demo generator's irrigation wells (2000 of them, realistic values), repeated with the
 * natural key suffixed by the repetition, so every row is new. The same rows go to an NDJSON file (for
 * the hub) and a COPY text file (for COPY); the first `n` make the first `n` rows of any size.
 */
function makeRecords(dataset: Dataset) {
  const templates = demoRecords().get(dataset.name) ?? [];
  if (templates.length === 0) throw new Error(`the demo generator makes no ${dataset.name} rows`);
  const key = dataset.key[0];
  const fields = Object.keys(dataset.fields);
  return (index: number): Record<string, unknown> => {
    const template = templates[index % templates.length];
    const values: Record<string, unknown> = {};
    for (const name of fields) values[name] = template[name] ?? null;
    values[key] = `${template[key]}-${Math.floor(index / templates.length)}`;
    return values;
  };
}

async function writeData(dataset: Dataset, dir: string, rows: number): Promise<DataFiles> {
  const recordAt = makeRecords(dataset);
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
    lines.copy += `${[...entries.map(([name, field]) => copyCell(field, values[name])), PUBLISHER, copyText(id), 'bench-sync-copy'].join('\t')}\n`;
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
  return { rows, ...files, ndjsonBytes: statSync(files.ndjson).size, keyHash };
}

// ---------------------------------------------------------------------------------------------------------
// Parent: the database side of the checks

type Admin = postgres.Sql;

async function emptyTable(admin: Admin, dataset: Dataset): Promise<void> {
  await admin.unsafe(`truncate ${quote(dataset.table)}`);
  // Dirty pages of the previous load are written out now, not in the middle of the next one.
  await admin`checkpoint`;
}

interface TableState {
  rows: number;
  /** Order-independent checksum of the stored values (declared fields, publisher, source record id). */
  checksum: string;
  /** Rows that are not fresh inserts by the publisher: tombstones, versions above 1, another publisher. */
  odd: number;
}

async function tableState(admin: Admin, dataset: Dataset): Promise<TableState> {
  // point has no equality and no default text in row(); every column as text keeps the checksum exact.
  const values = [...Object.keys(dataset.fields).map(columnName), 'publisher', 'source_record_id']
    .map((column) => `${quote(column)}::text`)
    .join(', ');
  const [state] = await admin.unsafe(
    `select count(*)::int as rows,
            coalesce(sum(hashtext(row(${values})::text)::bigint), 0)::text as checksum,
            count(*) filter (where deleted or version <> 1 or publisher <> '${PUBLISHER}')::int as odd
     from ${quote(dataset.table)}`,
  );
  return { rows: state.rows as number, checksum: state.checksum as string, odd: state.odd as number };
}

/** Throws unless the table holds exactly the expected rows, and the same values as every load before. */
function checkState(state: TableState, rows: number, expected: { checksum?: string }, what: string): void {
  if (state.rows !== rows) throw new Error(`${what}: the table holds ${state.rows} rows, not ${rows}`);
  if (state.odd)
    throw new Error(`${what}: ${state.odd} rows are tombstones, updates or of another publisher`);
  expected.checksum ??= state.checksum;
  if (state.checksum !== expected.checksum) {
    throw new Error(
      `${what}: the stored values differ from the first load (checksum ${state.checksum} ≠ ${expected.checksum})`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parent: HTTP

interface PublishReply {
  status?: string;
  replayed?: boolean;
  received?: number;
  accepted?: number;
  inserted?: number;
  updated?: number;
  unchanged?: number;
  deleted?: number;
  rejectedCount?: number;
  rejections?: unknown[];
  errors?: unknown[];
}

/** The problems of a publish result that should have inserted `rows` new rows. */
function publishProblems(reply: PublishReply, rows: number, replayed = false): string[] {
  const problems: string[] = [];
  const expect = (name: keyof PublishReply, value: unknown) => {
    if (reply[name] !== value)
      problems.push(`${name} ${JSON.stringify(reply[name])}, expected ${JSON.stringify(value)}`);
  };
  if (reply.errors) problems.push(`errors: ${JSON.stringify(reply.errors).slice(0, 300)}`);
  expect('status', 'APPLIED');
  expect('replayed', replayed);
  for (const name of ['received', 'accepted', 'inserted'] as const) expect(name, rows);
  for (const name of ['updated', 'unchanged', 'deleted', 'rejectedCount'] as const) expect(name, 0);
  if (reply.rejections?.length) problems.push(`rejections: ${JSON.stringify(reply.rejections.slice(0, 3))}`);
  return problems;
}

/** Streams an NDJSON file to the hub's batch endpoint; the status and the JSON reply. */
function publishFile(
  hub: RunningHub,
  key: string,
  batchKey: string,
  files: DataFiles,
): Promise<{ status: number; body: PublishReply }> {
  return new Promise((done, fail) => {
    const request = http.request(
      `${hub.base}/datasets/${DATASET}/batches/${encodeURIComponent(batchKey)}`,
      {
        method: 'POST',
        agent: false,
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/x-ndjson',
          'content-length': String(files.ndjsonBytes),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', fail);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            done({ status: response.statusCode ?? 0, body: JSON.parse(text) as PublishReply });
          } catch {
            fail(new Error(`publish: HTTP ${response.statusCode}, not JSON: ${text.slice(0, 300)}`));
          }
        });
      },
    );
    request.on('error', fail);
    // An early answer (an error before the body is read) ends the upload; the answer tells why.
    pipeline(createReadStream(files.ndjson), request).catch(() => {});
  });
}

interface ExportRead {
  status: number;
  lines: number;
  bytes: number;
  keyHash: number;
  /** Lines that did not parse, or lacked the key or the publisher. */
  bad: string[];
}

/**
 * Reads an NDJSON export as it arrives, as a consumer would, without keeping it: counts lines and bytes,
 * sums the FNV hashes of the natural keys (each line begins with the key, fields in declaration order;
 * any other line is parsed), and parses one line in 1000 in full.
 */
function readExport(hub: RunningHub, key: string, dataset: Dataset): Promise<ExportRead> {
  const prefix = Buffer.from(`{${JSON.stringify(dataset.key[0])}:"`);
  const keyName = dataset.key[0];
  return new Promise((done, fail) => {
    const request = http.get(
      `${hub.base}/datasets/${dataset.name}/export?format=ndjson`,
      { agent: false, headers: { authorization: `Bearer ${key}` } },
      (response) => {
        const read: ExportRead = {
          status: response.statusCode ?? 0,
          lines: 0,
          bytes: 0,
          keyHash: 0,
          bad: [],
        };
        let carry: Buffer | undefined;
        const line = (buffer: Buffer, start: number, end: number) => {
          read.lines++;
          const fast =
            end - start > prefix.length &&
            buffer.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0
              ? buffer.indexOf(0x22, start + prefix.length)
              : -1;
          if (fast !== -1 && fast < end && read.lines % 1000 !== 1) {
            read.keyHash = (read.keyHash + fnvBytes(buffer, start + prefix.length, fast)) >>> 0;
            return;
          }
          const text = buffer.toString('utf8', start, end);
          try {
            const record = JSON.parse(text) as Record<string, unknown> & {
              provenance?: { publisher?: unknown };
            };
            const id = record[keyName];
            if (typeof id !== 'string' || record.provenance?.publisher !== PUBLISHER)
              throw new Error('no key or publisher');
            read.keyHash = (read.keyHash + fnv(id)) >>> 0;
          } catch (error) {
            if (read.bad.length < 5)
              read.bad.push(`line ${read.lines}: ${(error as Error).message}: ${text.slice(0, 120)}`);
          }
        };
        response.on('data', (chunk: Buffer) => {
          read.bytes += chunk.length;
          let start = 0;
          for (let end = chunk.indexOf(10); end !== -1; end = chunk.indexOf(10, start)) {
            if (carry) {
              const joined = Buffer.concat([carry, chunk.subarray(0, end)]);
              carry = undefined;
              line(joined, 0, joined.length);
            } else line(chunk, start, end);
            start = end + 1;
          }
          if (start < chunk.length) {
            const rest = chunk.subarray(start);
            carry = carry ? Buffer.concat([carry, rest]) : Buffer.from(rest);
          }
        });
        response.on('error', fail);
        response.on('end', () => {
          // A chunked response cut short by an error in the hub ends without its last chunk.
          if (!response.complete) return fail(new Error('the export was cut short'));
          if (carry?.length)
            read.bad.push(`the export does not end with a line break: ${carry.toString('utf8', 0, 120)}`);
          done(read);
        });
      },
    );
    request.on('error', fail);
  });
}

interface GraphqlReply {
  data?: { publish?: PublishReply } | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

const PUBLISH_MUTATION = `mutation SyncBench($dataset: String!, $batchKey: String!, $records: [JSONObject!]!) {
  publish(dataset: $dataset, batchKey: $batchKey, records: $records) {
    status replayed received accepted inserted updated unchanged deleted rejectedCount
    rejections { line field reason }
  }
}`;

async function graphqlPublish(
  hub: RunningHub,
  key: string,
  body: string,
): Promise<{ status: number; reply: GraphqlReply }> {
  const response = await fetch(`${hub.base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body,
  });
  const text = await response.text();
  try {
    return { status: response.status, reply: JSON.parse(text) as GraphqlReply };
  } catch {
    throw new Error(`GraphQL publish: HTTP ${response.status}, not JSON: ${text.slice(0, 300)}`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parent: memory of the hub process

/** VmRSS and VmHWM (peak RSS) of a process, in bytes. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) =>
    Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024 };
}

/** Resets a process's VmHWM to its current RSS (Linux ≥ 4.0), so that it reads the peak from now on. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Parent: figures

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const stats = (values: number[]) => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});
const fixed = (value: number, digits = 1) => value.toFixed(digits);
const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
const mib = (bytes: number) => bytes / 2 ** 20;

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

interface PublishRound {
  round: number;
  first: 'hub' | 'copy';
  hubSeconds: number;
  copySeconds: number;
  hubRowsPerSecond: number;
  copyRowsPerSecond: number;
  /** hub rows/s ÷ COPY rows/s, measured in the same round. */
  ratio: number;
}

interface ExportRound {
  rows: number;
  round: number;
  seconds: number;
  rowsPerSecond: number;
  mibPerSecond: number;
  bytes: number;
  /** RSS of the idle hub just before the export. */
  baselineMiB: number;
  /** Peak RSS during the export: VmHWM after a reset at its start (or the largest VmRSS sample). */
  peakMiB: number;
  sampledPeakMiB: number;
  samples: number;
  /** process.memoryUsage() of the hub: idle before, the largest of each figure during, and right after. */
  heap: { before: MemoryMiB; peak: MemoryMiB; after: MemoryMiB };
}

type MemoryMiB = Record<keyof NodeJS.MemoryUsage, number>;
const inMiB = (usage: NodeJS.MemoryUsage): MemoryMiB => ({
  rss: mib(usage.rss),
  heapTotal: mib(usage.heapTotal),
  heapUsed: mib(usage.heapUsed),
  external: mib(usage.external),
  arrayBuffers: mib(usage.arrayBuffers),
});

interface GraphqlRound {
  round: number;
  milliseconds: number;
  rowsPerSecond: number;
}

// ---------------------------------------------------------------------------------------------------------
// Parent: the benchmark

export async function run(): Promise<void> {
  const url = databaseUrl();
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  const dataset = benchDataset();
  const runId = `${Date.now().toString(36)}`;
  console.log(`\n== sync: streaming publish vs COPY, export memory, GraphQL batch (${redacted(url)})`);
  await ensureBenchDatabase(url, 'JINGTU_BENCH_DATABASE_URL');
  await runMigrations(url);
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const dir = mkdtempSync(join(os.tmpdir(), 'jingtu-bench-sync-'));
  const hubs: RunningHub[] = [];
  let key: { id: string; key: string } | undefined;
  try {
    const source = await sourceFingerprint();
    console.log(
      `code: ${source.commit}${source.changed.length ? ` + ${source.changed.length} changed files in src/` : ''}, ` +
        `ingest stages through ${source.staging}`,
    );
    key = await createKey(url);
    const small = smallRows();
    const generating = performance.now();
    const full = await writeData(dataset, dir, settings.rows);
    const part = await writeData(dataset, dir, small);
    console.log(
      `data: ${thousands(full.rows)} ${DATASET} rows (${fixed(mib(full.ndjsonBytes))} MiB NDJSON, ` +
        `${fixed(mib(statSync(full.copy).size))} MiB COPY text) and the first ${thousands(small)}, ` +
        `made in ${fixed((performance.now() - generating) / 1000)} s; publisher ${PUBLISHER} (key ${key.id})`,
    );

    // --- 1. streaming publish vs COPY -------------------------------------------------------------------
    const hub = await startHub();
    hubs.push(hub);
    // The checksum of the first load of each file, which every later load of it must equal.
    const expectations = new Map<DataFiles, { checksum?: string }>([
      [full, {}],
      [part, {}],
    ]);
    const expected = (files: DataFiles) => expectations.get(files) ?? {};
    const loadHub = async (files: DataFiles, batchKey: string) => {
      await emptyTable(admin, dataset);
      const begin = performance.now();
      const { status, body } = await publishFile(hub, key?.key ?? '', batchKey, files);
      const seconds = (performance.now() - begin) / 1000;
      const problems = publishProblems(body, files.rows);
      if (status !== 200) problems.unshift(`HTTP ${status}`);
      if (problems.length) throw new Error(`hub publish ${batchKey}: ${problems.join('; ')}`);
      checkState(await tableState(admin, dataset), files.rows, expected(files), `hub publish ${batchKey}`);
      return seconds;
    };
    const loadCopy = async (files: DataFiles) => {
      await emptyTable(admin, dataset);
      const begin = performance.now();
      await copyThroughHub(hub, files.copy);
      const seconds = (performance.now() - begin) / 1000;
      checkState(await tableState(admin, dataset), files.rows, expected(files), 'COPY');
      return seconds;
    };
    // Warm-up on the small file, not counted: the hub's code paths compiled, its pool connected.
    await loadHub(part, `bench-sync-${runId}-warmup`);
    await loadCopy(part);
    console.log(
      `publish: ${settings.rounds} rounds × ${thousands(full.rows)} rows per side, alternating the order, ` +
        `into an empty, checkpointed table; hub pool ${settings.pool}, COPY on a connection of that pool`,
    );
    const publishRounds: PublishRound[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      const first = round % 2 ? 'hub' : 'copy';
      let hubSeconds = 0;
      let copySeconds = 0;
      for (const side of first === 'hub' ? ['hub', 'copy'] : ['copy', 'hub']) {
        if (side === 'hub') hubSeconds = await loadHub(full, `bench-sync-${runId}-publish-${round}`);
        else copySeconds = await loadCopy(full);
      }
      const entry: PublishRound = {
        round,
        first,
        hubSeconds,
        copySeconds,
        hubRowsPerSecond: full.rows / hubSeconds,
        copyRowsPerSecond: full.rows / copySeconds,
        ratio: copySeconds / hubSeconds,
      };
      publishRounds.push(entry);
      console.log(
        `  round ${round} (${first} first): hub ${fixed(hubSeconds, 2)} s = ${thousands(entry.hubRowsPerSecond)} rows/s, ` +
          `COPY ${fixed(copySeconds, 2)} s = ${thousands(entry.copyRowsPerSecond)} rows/s, hub/COPY ${fixed(entry.ratio, 3)}`,
      );
    }

    // --- 2. export memory and speed, a fresh hub per export ------------------------------------------------
    const exportRounds: ExportRound[] = [];
    const exportAt = async (files: DataFiles) => {
      for (let round = 1; round <= settings.exportRounds; round++) {
        const exporter = await startHub();
        hubs.push(exporter);
        const pid = exporter.child.pid as number;
        // Let the start settle (lazy compilation, the pool's first connection) before the baseline.
        await new Promise((done) => setTimeout(done, 1000));
        const baseline = memoryOf(pid).rss;
        const heapBefore = await memoryUsageOf(exporter);
        const reset = resetPeak(pid);
        let sampled = baseline;
        let samples = 0;
        const sampler = setInterval(() => {
          try {
            sampled = Math.max(sampled, memoryOf(pid).rss);
            samples++;
          } catch {
            // The process is gone; the export's own error says why.
          }
        }, 20);
        // Where the RSS goes, from the hub's side: the largest of each process.memoryUsage() figure. One
        // question at a time, so that a busy hub is not flooded.
        const heapPeak = { ...heapBefore };
        let asking = false;
        const heapSampler = setInterval(() => {
          if (asking) return;
          asking = true;
          memoryUsageOf(exporter).then(
            (usage) => {
              asking = false;
              for (const name of Object.keys(heapPeak) as (keyof NodeJS.MemoryUsage)[]) {
                heapPeak[name] = Math.max(heapPeak[name], usage[name]);
              }
            },
            // The hub is gone; the export's own error says why.
            () => {},
          );
        }, 100);
        const begin = performance.now();
        let read: ExportRead;
        try {
          read = await readExport(exporter, key?.key ?? '', dataset);
        } finally {
          clearInterval(sampler);
          clearInterval(heapSampler);
        }
        const seconds = (performance.now() - begin) / 1000;
        const peak = reset ? Math.max(memoryOf(pid).hwm, sampled) : sampled;
        const heapAfter = await memoryUsageOf(exporter);
        await stopHub(exporter);
        hubs.splice(hubs.indexOf(exporter), 1);
        const problems = [...read.bad];
        if (read.status !== 200) problems.unshift(`HTTP ${read.status}`);
        if (read.lines !== files.rows) problems.push(`${read.lines} lines, expected ${files.rows}`);
        if (read.keyHash !== files.keyHash)
          problems.push('the natural keys are not those of the rows loaded, once each');
        if (problems.length) throw new Error(`export of ${files.rows} rows: ${problems.join('; ')}`);
        const entry: ExportRound = {
          rows: files.rows,
          round,
          seconds,
          rowsPerSecond: files.rows / seconds,
          mibPerSecond: mib(read.bytes) / seconds,
          bytes: read.bytes,
          baselineMiB: mib(baseline),
          peakMiB: mib(peak),
          sampledPeakMiB: mib(sampled),
          samples,
          heap: { before: inMiB(heapBefore), peak: inMiB(heapPeak), after: inMiB(heapAfter) },
        };
        exportRounds.push(entry);
        console.log(
          `  export ${thousands(files.rows)} rows, round ${round}: ${fixed(seconds, 2)} s = ${thousands(entry.rowsPerSecond)} rows/s ` +
            `(${fixed(entry.mibPerSecond)} MiB/s); RSS idle ${fixed(entry.baselineMiB)} MiB, peak ${fixed(entry.peakMiB)} MiB; ` +
            `V8 heap total ${fixed(entry.heap.before.heapTotal)} → peak ${fixed(entry.heap.peak.heapTotal)} MiB, ` +
            `external peak ${fixed(entry.heap.peak.external)} MiB` +
            `${reset ? '' : ' (sampled: clear_refs refused)'}`,
        );
      }
    };
    console.log(
      `export: NDJSON as ${PUBLISHER} (the owner: every field in clear), ${settings.exportRounds} rounds per size, ` +
        'each in a fresh hub process; peak RSS = VmHWM reset at the start of the export',
    );
    // The table holds the full rows from the last publish round (checked again).
    checkState(await tableState(admin, dataset), full.rows, expected(full), 'before the export');
    await exportAt(full);
    await emptyTable(admin, dataset);
    await pipeline(
      createReadStream(part.copy),
      await admin`copy ${admin(dataset.table)} (${admin(loadColumns(dataset))}) from stdin`.writable(),
    );
    checkState(await tableState(admin, dataset), part.rows, expected(part), 'before the small export');
    await exportAt(part);

    // --- 3. GraphQL batch publish (the publishing hub, warm) ------------------------------------------------
    const recordAt = makeRecords(dataset);
    const records = Array.from({ length: settings.graphqlRecords }, (_, i) => {
      const values = recordAt(i);
      return { ...values, sourceRecordId: values[dataset.key[0]] };
    });
    const graphqlBody = (batchKey: string) =>
      JSON.stringify({ query: PUBLISH_MUTATION, variables: { dataset: DATASET, batchKey, records } });
    const graphqlBytes = Buffer.byteLength(graphqlBody('x'));
    const graphqlLoad = async (batchKey: string, replayed = false) => {
      const body = graphqlBody(batchKey);
      if (!replayed) await emptyTable(admin, dataset);
      const begin = performance.now();
      const { status, reply } = await graphqlPublish(hub, key?.key ?? '', body);
      const milliseconds = performance.now() - begin;
      const problems = reply.errors?.length ? [`errors: ${JSON.stringify(reply.errors).slice(0, 300)}`] : [];
      if (status !== 200) problems.unshift(`HTTP ${status}`);
      if (!reply.data?.publish) problems.push('no publish result');
      else problems.push(...publishProblems(reply.data.publish, settings.graphqlRecords, replayed));
      if (problems.length) throw new Error(`GraphQL publish ${batchKey}: ${problems.join('; ')}`);
      checkState(
        await tableState(admin, dataset),
        settings.graphqlRecords,
        {},
        `GraphQL publish ${batchKey}`,
      );
      return milliseconds;
    };
    await graphqlLoad(`bench-sync-${runId}-graphql-warmup`);
    const graphqlRounds: GraphqlRound[] = [];
    for (let round = 1; round <= settings.graphqlRounds; round++) {
      const milliseconds = await graphqlLoad(`bench-sync-${runId}-graphql-${round}`);
      graphqlRounds.push({
        round,
        milliseconds,
        rowsPerSecond: settings.graphqlRecords / (milliseconds / 1000),
      });
    }
    // The same batch again is a replay: the first result, nothing changed (the table is left as it was).
    const replayMs = await graphqlLoad(`bench-sync-${runId}-graphql-${settings.graphqlRounds}`, true);
    console.log(
      `GraphQL publish: ${settings.graphqlRounds} batches of ${thousands(settings.graphqlRecords)} records ` +
        `(${fixed(mib(graphqlBytes), 2)} MiB request), each into an empty table; a replay answered in ${fixed(replayMs)} ms, replayed`,
    );

    await stopHub(hub);
    hubs.splice(hubs.indexOf(hub), 1);

    // --- report --------------------------------------------------------------------------------------------
    const publish = {
      hubRowsPerSecond: stats(publishRounds.map((r) => r.hubRowsPerSecond)),
      copyRowsPerSecond: stats(publishRounds.map((r) => r.copyRowsPerSecond)),
      ratio: stats(publishRounds.map((r) => r.ratio)),
      target: TARGET_PUBLISH_RATIO,
      met: median(publishRounds.map((r) => r.ratio)) >= TARGET_PUBLISH_RATIO,
    };
    const exportOf = (rows: number) => {
      const rounds = exportRounds.filter((r) => r.rows === rows);
      return {
        rows,
        rowsPerSecond: stats(rounds.map((r) => r.rowsPerSecond)),
        peakMiB: stats(rounds.map((r) => r.peakMiB)),
        baselineMiB: stats(rounds.map((r) => r.baselineMiB)),
        /** What the export itself adds to the idle hub. */
        aboveIdleMiB: stats(rounds.map((r) => r.peakMiB - r.baselineMiB)),
        heapTotalPeakMiB: stats(rounds.map((r) => r.heap.peak.heapTotal)),
      };
    };
    const exportSmall = exportOf(part.rows);
    const exportFull = exportOf(full.rows);
    const growth = exportFull.peakMiB.max / exportSmall.peakMiB.max - 1;
    const exportSummary = {
      small: exportSmall,
      full: exportFull,
      /** Worst peak at N rows over worst peak at N/10, minus 1. */
      peakGrowth: growth,
      targetMiB: TARGET_EXPORT_MIB,
      flatTolerance: FLAT_TOLERANCE,
      metMemory: exportFull.peakMiB.max <= TARGET_EXPORT_MIB && exportSmall.peakMiB.max <= TARGET_EXPORT_MIB,
      metFlat: growth <= FLAT_TOLERANCE,
    };
    const graphql = {
      records: settings.graphqlRecords,
      requestBytes: graphqlBytes,
      milliseconds: stats(graphqlRounds.map((r) => r.milliseconds)),
      rowsPerSecond: stats(graphqlRounds.map((r) => r.rowsPerSecond)),
      replayMilliseconds: replayMs,
    };

    const range = (s: { median: number; min: number; max: number }, format: (v: number) => string) =>
      `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
    console.log(
      `\n${table(
        ['figure', 'median (min–max)', 'target', ''],
        [
          [
            `publish ${thousands(full.rows)} rows: hub, rows/s`,
            range(publish.hubRowsPerSecond, thousands),
            '',
            '',
          ],
          [
            `publish ${thousands(full.rows)} rows: COPY, rows/s`,
            range(publish.copyRowsPerSecond, thousands),
            '',
            '',
          ],
          [
            'publish: hub ÷ COPY (per round)',
            range(publish.ratio, (v) => fixed(v, 3)),
            `≥ ${TARGET_PUBLISH_RATIO}`,
            publish.met ? 'met' : 'NOT MET',
          ],
          [
            `export ${thousands(part.rows)} rows: rows/s`,
            range(exportSmall.rowsPerSecond, thousands),
            '',
            '',
          ],
          [`export ${thousands(full.rows)} rows: rows/s`, range(exportFull.rowsPerSecond, thousands), '', ''],
          [
            `export ${thousands(part.rows)} rows: peak RSS MiB`,
            range(exportSmall.peakMiB, fixed),
            `≤ ${TARGET_EXPORT_MIB}`,
            exportSmall.peakMiB.max <= TARGET_EXPORT_MIB ? 'met' : 'NOT MET',
          ],
          [
            `export ${thousands(full.rows)} rows: peak RSS MiB`,
            range(exportFull.peakMiB, fixed),
            `≤ ${TARGET_EXPORT_MIB}`,
            exportFull.peakMiB.max <= TARGET_EXPORT_MIB ? 'met' : 'NOT MET',
          ],
          ['export: idle hub RSS MiB', range(stats(exportRounds.map((r) => r.baselineMiB)), fixed), '', ''],
          [
            `export ${thousands(part.rows)} rows: peak − idle MiB`,
            range(exportSmall.aboveIdleMiB, fixed),
            '',
            '',
          ],
          [
            `export ${thousands(full.rows)} rows: peak − idle MiB`,
            range(exportFull.aboveIdleMiB, fixed),
            '',
            '',
          ],
          [
            `export ${thousands(part.rows)} → ${thousands(full.rows)}: V8 heap total MiB`,
            `${fixed(exportSmall.heapTotalPeakMiB.max)} → ${fixed(exportFull.heapTotalPeakMiB.max)}`,
            '',
            '',
          ],
          [
            `export: peak growth ${thousands(part.rows)} → ${thousands(full.rows)}`,
            `${fixed(growth * 100)}%`,
            `≤ ${FLAT_TOLERANCE * 100}%`,
            exportSummary.metFlat ? 'flat' : 'NOT FLAT',
          ],
          [
            `GraphQL publish ${thousands(graphql.records)}: ms/batch`,
            range(graphql.milliseconds, (v) => fixed(v, 0)),
            '',
            '',
          ],
          [
            `GraphQL publish ${thousands(graphql.records)}: rows/s`,
            range(graphql.rowsPerSecond, thousands),
            '',
            '',
          ],
        ],
      )}`,
    );
    const loadAfter = os.loadavg()[0];
    console.log(
      `load average ${fixed(loadBefore, 2)} before, ${fixed(loadAfter, 2)} after (${os.cpus().length} CPUs)`,
    );

    const cpus = os.cpus();
    const results = {
      benchmark: 'sync',
      date: new Date().toISOString(),
      machine: {
        cpus: cpus.length,
        model: cpus[0]?.model ?? 'unknown',
        platform: `${os.platform()} ${os.release()}`,
        arch: os.arch(),
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
        loadAverage: { before: loadBefore, after: loadAfter },
      },
      node: process.version,
      database: redacted(url),
      source,
      scenario: {
        dataset: DATASET,
        table: dataset.table,
        publisher: PUBLISHER,
        rows: full.rows,
        smallRows: part.rows,
        ndjsonBytes: full.ndjsonBytes,
        copyBytes: statSync(full.copy).size,
        columns: loadColumns(dataset),
        hub: 'child process (createHub), NODE_ENV=production, loopback; COPY runs in it, on its pool',
      },
      settings,
      publish: { ...publish, rounds: publishRounds },
      export: { ...exportSummary, rounds: exportRounds },
      graphql: { ...graphql, rounds: graphqlRounds },
      seconds: Math.round((Date.now() - started) / 1000),
    };
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`results: ${RESULTS_FILE} (${results.seconds} s in all)`);
  } finally {
    await Promise.all(hubs.map(stopHub));
    if (key)
      await jingtu(url, 'keys', 'revoke', key.id).catch((error: Error) =>
        console.error(`revoking the bench key: ${error.message}`),
      );
    // The bench's rows and batches: the database is the benchmark's own, but it need not keep a million rows.
    await admin
      .unsafe(`truncate ${quote(dataset.table)}`)
      .then(
        () =>
          admin`delete from sync_batch where dataset = ${DATASET} and batch_key like ${`bench-sync-${runId}-%`}`,
      )
      .catch((error: Error) => console.error(`cleaning up: ${error.message}`));
    await admin.end({ timeout: 5 });
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------

if (process.argv[1] && resolve(process.argv[1]) === THIS_FILE) {
  if (process.argv.includes('--hub')) {
    serveHub().catch((error: Error) => {
      process.send?.({ type: 'failed', error: error.stack ?? String(error) } satisfies HubMessage);
      process.exit(1);
    });
  } else {
    run().catch((error: Error) => {
      console.error(error);
      process.exitCode = 1;
    });
  }
}
