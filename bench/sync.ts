/**
 * Sync benchmarks (issue 4, item 6), side by side in one run, on one PostgreSQL database of its own:
 *
 * 1. Publishing N rows (default 1M) of irrigationWell through the streaming endpoint
 *    (`POST /datasets/irrigationWell/batches/:batchKey`, NDJSON) versus a plain `COPY … FROM STDIN` of the
 *    same rows into the same table, through the same postgres.js pool (the hub's own, in the hub process),
 *    in a transaction that lifts the pool's statement timeout as a publish does.
 *    Rounds alternate the order (hub, COPY / COPY, hub); the table is truncated and checkpointed before
 *    every load, so both start from the same empty state. Target: hub ≥ 0.5 × COPY's rows/s.
 * 2. Exporting the dataset (`GET /datasets/irrigationWell/export?format=ndjson`) at N/10 and N rows, each
 *    export in a fresh hub process whose peak RSS is read from /proc (VmHWM, reset just before the export
 *    through clear_refs, and VmRSS sampled meanwhile). Target: peak ≤ 150 MiB over the idle hub's RSS (the issue's "RSS growth") and flat from N/10 to N.
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
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pipeline } from 'node:stream/promises';
import postgres from 'postgres';
import type { Dataset } from '../src/catalog/define.js';
import { columnName } from '../src/db/datasetTable.js';
import { sendBatch } from './support/batches.js';
import {
  datasetNamed,
  fnv,
  fnvBytes,
  generatedRecords,
  type LoadFiles,
  loadColumns,
  writeLoadFiles,
} from './support/data.js';
import { benchDatabaseUrl, prepareBenchDatabase, redacted } from './support/database.js';
import { envNumber } from './support/env.js';
import { type GraphqlBody, jsonHeaders, post } from './support/http.js';
import { type ForkedHub, forkHub } from './support/hub.js';
import { type BenchKey, createKeys, revokeKeys } from './support/keys.js';
import { memoryOf, resetPeak } from './support/measure.js';
import { sleep } from './support/processes.js';
import { gitState, loadLine, machine, ROOT, runIfMain, writeResults } from './support/report.js';
import { fixed, median, mib, spread, table, thousands } from './support/stats.js';

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

const databaseUrl = () =>
  benchDatabaseUrl('JINGTU_BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/jt_bench_sync');

function benchDataset(): Dataset {
  const dataset = datasetNamed(DATASET);
  if (dataset.owner !== PUBLISHER)
    throw new Error(`${DATASET} is owned by ${dataset.owner}, not ${PUBLISHER}`);
  return dataset;
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

const startHub = () =>
  forkHub({
    databaseUrl: databaseUrl(),
    pool: settings.pool,
    logLevel: settings.logLevel,
    nodeOptions: settings.hubNodeOptions,
  });

/**
 * Which code was measured: src/ changes while benchmarks run (ingest moved from jsonb_to_recordset to COPY
 * staging), so the results say the commit, whether the tree differed, and the files that matter.
 */
async function sourceFingerprint() {
  const files = [
    'src/sync/ingest.ts',
    'src/sync/parse.ts',
    'src/sync/validate.ts',
    'src/sync/export.ts',
    'src/http/bulk.ts',
  ];
  const ingest = readFileSync(join(ROOT, 'src/sync/ingest.ts'), 'utf8');
  const { commit, changed } = await gitState(ROOT, ['src']);
  return {
    commit,
    changed,
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
// The database side of the checks

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
// HTTP

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
async function publishFile(
  hub: ForkedHub,
  key: string,
  batchKey: string,
  files: LoadFiles,
): Promise<{ status: number; body: PublishReply }> {
  const sent = sendBatch(hub.base, key, DATASET, batchKey, {
    data: { file: files.ndjson, bytes: files.ndjsonBytes },
  });
  const { status, text } = await sent.answer;
  if (status === 0) throw new Error(`publish: no answer (${text})`);
  try {
    return { status, body: JSON.parse(text) as PublishReply };
  } catch {
    throw new Error(`publish: HTTP ${status}, not JSON: ${text.slice(0, 300)}`);
  }
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
function readExport(hub: ForkedHub, key: string, dataset: Dataset): Promise<ExportRead> {
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

const PUBLISH_MUTATION = `mutation SyncBench($dataset: String!, $batchKey: String!, $records: [JSONObject!]!) {
  publish(dataset: $dataset, batchKey: $batchKey, records: $records) {
    status replayed received accepted inserted updated unchanged deleted rejectedCount
    rejections { line field reason }
  }
}`;

// ---------------------------------------------------------------------------------------------------------
// Figures

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
// The benchmark

export async function run(): Promise<void> {
  const url = databaseUrl();
  const started = Date.now();
  const loadBefore = os.loadavg();
  const dataset = benchDataset();
  const runId = `${Date.now().toString(36)}`;
  console.log(`\n== sync: streaming publish vs COPY, export memory, GraphQL batch (${redacted(url)})`);
  await prepareBenchDatabase(url, 'JINGTU_BENCH_DATABASE_URL');
  const admin = postgres(url, { max: 1, onnotice: () => {} });
  const dir = mkdtempSync(join(os.tmpdir(), 'jingtu-bench-sync-'));
  const hubs: ForkedHub[] = [];
  let key: BenchKey | undefined;
  try {
    const source = await sourceFingerprint();
    console.log(
      `code: ${source.commit}${source.changed.length ? ` + ${source.changed.length} changed files in src/` : ''}, ` +
        `ingest stages through ${source.staging}`,
    );
    key = (await createKeys(url, [PUBLISHER], 'bench:sync'))[PUBLISHER];
    const publisherKey = key.key;
    const small = smallRows();
    const generating = performance.now();
    const provenance = { publisher: PUBLISHER, batch: 'bench-sync-copy' };
    const full = await writeLoadFiles(dataset, dir, settings.rows, provenance);
    const part = await writeLoadFiles(dataset, dir, small, provenance);
    console.log(
      `data: ${thousands(full.rows)} ${DATASET} rows (${fixed(mib(full.ndjsonBytes))} MiB NDJSON, ` +
        `${fixed(mib(full.copyBytes))} MiB COPY text) and the first ${thousands(small)}, ` +
        `made in ${fixed((performance.now() - generating) / 1000)} s; publisher ${PUBLISHER} (key ${key.id})`,
    );

    // --- 1. streaming publish vs COPY -------------------------------------------------------------------
    const hub = await startHub();
    hubs.push(hub);
    // The checksum of the first load of each file, which every later load of it must equal.
    const expectations = new Map<LoadFiles, { checksum?: string }>([
      [full, {}],
      [part, {}],
    ]);
    const expected = (files: LoadFiles) => expectations.get(files) ?? {};
    const loadHub = async (files: LoadFiles, batchKey: string) => {
      await emptyTable(admin, dataset);
      const begin = performance.now();
      const { status, body } = await publishFile(hub, publisherKey, batchKey, files);
      const seconds = (performance.now() - begin) / 1000;
      const problems = publishProblems(body, files.rows);
      if (status !== 200) problems.unshift(`HTTP ${status}`);
      if (problems.length) throw new Error(`hub publish ${batchKey}: ${problems.join('; ')}`);
      checkState(await tableState(admin, dataset), files.rows, expected(files), `hub publish ${batchKey}`);
      return seconds;
    };
    const loadCopy = async (files: LoadFiles) => {
      await emptyTable(admin, dataset);
      const begin = performance.now();
      await hub.copy(files.copy, dataset.table, loadColumns(dataset));
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
    const exportAt = async (files: LoadFiles) => {
      for (let round = 1; round <= settings.exportRounds; round++) {
        const exporter = await startHub();
        hubs.push(exporter);
        const pid = exporter.pid;
        // Let the start settle (lazy compilation, the pool's first connection) before the baseline.
        await sleep(1000);
        const baseline = memoryOf(pid).rss;
        const heapBefore = await exporter.memory();
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
          exporter.memory().then(
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
          read = await readExport(exporter, publisherKey, dataset);
        } finally {
          clearInterval(sampler);
          clearInterval(heapSampler);
        }
        const seconds = (performance.now() - begin) / 1000;
        const peak = reset ? Math.max(memoryOf(pid).hwm, sampled) : sampled;
        const heapAfter = await exporter.memory();
        await exporter.stop();
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
    const recordAt = generatedRecords(dataset);
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
      const answer = await post(`${hub.base}/graphql`, body, jsonHeaders(publisherKey));
      const milliseconds = performance.now() - begin;
      const { status } = answer;
      let reply: GraphqlBody<{ publish?: PublishReply }>;
      try {
        reply = JSON.parse(answer.text) as GraphqlBody<{ publish?: PublishReply }>;
      } catch {
        throw new Error(`GraphQL publish: HTTP ${status}, not JSON: ${answer.text.slice(0, 300)}`);
      }
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

    await hub.stop();
    hubs.splice(hubs.indexOf(hub), 1);

    // --- report --------------------------------------------------------------------------------------------
    const publish = {
      hubRowsPerSecond: spread(publishRounds.map((r) => r.hubRowsPerSecond)),
      copyRowsPerSecond: spread(publishRounds.map((r) => r.copyRowsPerSecond)),
      ratio: spread(publishRounds.map((r) => r.ratio)),
      target: TARGET_PUBLISH_RATIO,
      met: median(publishRounds.map((r) => r.ratio)) >= TARGET_PUBLISH_RATIO,
    };
    const exportOf = (rows: number) => {
      const rounds = exportRounds.filter((r) => r.rows === rows);
      return {
        rows,
        rowsPerSecond: spread(rounds.map((r) => r.rowsPerSecond)),
        peakMiB: spread(rounds.map((r) => r.peakMiB)),
        baselineMiB: spread(rounds.map((r) => r.baselineMiB)),
        /** What the export itself adds to the idle hub. */
        aboveIdleMiB: spread(rounds.map((r) => r.peakMiB - r.baselineMiB)),
        heapTotalPeakMiB: spread(rounds.map((r) => r.heap.peak.heapTotal)),
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
      metMemory:
        exportFull.aboveIdleMiB.max <= TARGET_EXPORT_MIB && exportSmall.aboveIdleMiB.max <= TARGET_EXPORT_MIB,
      metFlat: growth <= FLAT_TOLERANCE,
    };
    const graphql = {
      records: settings.graphqlRecords,
      requestBytes: graphqlBytes,
      milliseconds: spread(graphqlRounds.map((r) => r.milliseconds)),
      rowsPerSecond: spread(graphqlRounds.map((r) => r.rowsPerSecond)),
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
          [`export ${thousands(part.rows)} rows: peak RSS MiB`, range(exportSmall.peakMiB, fixed), '', ''],
          [`export ${thousands(full.rows)} rows: peak RSS MiB`, range(exportFull.peakMiB, fixed), '', ''],
          ['export: idle hub RSS MiB', range(spread(exportRounds.map((r) => r.baselineMiB)), fixed), '', ''],
          [
            `export ${thousands(part.rows)} rows: peak − idle MiB`,
            range(exportSmall.aboveIdleMiB, fixed),
            `≤ ${TARGET_EXPORT_MIB}`,
            exportSmall.aboveIdleMiB.max <= TARGET_EXPORT_MIB ? 'met' : 'NOT MET',
          ],
          [
            `export ${thousands(full.rows)} rows: peak − idle MiB`,
            range(exportFull.aboveIdleMiB, fixed),
            `≤ ${TARGET_EXPORT_MIB}`,
            exportFull.aboveIdleMiB.max <= TARGET_EXPORT_MIB ? 'met' : 'NOT MET',
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
    const loadAfter = os.loadavg();
    console.log(loadLine(loadBefore, loadAfter));

    const results = {
      benchmark: 'sync',
      date: new Date().toISOString(),
      machine: machine(loadBefore, loadAfter),
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
        copyBytes: full.copyBytes,
        columns: loadColumns(dataset),
        hub: 'child process (createHub), NODE_ENV=production, loopback; COPY runs in it, on its pool',
      },
      settings,
      publish: { ...publish, rounds: publishRounds },
      export: { ...exportSummary, rounds: exportRounds },
      graphql: { ...graphql, rounds: graphqlRounds },
      seconds: Math.round((Date.now() - started) / 1000),
    };
    writeResults('sync', results);
  } finally {
    await Promise.all(hubs.map((hub) => hub.stop()));
    await revokeKeys(url, key ? [key] : []);
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

runIfMain(import.meta.url, run);
