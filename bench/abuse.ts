/**
 * Abuse (issue 11, item 3): other callers' latency while uploads stall mid-body and gzip bombs arrive, on
 * the embedded database and on a server.
 *
 * For each database, a real `jingtu serve` process (bench/support/processes.ts):
 * - embedded: an empty data folder in /tmp, so the hub loads the demo data and writes its demo keys;
 * - server: a throwaway PostgreSQL cluster of its own (test/support/pgCluster.ts; never the suite's `test`
 *   database), keys from this checkout's key service (src/access/keys.ts).
 * Both with jobs and the rate limit off and JINGTU_MAX_PUBLISHES=16, so that all ten stalled uploads and
 * the bombs hold publish slots (the default, half the pool, would refuse five of them at once with 503);
 * every other setting is the default: the upload idle timeout of 60 s outlasts a phase, so the ten stalls
 * stall for the whole of it.
 *
 * HOUSING first publishes 500 construction permits through the bulk endpoint. Then BENCH_ABUSE_SECONDS
 * of each of two conditions, in BENCH_ABUSE_ROUNDS rounds that alternate them (the machine is shared and
 * its load drifts: alternating weighs the drift on both alike):
 * 1. without abuse: the other callers (PLANNING, WATER, ECOLOGY in turn) ask for a page of 20 permits at
 *    BENCH_ABUSE_RATE requests per second in all, open loop (a request is sent on schedule whatever the
 *    ones before it are doing);
 * 2. with abuse: the same queries while HOUSING keeps ten uploads stalled mid-body (half of a 2,000-permit
 *    NDJSON body sent, then nothing; one the hub cuts or refuses is opened again) and sends a gzip bomb (a
 *    0.5 MB body inflating to 512 MiB: three permits, then newlines) every BENCH_ABUSE_BOMB_EVERY seconds.
 * Every answer of the other callers is checked (HTTP 200, no errors, 20 permits): a failed or wrong one
 * fails the benchmark, as does a bomb not refused with 413 or any permit of a stalled upload or a bomb in
 * the table afterwards. The figure is the other callers' p99 with the abuse over their p99 without it.
 *
 *   npm run bench -- abuse                                    (2 × 60 s per database, about 6 minutes)
 *   BENCH_ABUSE_SECONDS=15 npm run bench -- abuse            (a quick run)
 *
 * Environment: BENCH_ABUSE_SECONDS (60), BENCH_ABUSE_RATE (20 requests/s), BENCH_ABUSE_STALLS (10),
 * BENCH_ABUSE_BOMB_EVERY (2 s), BENCH_ABUSE_ROUNDS (3), BENCH_ABUSE_DATABASES (embedded,server), BENCH_ABUSE_HUB_ROOT (the folder
 * whose bin/jingtu.js runs the hub: this repository; another checkout measures another version),
 * BENCH_LOG_LEVEL (warn). Results: bench/results/abuse.json (BENCH_ABUSE_RESULTS: another file).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { startThrowawayCluster, type ThrowawayCluster } from '../test/support/pgCluster.js';
import type { HubProcess } from '../test/support/process.js';
import { sampleRecord } from '../test/support/records.js';
import { sendBatch } from './support/batches.js';
import { datasetNamed } from './support/data.js';
import { envNumber } from './support/env.js';
import { type GraphqlBody, graphql, jsonHeaders, post } from './support/http.js';
import { createKeys, demoKeys } from './support/keys.js';
import { serveEnv, sleep, spawnServe } from './support/processes.js';
import { gitState, machine, ROOT, runIfMain, writeResults } from './support/report.js';
import { countBy, latency, round } from './support/stats.js';

type DatabaseKind = 'embedded' | 'server';

function readSettings() {
  const databases = (process.env.BENCH_ABUSE_DATABASES || 'embedded,server')
    .split(',')
    .map((name) => name.trim())
    .filter(Boolean);
  for (const name of databases) {
    if (name !== 'embedded' && name !== 'server') {
      throw new Error(`BENCH_ABUSE_DATABASES lists embedded and/or server, not ${JSON.stringify(name)}`);
    }
  }
  return {
    seconds: envNumber('BENCH_ABUSE_SECONDS', 60, { min: 5, max: 600 }),
    rate: envNumber('BENCH_ABUSE_RATE', 20, { min: 1, max: 200 }),
    stalls: envNumber('BENCH_ABUSE_STALLS', 10, { min: 0, max: 100, integer: true }),
    bombEverySeconds: envNumber('BENCH_ABUSE_BOMB_EVERY', 2, { min: 0.1, max: 60 }),
    rounds: envNumber('BENCH_ABUSE_ROUNDS', 3, { min: 1, max: 20, integer: true }),
    databases: databases as DatabaseKind[],
    hubRoot: resolve(process.env.BENCH_ABUSE_HUB_ROOT || ROOT),
    hubLogLevel: process.env.BENCH_LOG_LEVEL || 'warn',
    /** An answer later than this counts as failed (the hub's own request deadline is 30 s). */
    queryTimeoutMs: 40_000,
    fixturePermits: 500,
    pageSize: 20,
  };
}
type Settings = ReturnType<typeof readSettings>;

const CALLERS = ['PLANNING', 'WATER', 'ECOLOGY'];
const PUBLISHER = 'HOUSING';
const permits = datasetNamed('constructionPermit');

function permitLines(marker: string, count: number): string {
  const lines: string[] = [];
  for (let n = 0; n < count; n++) {
    const {
      publisher: _p,
      sourceRecordId: _s,
      syncBatch: _b,
      ...values
    } = sampleRecord(permits, `${marker}-${n}`);
    lines.push(JSON.stringify(values));
  }
  return `${lines.join('\n')}\n`;
}

/** Three permits, then 512 MiB of newlines as gzip members of one MiB each: about 0.5 MB in all. */
function gzipBomb(marker: string): Buffer {
  const mebibyte = gzipSync(Buffer.alloc(1024 * 1024, 0x0a), { level: 9 });
  return Buffer.concat([gzipSync(permitLines(marker, 3)), ...Array.from({ length: 512 }, () => mebibyte)]);
}

// ---------------------------------------------------------------------------------------------------------
// The other callers

interface QueryOutcome {
  ms: number;
  ok: boolean;
  problem?: string;
}

const PAGE_QUERY = (first: number) =>
  `{ constructionPermits(first: ${first}) { nodes { permitNo projectName district } } }`;

async function oneQuery(url: string, key: string, settings: Settings): Promise<QueryOutcome> {
  const started = performance.now();
  try {
    const body = JSON.stringify({ query: PAGE_QUERY(settings.pageSize) });
    const answer = await post(`${url}/graphql`, body, jsonHeaders(key), settings.queryTimeoutMs);
    const ms = performance.now() - started;
    if (answer.status !== 200) return { ms, ok: false, problem: `HTTP ${answer.status}` };
    const parsed = JSON.parse(answer.text) as GraphqlBody<{ constructionPermits?: { nodes?: unknown[] } }>;
    if (parsed.errors?.length) return { ms, ok: false, problem: 'GraphQL errors' };
    const nodes = parsed.data?.constructionPermits?.nodes?.length ?? 0;
    if (nodes !== settings.pageSize)
      return { ms, ok: false, problem: `${nodes} permits, not ${settings.pageSize}` };
    return { ms, ok: true };
  } catch (error) {
    return { ms: performance.now() - started, ok: false, problem: (error as Error).name || 'failed' };
  }
}

/** Queries of the other callers on an open-loop schedule for `seconds`; resolves with every outcome. */
async function otherCallers(
  url: string,
  keys: Record<string, string>,
  seconds: number,
  settings: Settings,
): Promise<QueryOutcome[]> {
  const interval = 1000 / settings.rate;
  const total = Math.round(seconds * settings.rate);
  const start = performance.now();
  const pending: Promise<QueryOutcome>[] = [];
  for (let i = 0; i < total; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    pending.push(oneQuery(url, keys[CALLERS[i % CALLERS.length]], settings));
  }
  return Promise.all(pending);
}

// ---------------------------------------------------------------------------------------------------------
// The abuse

interface UploadOutcome {
  status: number;
  reason: string | null;
  ms: number;
}

/** POSTs a publish; `stall` sends only `body` (no end) and waits for the hub's answer or `abandon()`. */
function upload(
  url: string,
  key: string,
  batchKey: string,
  body: Buffer,
  options: { gzip?: boolean; stall?: boolean },
) {
  const sent = sendBatch(url, key, 'constructionPermit', batchKey, { data: body, ...options });
  const answer = sent.answer.then(({ status, text, ms }): UploadOutcome => {
    // Without an answer, the text says why (the connection's error code).
    if (status === 0) return { status, reason: text, ms };
    try {
      const first = (JSON.parse(text) as GraphqlBody).errors?.[0];
      return { status, reason: first?.extensions?.reason ?? first?.extensions?.code ?? null, ms };
    } catch {
      return { status, reason: null, ms };
    }
  });
  return { answer, abandon: sent.abandon };
}

/** Ten (settings.stalls) uploads kept stalled mid-body, and a gzip bomb every few seconds, until `stop()`. */
function startAbuse(url: string, key: string, batchId: string, runId: string, settings: Settings) {
  let stopped = false;
  const stallAnswers: UploadOutcome[] = [];
  const bombAnswers: UploadOutcome[] = [];
  const open = new Set<() => void>();
  const full = Buffer.from(permitLines(`ABUSE-${runId}-S`, 2000));
  const half = full.subarray(0, full.lastIndexOf(0x0a, full.length / 2) + 1);
  let opened = 0;
  const stallLoops = Array.from({ length: settings.stalls }, async (_, slot) => {
    while (!stopped) {
      const attempt = upload(url, key, `abuse-${batchId}-stall-${slot}-${opened++}`, half, { stall: true });
      open.add(attempt.abandon);
      const outcome = await attempt.answer;
      open.delete(attempt.abandon);
      if (stopped) break;
      stallAnswers.push(outcome);
      attempt.abandon();
      // One the hub answered at once (503: no slot) is not sent again in a tight loop.
      if (outcome.ms < 1000) await sleep(1000);
    }
  });
  const bomb = gzipBomb(`ABUSE-${runId}-B`);
  const bombLoop = (async () => {
    for (let n = 0; !stopped; n++) {
      const started = performance.now();
      // A bomb in flight at the end is waited for, not abandoned: its answer counts.
      const outcome = await upload(url, key, `abuse-${batchId}-bomb-${n}`, bomb, { gzip: true }).answer;
      bombAnswers.push(outcome);
      const wait = settings.bombEverySeconds * 1000 - (performance.now() - started);
      if (wait > 0 && !stopped) await sleep(wait);
    }
  })();
  return {
    bombBytes: bomb.length,
    stalledBytes: half.length,
    async stop() {
      stopped = true;
      for (const abandon of open) abandon();
      await Promise.all([...stallLoops, bombLoop]);
      return { stallAnswers, bombAnswers, stallsOpened: opened };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Hubs

interface RunningHub {
  hub: HubProcess;
  keys: Record<string, string>;
  close(): Promise<void>;
}

/** Stalls and bombs hold publish slots: 16, so that all ten stalls get one (the default would refuse five). */
const hubEnv = (settings: Settings) => serveEnv(settings.hubLogLevel, { JINGTU_MAX_PUBLISHES: '16' });

async function embeddedHub(settings: Settings): Promise<RunningHub> {
  const dataDir = mkdtempSync(join(os.tmpdir(), 'jingtu-bench-abuse-'));
  const hub = await spawnServe(
    { ...hubEnv(settings), DATABASE_URL: '', JINGTU_DATA_DIR: dataDir },
    settings.hubRoot,
  );
  return {
    hub,
    // The first start of an empty embedded hub writes a demo key per department (src/http/serve.ts).
    keys: demoKeys(dataDir),
    async close() {
      await hub.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function serverHub(settings: Settings): Promise<RunningHub> {
  const cluster: ThrowawayCluster = await startThrowawayCluster();
  try {
    const hub = await spawnServe({ ...hubEnv(settings), DATABASE_URL: cluster.url }, settings.hubRoot);
    const made = await createKeys(cluster.url, [...CALLERS, PUBLISHER], 'bench:abuse');
    return {
      hub,
      keys: Object.fromEntries(Object.entries(made).map(([code, { key }]) => [code, key])),
      async close() {
        await hub.stop();
        await cluster.stop();
      },
    };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** Permits whose number holds `marker` in the table, as HOUSING (the owner) counts them. */
async function permitsMarked(url: string, key: string, marker: string): Promise<number> {
  const { body } = await graphql<{ constructionPermits?: { totalCount?: number } }>(
    url,
    key,
    'query($s: String) { constructionPermits(filter: { search: $s }) { totalCount } }',
    { s: marker },
  );
  const total = body.data?.constructionPermits?.totalCount;
  if (typeof total !== 'number') throw new Error(`could not count permits: ${JSON.stringify(body)}`);
  return total;
}

async function measure(
  kind: DatabaseKind,
  settings: Settings,
  runId: string,
  fail: (message: string) => void,
) {
  console.log(
    `\n${kind}: starting the hub (${settings.hubRoot === ROOT ? 'this repository' : settings.hubRoot})`,
  );
  const running = kind === 'embedded' ? await embeddedHub(settings) : await serverHub(settings);
  const { hub, keys } = running;
  try {
    for (const principal of [...CALLERS, PUBLISHER]) {
      if (!keys[principal]) throw new Error(`no key for ${principal}`);
    }
    // The fixture: permits every caller reads.
    const fixture = upload(
      hub.url,
      keys[PUBLISHER],
      `fixture-${runId}`,
      Buffer.from(permitLines(`FIXTURE-${runId}`, settings.fixturePermits)),
      {},
    );
    const published = await fixture.answer;
    const fixtureCount = await permitsMarked(hub.url, keys[PUBLISHER], `FIXTURE-${runId}`);
    if (published.status !== 200 || fixtureCount !== settings.fixturePermits) {
      // Also checks the count the benchmark relies on to show that no abuse applied anything.
      throw new Error(
        `the fixture was not published: HTTP ${published.status}, ${fixtureCount} permits found`,
      );
    }
    // Warm-up: every caller once.
    for (const caller of CALLERS) await oneQuery(hub.url, keys[caller], settings);

    // Rounds alternate without and with the abuse, so that the machine's drift weighs on both alike.
    const slice = settings.seconds / settings.rounds;
    const baseline: QueryOutcome[] = [];
    const during: QueryOutcome[] = [];
    const abused = {
      stallAnswers: [] as UploadOutcome[],
      bombAnswers: [] as UploadOutcome[],
      stallsOpened: 0,
    };
    const rounds: { round: number; p99Without: number | null; p99With: number | null }[] = [];
    let abuse: ReturnType<typeof startAbuse> | undefined;
    for (let round = 1; round <= settings.rounds; round++) {
      console.log(`${kind}: round ${round}: ${slice} s without abuse, then ${slice} s with it`);
      const quiet = await otherCallers(hub.url, keys, slice, settings);
      abuse = startAbuse(hub.url, keys[PUBLISHER], `${runId}${round}`, runId, settings);
      // Let the stalls take their slots before the clock starts.
      await sleep(1000);
      const loud = await otherCallers(hub.url, keys, slice, settings);
      const stopped = await abuse.stop();
      baseline.push(...quiet);
      during.push(...loud);
      abused.stallAnswers.push(...stopped.stallAnswers);
      abused.bombAnswers.push(...stopped.bombAnswers);
      abused.stallsOpened += stopped.stallsOpened;
      rounds.push({
        round,
        p99Without: latency(quiet.map((q) => q.ms)).p99,
        p99With: latency(loud.map((q) => q.ms)).p99,
      });
      // The abandoned stalls' connections close before the next quiet slice.
      await sleep(1000);
    }
    const applied = await permitsMarked(hub.url, keys[PUBLISHER], `ABUSE-${runId}`);

    const base = latency(baseline.map((q) => q.ms));
    const withAbuse = latency(during.map((q) => q.ms));
    const failedBase = baseline.filter((q) => !q.ok);
    const failedDuring = during.filter((q) => !q.ok);
    const bombs = abused.bombAnswers;
    const bombsRefused = bombs.filter((b) => b.status === 413 && b.reason === 'EXPANSION_TOO_HIGH').length;
    const result = {
      database: kind,
      baseline: {
        ...base,
        failed: failedBase.length,
        problems: countBy(failedBase, (q) => q.problem ?? '?'),
      },
      abuse: {
        ...withAbuse,
        failed: failedDuring.length,
        problems: countBy(failedDuring, (q) => q.problem ?? '?'),
      },
      p99Ratio: base.p99 && withAbuse.p99 ? round(withAbuse.p99 / base.p99, 2) : null,
      p50Ratio: base.p50 && withAbuse.p50 ? round(withAbuse.p50 / base.p50, 2) : null,
      rounds,
      stalls: {
        kept: settings.stalls,
        bytesSentEach: abuse?.stalledBytes,
        opened: abused.stallsOpened,
        answeredDuringPhase: countBy(abused.stallAnswers, (s) => `${s.status} ${s.reason ?? ''}`.trim()),
      },
      bombs: {
        sent: bombs.length,
        bytesEach: abuse?.bombBytes,
        inflatesToMiB: 512,
        refused413: bombsRefused,
        answers: countBy(bombs, (b) => `${b.status} ${b.reason ?? ''}`.trim()),
        answerMs: latency(bombs.map((b) => b.ms)),
      },
      abusePermitsApplied: applied,
    };
    console.log(
      `${kind}: other callers p50/p99/max ${base.p50}/${base.p99}/${base.max} ms without abuse, ` +
        `${withAbuse.p50}/${withAbuse.p99}/${withAbuse.max} ms with it: p99 ratio ${result.p99Ratio} ` +
        `(${failedBase.length} and ${failedDuring.length} failed of ${baseline.length} and ${during.length}); ` +
        `bombs ${bombsRefused} of ${bombs.length} refused with 413 in p50 ${result.bombs.answerMs.p50} ms; ` +
        `stalls opened ${abused.stallsOpened}; abuse permits applied ${applied}`,
    );
    if (failedBase.length) fail(`${kind}: ${failedBase.length} baseline queries failed`);
    if (failedDuring.length) {
      fail(
        `${kind}: ${failedDuring.length} queries failed under abuse: ${JSON.stringify(result.abuse.problems)}`,
      );
    }
    if (bombsRefused !== bombs.length)
      fail(`${kind}: bombs answered ${JSON.stringify(result.bombs.answers)}`);
    if (applied !== 0) fail(`${kind}: ${applied} permits of stalled uploads or bombs were applied`);
    return result;
  } finally {
    await running.close();
  }
}

export async function run(): Promise<void> {
  const settings = readSettings();
  const runId = randomBytes(4).toString('hex').toUpperCase();
  const loadBefore = os.loadavg();
  const failures: string[] = [];
  const fail = (message: string) => {
    failures.push(message);
    console.log(`  FAIL: ${message}`);
  };
  console.log(
    `abuse: ${settings.databases.join(' and ')}; ${settings.seconds} s baseline + ${settings.seconds} s abuse each; run ${runId}`,
  );
  const results = [];
  for (const kind of settings.databases) results.push(await measure(kind, settings, runId, fail));
  const report = {
    benchmark: 'abuse',
    date: new Date().toISOString(),
    passed: failures.length === 0,
    failures,
    settings: { ...settings, hubRoot: settings.hubRoot === ROOT ? '.' : settings.hubRoot },
    machine: machine(loadBefore),
    node: process.version,
    source: await gitState(settings.hubRoot),
    results,
  };
  console.log();
  writeResults('abuse', report, 'BENCH_ABUSE_RESULTS');
  if (failures.length) throw new Error(`abuse benchmark failed:\n  ${failures.join('\n  ')}`);
}

runIfMain(import.meta.url, run);
