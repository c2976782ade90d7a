/**
 * What metrics and tracing cost a request, counted in instructions (issue 17): the hub run as deployed
 * (`jingtu serve`, built) under valgrind's callgrind, which counts the instructions every thread of the
 * process executes. Run it on a quiet machine: a run with the caches simulated beside two CPU benchmarks
 * (2026-12-07) counted 22 M instructions in a metrics hub's request, 6.8 M of them in full collections,
 * against 9.5 M in a quiet run without the simulation; what the collector and the timers do in a request
 * depends on how long it takes, which a loaded machine and the simulation make much longer. CPU time on this
 * shared two-CPU machine moves by ±4% between two identical hub processes (bench/levers.ts, lever `aa`), more
 * than the 3% asked about, in short rounds of young processes; a count of instructions does not: the same
 * code answering the same requests executes the same instructions, but for the collector, whose full
 * (mark-compact) collections come when the heap says, not per request. So the instructions are told apart:
 * the scavenges (the young generation, collected every few requests), the full collections (their marking,
 * sweeping and compaction, on whichever thread), and the rest (the hub's code, V8's compiler, Node, libuv,
 * the kernel calls' user side). Instructions are not time (a cache miss costs more than an add): with
 * BENCH_INSTRUCTIONS_CACHE=1 callgrind also simulates the caches and the branch predictor (this machine's
 * sizes) and the cycles are estimated from what hit where (estimatedCycles). Both are read beside the levers'
 * CPU figures, not instead of them.
 *
 * For each side, twice (A B A B): the hub started under callgrind with nothing instrumented, W1 (100
 * permits × 10 fields as PLANNING, compare's query) sent BENCH_INSTRUCTIONS_WARMUP times (V8 optimises what
 * runs hot, graphql-jit compiles the query), its /readyz asked and (a hub with metrics) its /metrics scraped
 * every 250 of them, instrumentation on, 20 more requests, the counters zeroed, BENCH_INSTRUCTIONS_REQUESTS
 * requests counted (every answer checked), the counts dumped.
 *
 * Levers (BENCH_INSTRUCTIONS_LEVER):
 *   metrics  A: metrics kept (the default); B: JINGTU_METRICS=off
 *   tracing  A: tracing on, the default sampler (one request in a hundred), spans sent over OTLP/HTTP to a
 *            receiver in this process that drops them; B: tracing off
 *   aa       A and B identical: what the method itself moves
 *
 *   npm run bench -- instructions     (or: node --import tsx bench/instructions.ts)
 *
 * Environment: BENCH_INSTRUCTIONS_LEVER (metrics), BENCH_INSTRUCTIONS_REQUESTS (500), BENCH_INSTRUCTIONS_WARMUP
 * (1000), BENCH_INSTRUCTIONS_CONNECTIONS (2), BENCH_INSTRUCTIONS_CACHE (1: the caches and the branch predictor
 * simulated too, about twice as slow), BENCH_LEVERS_NODE24 (1: the hubs on Node 24),
 * BENCH_COMPARE_DATABASE_URL (compare's: run `npm run bench -- compare` once first), BENCH_RESULTS_DIR.
 * Needs valgrind (Debian's package).
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { until } from '../test/support/process.js';
import { benchDatabaseUrl, redacted } from './support/database.js';
import { envNumber } from './support/env.js';
import { jsonHeaders } from './support/http.js';
import { otlpReceiver, received } from './support/hub.js';
import { type BenchKey, createKeys, revokeKeys } from './support/keys.js';
import { node24 } from './support/node24.js';
import { PERMIT_CONSUMER, permitConsumer, W1_QUERY } from './support/permits.js';
import { killOnExit, serveEnv, stopChild } from './support/processes.js';
import { loadLine, machine, runIfMain, writeResults } from './support/report.js';
import { fixed, median, table } from './support/stats.js';

type Side = 'A' | 'B';

interface Lever {
  what: string;
  /** The environment of side A's and side B's hub. */
  env: (side: Side) => Promise<Record<string, string>>;
  /** Whether the side's /metrics is scraped during the warm-up (as Prometheus scrapes a hub with metrics). */
  scraped?: (side: Side) => boolean;
}

const LEVERS: Record<string, Lever> = {
  metrics: {
    what: 'metrics kept (A) against JINGTU_METRICS=off (B)',
    env: async (side) => ({ JINGTU_METRICS: side === 'A' ? 'on' : 'off' }),
    scraped: (side) => side === 'A',
  },
  tracing: {
    what: "tracing on, the hub's default sampler, spans sent over OTLP (A) against tracing off (B)",
    env: async (side): Promise<Record<string, string>> =>
      side === 'A' ? { OTEL_EXPORTER_OTLP_ENDPOINT: await otlpReceiver() } : {},
  },
  aa: {
    what: 'two identical hubs (A/A)',
    env: async () => ({}),
  },
};

const settings = {
  lever: process.env.BENCH_INSTRUCTIONS_LEVER || 'metrics',
  requests: envNumber('BENCH_INSTRUCTIONS_REQUESTS', 500, { integer: true, min: 50 }),
  warmup: envNumber('BENCH_INSTRUCTIONS_WARMUP', 1000, { integer: true, min: 0 }),
  connections: envNumber('BENCH_INSTRUCTIONS_CONNECTIONS', 2, { integer: true, min: 1 }),
  /** Callgrind's cache and branch simulation (BENCH_INSTRUCTIONS_CACHE=1): a cycle estimate. */
  cache: process.env.BENCH_INSTRUCTIONS_CACHE === '1',
  runsPerSide: 2,
};

/**
 * The caches simulated: this machine's first-level caches (32 KiB, 8-way, as valgrind finds them) and its
 * 32 MiB last-level cache (lscpu: AMD EPYC, L3 32 MiB), which valgrind, inside this virtual machine, reads as
 * 256 MiB direct-mapped; 16-way is what such an L3 is.
 */
const CACHES = ['--I1=32768,8,64', '--D1=32768,8,64', '--LL=33554432,16,64'];

/** Callgrind's events under cache and branch simulation, per request. */
interface Events {
  /** Instructions, data reads and writes. */
  Ir: number;
  Dr: number;
  Dw: number;
  /** First-level misses: instruction reads, data reads, data writes. */
  I1mr: number;
  D1mr: number;
  D1mw: number;
  /** Last-level misses (to memory). */
  ILmr: number;
  DLmr: number;
  DLmw: number;
  /** Conditional and indirect branches, and their mispredictions. */
  Bc: number;
  Bcm: number;
  Bi: number;
  Bim: number;
}

/**
 * Cycles estimated from the simulated caches, as iai (the Rust crate that benchmarks by callgrind in CI)
 * estimates them: an access that hits the first-level cache 1 cycle, one that hits the last level 5, one that
 * goes to memory 35. Mispredicted branches (10 to 30 cycles each, in cachegrind's manual) are not in it;
 * they are shown apart.
 */
function estimatedCycles(events: Events): number {
  const memory = events.ILmr + events.DLmr + events.DLmw;
  const lastLevel = events.I1mr + events.D1mr + events.D1mw - memory;
  const firstLevel = events.Ir + events.Dr + events.Dw - lastLevel - memory;
  return firstLevel + 5 * lastLevel + 35 * memory;
}

/** The totals line of a callgrind dump, by event name (present when the caches were simulated). */
function eventsOf(file: string): Events | undefined {
  const text = readFileSync(file, 'utf8');
  const names = text.match(/^events: (.*)$/m)?.[1].split(' ');
  const totals = text
    .match(/^totals: (.*)$/m)?.[1]
    .split(' ')
    .map(Number);
  if (!names || !totals || !names.includes('ILmr') || !names.includes('Bim')) return undefined;
  return Object.fromEntries(names.map((name, i) => [name, totals[i] ?? 0])) as unknown as Events;
}

/** Requests of the warm-up between two health checks (and scrapes). */
const WARMUP_VISITS = 250;

/** Where the collector's instructions are told apart from the rest, by the function (V8's C++ names). */
const FULL_COLLECTION =
  /Marking|MarkCompact|Sweep|Compaction|IncrementalMarking|PointersUpdating|UpdatingItem|Evacuat(?!eInPlace)|RememberedSet/;
const SCAVENGE = /Scaveng|EvacuateInPlace/;

interface Counted {
  total: number;
  scavenge: number;
  fullCollection: number;
  rest: number;
  /** Under cache simulation: every event's total, and the cycles estimated from them. */
  events?: Events;
  cycles?: number;
}

/** The instructions of a callgrind dump by function, summed into the three parts. */
function countsOf(file: string): Counted {
  const annotated = execFileSync('callgrind_annotate', ['--inclusive=no', '--threshold=100', file], {
    encoding: 'utf8',
    maxBuffer: 256 * 2 ** 20,
  });
  const counted: Counted = { total: 0, scavenge: 0, fullCollection: 0, rest: 0 };
  for (const line of annotated.split('\n')) {
    const match = line.match(/^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*)$/);
    if (!match || match[2].includes('PROGRAM TOTALS')) continue;
    const instructions = Number(match[1].replaceAll(',', ''));
    const part = FULL_COLLECTION.test(match[2])
      ? 'fullCollection'
      : SCAVENGE.test(match[2])
        ? 'scavenge'
        : 'rest';
    counted[part] += instructions;
    counted.total += instructions;
  }
  return counted;
}

/** A dump's counts per request: its instructions by part, and its simulated events if there are any. */
function perRequest(file: string, requests: number): Counted {
  const counted = countsOf(file);
  const events = eventsOf(file);
  const each = events
    ? (Object.fromEntries(
        Object.entries(events).map(([name, n]) => [name, n / requests]),
      ) as unknown as Events)
    : undefined;
  return {
    total: counted.total / requests,
    scavenge: counted.scavenge / requests,
    fullCollection: counted.fullCollection / requests,
    rest: counted.rest / requests,
    ...(each ? { events: each, cycles: estimatedCycles(each) } : {}),
  };
}

/** The Node the hubs run on: npm's node@24 (BENCH_LEVERS_NODE24=1) or this one. */
const hubNode = () => (process.env.BENCH_LEVERS_NODE24 === '1' ? node24() : process.execPath);

const databaseUrl = () =>
  benchDatabaseUrl('BENCH_COMPARE_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/jt_bench_compare');

/** One hub under callgrind: warmed up, then BENCH_INSTRUCTIONS_REQUESTS W1 requests counted. */
async function countOne(
  url: string,
  key: string,
  env: Record<string, string>,
  scraped: boolean,
): Promise<Counted> {
  const dir = mkdtempSync(join(tmpdir(), 'jingtu-callgrind-'));
  const port = 20000 + Math.floor(Math.random() * 20000);
  const node = hubNode();
  const hub = spawn(
    'valgrind',
    [
      '--tool=callgrind',
      // V8 writes the machine code it runs: valgrind must see it change
      '--smc-check=all-non-file',
      '--instr-atstart=no',
      ...(settings.cache ? ['--cache-sim=yes', '--branch-sim=yes', ...CACHES] : []),
      `--callgrind-out-file=${join(dir, 'callgrind.%p')}`,
      node,
      'bin/jingtu.js',
      'serve',
    ],
    {
      env: { ...process.env, ...serveEnv('silent', { DATABASE_URL: url, PORT: String(port), ...env }) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  killOnExit(hub);
  let stderr = '';
  hub.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const base = `http://127.0.0.1:${port}`;
  try {
    await until(
      async () => {
        if (hub.exitCode !== null) throw new Error(`the hub under callgrind ended: ${stderr}`);
        return fetch(`${base}/readyz`).then(
          (response) => response.ok,
          () => false,
        );
      },
      5 * 60_000,
      'the hub under callgrind to be ready',
    );
    const body = JSON.stringify({ query: W1_QUERY });
    const send = async (count: number) => {
      let sent = 0;
      await Promise.all(
        Array.from({ length: settings.connections }, async () => {
          while (sent < count) {
            sent++;
            const response = await fetch(`${base}/graphql`, {
              method: 'POST',
              headers: jsonHeaders(key),
              body,
            });
            const answer = (await response.json()) as {
              data?: { constructionPermits?: { nodes?: unknown[] } };
            };
            if (response.status !== 200 || answer.data?.constructionPermits?.nodes?.length !== 100)
              throw new Error(`a wrong answer: ${response.status} ${JSON.stringify(answer).slice(0, 300)}`);
          }
        }),
      );
    };
    const control = (...args: string[]) =>
      execFileSync('callgrind_control', [...args, String(hub.pid)], { stdio: 'ignore' });
    // The warm-up as a deployed hub lives it: its health checked, and its metrics scraped if it keeps them,
    // every WARMUP_VISITS requests (a hub optimised for W1 alone would meet its first other request in the
    // count: bench/support/hub.ts). Their own cost (a scrape every 15 s) is not in the count.
    for (let done = 0; done < settings.warmup; done += WARMUP_VISITS) {
      await send(Math.min(WARMUP_VISITS, settings.warmup - done));
      for (const path of scraped ? ['/readyz', '/metrics'] : ['/readyz']) {
        const response = await fetch(`${base}${path}`);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`${path}: ${response.status}`);
      }
    }
    control('--instr=on');
    await send(20);
    control('--zero');
    await send(settings.requests);
    control('--dump');
    // the dump is the first part written after the start: callgrind.<pid>.1
    const dumped = join(dir, `callgrind.${hub.pid}.1`);
    await until(() => existsSync(dumped), 10_000, "callgrind's dump");
    return perRequest(dumped, settings.requests);
  } finally {
    await stopChild(hub, 30_000);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<void> {
  const lever = LEVERS[settings.lever];
  if (!lever) throw new Error(`BENCH_INSTRUCTIONS_LEVER: one of ${Object.keys(LEVERS).join(', ')}`);
  try {
    execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error('the instructions benchmark needs valgrind (Debian: apt-get install valgrind)');
  }
  // the hub as deployed: bin/jingtu.js runs the built code
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  const url = databaseUrl();
  const loadBefore = (await import('node:os')).loadavg();
  const on24 = process.env.BENCH_LEVERS_NODE24 === '1' ? ', the hubs on Node 24' : '';
  console.log(`\n== instructions: ${settings.lever}, ${lever.what}${on24} (${redacted(url)})`);
  const monitor = postgres(url, { max: 1, onnotice: () => {} });
  let keys: Record<string, BenchKey> = {};
  try {
    const [{ n }] = await monitor<{ n: number }[]>`select count(*)::int as n from construction_permit`;
    if (n < 1000)
      throw new Error(`${redacted(url)} holds ${n} permits: run \`npm run bench -- compare\` first`);
    keys = await createKeys(url, [PERMIT_CONSUMER], 'bench:instructions');
    const key = keys[PERMIT_CONSUMER].key;
    await permitConsumer(url, key, 'bench:instructions');
    const runs: { side: Side; counted: Counted }[] = [];
    for (let round = 0; round < settings.runsPerSide; round++) {
      for (const side of ['A', 'B'] as const) {
        const counted = await countOne(url, key, await lever.env(side), lever.scraped?.(side) ?? false);
        runs.push({ side, counted });
        console.log(
          `  ${side}: ${fixed(counted.total / 1e6, 3)} M instructions per request (scavenges ${fixed(counted.scavenge / 1e6, 3)} M, full collections ${fixed(counted.fullCollection / 1e6, 3)} M, the rest ${fixed(counted.rest / 1e6, 3)} M)${counted.cycles ? `, ${fixed(counted.cycles / 1e6, 3)} M cycles estimated` : ''}`,
        );
      }
    }
    const of = (side: Side, value: (counted: Counted) => number) =>
      median(runs.filter((r) => r.side === side).map((r) => value(r.counted)));
    const event = (value: (events: Events) => number) => (side: Side) =>
      of(side, (counted) => (counted.events ? value(counted.events) : Number.NaN));
    const parts: [string, (side: Side) => number][] = [
      ['instructions: all', (side) => of(side, (c) => c.total)],
      ['all but full collections', (side) => of(side, (c) => c.total - c.fullCollection)],
      ['the rest (not the collector)', (side) => of(side, (c) => c.rest)],
      ['scavenges', (side) => of(side, (c) => c.scavenge)],
      ['full collections', (side) => of(side, (c) => c.fullCollection)],
      ...(settings.cache
        ? ([
            ['cycles estimated from the simulated caches', (side) => of(side, (c) => c.cycles ?? Number.NaN)],
            ['first-level cache misses', event((e) => e.I1mr + e.D1mr + e.D1mw)],
            ['last-level cache misses (to memory)', event((e) => e.ILmr + e.DLmr + e.DLmw)],
            ['branches mispredicted', event((e) => e.Bcm + e.Bim)],
          ] as [string, (side: Side) => number][])
        : []),
    ];
    console.log(
      `\n${lever.what}${on24}: W1, ${settings.requests} requests counted per run after ${settings.warmup}, ${settings.connections} at a time, ${settings.runsPerSide} runs per side (medians)\n`,
    );
    console.log(
      table(
        ['per request', 'A (M)', 'B (M)', 'A ÷ B'],
        parts.map(([name, value]) => [
          name,
          fixed(value('A') / 1e6, 3),
          fixed(value('B') / 1e6, 3),
          value('B') > 0 ? fixed(value('A') / value('B'), 3) : '—',
        ]),
        1,
      ),
    );
    if (settings.lever === 'tracing')
      console.log(`OTLP receiver: ${received.requests} exports, ${fixed(received.bytes / 1024, 1)} KiB`);
    const loadAfter = (await import('node:os')).loadavg();
    console.log(loadLine(loadBefore, loadAfter));
    writeResults(`instructions-${settings.lever}`, {
      benchmark: 'instructions',
      lever: settings.lever,
      what: lever.what,
      date: new Date().toISOString(),
      machine: machine(loadBefore, loadAfter),
      node: execFileSync(hubNode(), ['--version'], { encoding: 'utf8' }).trim(),
      settings,
      summary: Object.fromEntries(
        parts.map(([name, value]) => [
          name,
          { A: value('A'), B: value('B'), ratio: value('A') / value('B') },
        ]),
      ),
      runs,
    });
  } finally {
    await revokeKeys(url, Object.values(keys));
    await monitor.end({ timeout: 5 });
  }
}

runIfMain(import.meta.url, run);
