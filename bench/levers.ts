/**
 * One lever of the hub's speed at a time (issue 16), measured side by side: two hubs over the same database,
 * each in a child process of its own, identical but for the lever, loaded with autocannon over loopback at
 * the same time (both under the same machine: what a neighbour takes, it takes from both), round after round.
 * Every two rounds the pair is forked anew (the order of their start alternating): a process keeps what it
 * happened to be for its life (where its memory lies, what V8 optimised and when, which CPU it shares with
 * PostgreSQL), and an A/A run of one pair of processes for all rounds measured one identical hub 6% dearer
 * than the other (2026-12-06); over twenty pairs that comes out in the wash. BENCH_LEVER_TOGETHER=0 loads
 * them in turn instead (the order alternating: A B, B A, …). Two of compare's workloads, as compare asks
 * them, over its database (bench/compare.ts loads it; run compare once first). Both hubs are health-checked
 * (/readyz every BENCH_PROBE_SECONDS) as a load balancer checks a deployed hub, so that neither answers
 * nothing but the query it is loaded with (bench/support/hub.ts).
 *
 *   W1  100 construction permits × 10 fields, as PLANNING (open, masked and granted fields)
 *   W6  one permit by its permit number, a different one per request (1,000 sampled numbers)
 *
 * Per workload: the median over the rounds of req/s(A) ÷ req/s(B), and CPU time per request of each hub's
 * process and of its PostgreSQL backends over all the rounds (what a lever costs: the hubs share two CPUs,
 * so under load together req/s shares them too), with a 95% interval of the hubs' CPU ratio over the pairs of
 * processes (a bootstrap: how far one run can be trusted). Every answer under load is checked for its status and row
 * count, and both hubs' answers are compared once per pair (the same JSON).
 *
 * Levers (BENCH_LEVER):
 *   jit   A: queries compiled by graphql-jit (JINGTU_JIT=on, the default); B: graphql-js runs everything
 *   node  A: the hub on Node 24 (npm's node@24, cached where .ci/smoke-node24.sh caches it); B: on the Node
 *         that runs the benchmark
 *   keycheck  A: a key's principal and grants read on every request (as deployed); B: once per key (never
 *         deployed: a revocation would not count), the most that folding the read into another could gain
 *   audit A: the audit trail (as deployed); B: none, the most that pipelining its insert could gain
 *   metrics  A: metrics kept, /metrics scraped every 15 s (BENCH_METRICS_SCRAPE_SECONDS; 0: never) from the
 *         benchmark's process as Prometheus would (as deployed); B: JINGTU_METRICS=off
 *   aa    A and B identical: the noise of the machine, against which a lever's ratios are read
 *   tracing  A: tracing on (OpenTelemetry, src/tracing), its spans sent over OTLP/HTTP to a receiver in the
 *         benchmark's process that drops them, the hub's default sampler (one request in a hundred) or as
 *         BENCH_TRACES_SAMPLER and BENCH_TRACES_SAMPLER_ARG say (OTEL_TRACES_SAMPLER's values, e.g. always_on);
 *         B: tracing off (no endpoint, the default)
 *   code  A: this checkout; B: the checkout at BENCH_LEVER_BASELINE (another commit, or this one without a
 *         change, with its own `npm ci`): a change that is no setting, e.g. a patch of a dependency
 *
 *   npm run bench -- levers      (or: node --import tsx bench/levers.ts)
 *
 * Environment: BENCH_LEVER (jit), BENCH_LEVER_BASELINE (for code), BENCH_TRACES_SAMPLER(_ARG) (for tracing),
 * BENCH_METRICS_SCRAPE_SECONDS (for metrics), BENCH_LEVERS_NODE24 (1: both hubs on Node 24), BENCH_LEVER_ROUNDS
 * (10; 40 at most), BENCH_LEVER_FORKS (pairs of processes: half the rounds), BENCH_LEVER_TOGETHER (1; 0: in
 * turn), BENCH_PROBE_SECONDS (10: both hubs' /readyz asked that often, as a load balancer does; 0: never),
 * BENCH_SECONDS (3 per hub per round),
 * BENCH_WARMUP_SECONDS (3), BENCH_CONNECTIONS (10), BENCH_POOL (10), BENCH_COMPARE_DATABASE_URL (compare's),
 * BENCH_RESULTS_DIR.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Options } from 'autocannon';
import postgres from 'postgres';
import { benchDatabaseUrl, redacted } from './support/database.js';
import { envNumber, roundSettings } from './support/env.js';
import { jsonHeaders, post } from './support/http.js';
import { type ForkedHub, forkHub, type HubSettings, received } from './support/hub.js';
import { type BenchKey, createKeys, revokeKeys } from './support/keys.js';
import { measureLoad } from './support/measure.js';
import { node24 } from './support/node24.js';
import { PERMIT_CONSUMER, PERMIT_FIELDS, permitConsumer, W1_QUERY } from './support/permits.js';
import { loadLine, machine, runIfMain, writeResults } from './support/report.js';
import { fixed, median, percentile, spread, sum, table } from './support/stats.js';

/** The tracing lever's sampler (OpenTelemetry's OTEL_TRACES_SAMPLER values), and its words. */
const SAMPLER = process.env.BENCH_TRACES_SAMPLER || undefined;
function sampling(): string {
  const argument = process.env.BENCH_TRACES_SAMPLER_ARG;
  if (!SAMPLER) return "the hub's default sampler (one request in a hundred)";
  return SAMPLER === 'always_on'
    ? 'every request traced'
    : `sampler ${SAMPLER}${argument ? ` ${argument}` : ''}`;
}

/** What each lever changes: the settings of hub A and hub B. */
interface Lever {
  what: string;
  a: () => Partial<HubSettings>;
  b: () => Partial<HubSettings>;
}

const LEVERS: Record<string, Lever> = {
  jit: {
    what: 'graphql-jit (A) against graphql-js (B)',
    a: () => ({ jit: true }),
    b: () => ({ jit: false }),
  },
  node: {
    what: `Node 24 (A) against this Node, ${process.version} (B)`,
    a: () => ({ execPath: node24() }),
    b: () => ({}),
  },
  keycheck: {
    what: 'the key read on every request (A) against once per key (B: the most that folding it away could gain)',
    a: () => ({}),
    b: () => ({ keyCheckEveryRequest: false }),
  },
  audit: {
    what: 'the audit trail (A) against none (B: the most that pipelining its insert could gain)',
    a: () => ({}),
    b: () => ({ audit: false }),
  },
  metrics: {
    what: 'metrics kept and scraped every 15 s (A) against JINGTU_METRICS=off (B)',
    a: () => ({
      metrics: true,
      metricsScrapeSeconds: envNumber('BENCH_METRICS_SCRAPE_SECONDS', 15, { min: 0 }),
    }),
    b: () => ({ metrics: false }),
  },
  aa: {
    what: 'two identical hubs (A/A): what the machine alone moves the ratios by',
    a: () => ({}),
    b: () => ({}),
  },
  tracing: {
    what: `tracing, ${sampling()}, spans sent over OTLP (A) against tracing off (B)`,
    a: () => ({ tracing: { sampler: SAMPLER, argument: process.env.BENCH_TRACES_SAMPLER_ARG } }),
    b: () => ({}),
  },
  code: {
    what: `this checkout (A) against ${process.env.BENCH_LEVER_BASELINE ?? 'BENCH_LEVER_BASELINE'} (B)`,
    a: () => ({}),
    b: () => ({ root: baseline() }),
  },
};

/** The checkout hub B runs for the lever `code`. */
function baseline(): string {
  const root = process.env.BENCH_LEVER_BASELINE;
  if (!root || !existsSync(join(root, 'node_modules')))
    throw new Error(
      'BENCH_LEVER=code: set BENCH_LEVER_BASELINE to a checkout with its node_modules installed',
    );
  return root;
}

const settings = {
  ...roundSettings({ variable: 'BENCH_LEVER_ROUNDS', fallback: 10, max: 40 }, 3),
  lever: process.env.BENCH_LEVER || 'jit',
};
const tuning = {
  /** Pairs of hub processes the rounds are shared among (a fresh pair every rounds ÷ forks rounds). */
  forks: Math.min(
    envNumber('BENCH_LEVER_FORKS', Math.ceil(settings.rounds / 2), { integer: true }),
    settings.rounds,
  ),
  /** Both hubs loaded at the same time (1, the default) or in turn (0). */
  together: process.env.BENCH_LEVER_TOGETHER !== '0',
  /** Both hubs' /readyz asked every this many seconds, as a load balancer asks (0: never). */
  probeSeconds: envNumber('BENCH_PROBE_SECONDS', 10, { min: 0 }),
};

const databaseUrl = () =>
  benchDatabaseUrl('BENCH_COMPARE_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/jt_bench_compare');

interface Workload {
  name: string;
  title: string;
  /** The autocannon requests, and the rows every answer must hold. */
  requests(key: string): Options['requests'];
  body(key: string): string;
  rows(answer: { data?: Record<string, { nodes?: unknown[] } | null> }): number;
  expectedRows: number;
}

function workloads(permitNumbers: string[]): Workload[] {
  const fields = PERMIT_FIELDS.join(' ');
  const list = W1_QUERY;
  const lookup = `query W6($permitNo: String!) { constructionPermit(permitNo: $permitNo) { ${fields} } }`;
  let next = 0;
  const w6Body = () =>
    JSON.stringify({ query: lookup, variables: { permitNo: permitNumbers[next++ % permitNumbers.length] } });
  return [
    {
      name: 'W1',
      title: '100 permits × 10 fields',
      body: () => JSON.stringify({ query: list }),
      requests: () => [{ method: 'POST', path: '/graphql', body: JSON.stringify({ query: list }) }],
      rows: (answer) => answer.data?.constructionPermits?.nodes?.length ?? 0,
      expectedRows: 100,
    },
    {
      name: 'W6',
      title: 'one permit by permitNo',
      body: w6Body,
      requests: () => [
        { method: 'POST', path: '/graphql', setupRequest: (request) => ({ ...request, body: w6Body() }) },
      ],
      rows: (answer) => (answer.data?.constructionPermit ? 1 : 0),
      expectedRows: 1,
    },
  ];
}

interface Side {
  rps: number;
  requests: number;
  cpuMicros: number;
  dbCpuMicros: number;
  wrong: number;
}

type Hub = 'A' | 'B';
const HUBS: readonly Hub[] = ['A', 'B'];

interface Round {
  workload: string;
  /** The order the hubs were loaded in (together: both at once, the order is only their start's). */
  order: string;
  /** The pair of hub processes that ran it (1 …). */
  pair: number;
  A: Side;
  B: Side;
}

/** The hub process's CPU time per request, in µs. */
function cpuPerRequest(side: Side): number {
  return side.cpuMicros / side.requests;
}

/** CPU per request of A over B's over rounds: each hub's CPU over all its requests. */
function cpuRatio(rounds: readonly Round[]): number {
  const perRequest = (side: Hub) =>
    sum(rounds.map((r) => r[side].cpuMicros)) / sum(rounds.map((r) => r[side].requests));
  return perRequest('A') / perRequest('B');
}

/**
 * A 95% interval of the CPU ratio (a percentile bootstrap): the pairs of processes drawn again with
 * replacement, 2,000 times. A pair is what varies (a process keeps its luck for its life), so pairs, not
 * rounds, are drawn; with 20 pairs the interval of an A/A run on this machine is about ±1.7%.
 */
function pairInterval(rounds: readonly Round[]): { low: number; high: number } {
  const byPair = new Map<number, Round[]>();
  for (const r of rounds) byPair.set(r.pair, [...(byPair.get(r.pair) ?? []), r]);
  const pairs = [...byPair.values()];
  const ratios: number[] = [];
  for (let draw = 0; draw < 2000; draw++) {
    const drawn = pairs.flatMap(() => pairs[Math.floor(Math.random() * pairs.length)]);
    ratios.push(cpuRatio(drawn));
  }
  ratios.sort((a, b) => a - b);
  return { low: percentile(ratios, 0.025), high: percentile(ratios, 0.975) };
}

/** Names a hub's database connections, so that their backends' CPU is found. */
function applicationOf(side: Hub): string {
  return `jt_bench_lever_${side}`;
}

function hubSettings(url: string, side: Hub, lever: Lever): HubSettings {
  return {
    name: `hub ${side}`,
    databaseUrl: url,
    pool: settings.pool,
    logLevel: 'silent',
    rateLimit: false,
    applicationName: applicationOf(side),
    // both health-checked, as deployed behind a load balancer (bench/support/hub.ts: why it matters)
    probeSeconds: tuning.probeSeconds,
    // both on Node 24 (BENCH_LEVERS_NODE24=1), as the README asks users to run the hub
    ...(process.env.BENCH_LEVERS_NODE24 === '1' ? { execPath: node24() } : {}),
    ...(side === 'A' ? lever.a() : lever.b()),
  };
}

/** Each workload's answer, the same from both hubs (once per pair). */
async function sameAnswers(loads: Workload[], key: string, hubs: Partial<Record<Hub, ForkedHub>>) {
  for (const workload of loads) {
    const body = workload.body(key);
    const answers = await Promise.all(
      HUBS.map((side) => post(`${hubs[side]?.base}/graphql`, body, jsonHeaders(key))),
    );
    const [a, b] = answers.map((answer) =>
      JSON.stringify((JSON.parse(answer.text) as { data: unknown }).data),
    );
    if (a !== b)
      throw new Error(
        `${workload.name}: the hubs answer differently:\nA ${a.slice(0, 300)}\nB ${b.slice(0, 300)}`,
      );
  }
}

async function stopHubs(hubs: Partial<Record<Hub, ForkedHub>>): Promise<void> {
  await Promise.all(Object.values(hubs).map((hub) => hub.stop()));
  for (const side of HUBS) delete hubs[side];
}

export async function run(): Promise<void> {
  const lever = LEVERS[settings.lever];
  if (!lever) throw new Error(`BENCH_LEVER: one of ${Object.keys(LEVERS).join(', ')}`);
  const url = databaseUrl();
  const loadBefore = (await import('node:os')).loadavg();
  const on24 = process.env.BENCH_LEVERS_NODE24 === '1' ? ', both hubs on Node 24' : '';
  console.log(`\n== levers: ${settings.lever}, ${lever.what}${on24} (${redacted(url)})`);
  const monitor = postgres(url, { max: 1, onnotice: () => {} });
  const hubs: Partial<Record<Hub, ForkedHub>> = {};
  let keys: Record<string, BenchKey> = {};
  try {
    const [{ n }] = await monitor<{ n: number }[]>`select count(*)::int as n from construction_permit`;
    if (n < 1000)
      throw new Error(`${redacted(url)} holds ${n} permits: run \`npm run bench -- compare\` first`);
    const sample = await monitor<{ permit_no: string }[]>`
      select permit_no from construction_permit where not deleted order by md5(permit_no) limit 1000`;
    keys = await createKeys(url, [PERMIT_CONSUMER], 'bench:levers');
    const key = keys[PERMIT_CONSUMER].key;
    await permitConsumer(url, key, 'bench:levers');
    const loads = workloads(sample.map((r) => r.permit_no));
    const load = async (workload: Workload, side: Hub, seconds: number): Promise<Side> => {
      const hub = hubs[side];
      if (!hub) throw new Error(`hub ${side} is not running`);
      const measured = await measureLoad(
        {
          url: `${hub.base}/graphql`,
          connections: settings.connections,
          duration: seconds,
          headers: jsonHeaders(key),
          requests: workload.requests(key),
          verifyBody: (body) => {
            const answer = JSON.parse(body) as { data?: never; errors?: unknown[] };
            return !answer.errors && workload.rows(answer) === workload.expectedRows;
          },
        },
        hub.pid,
        { sql: monitor, application: applicationOf(side) },
      );
      return {
        rps: measured.rps,
        requests: measured.requests,
        cpuMicros: measured.cpuMicros,
        dbCpuMicros: measured.dbCpuMicros ?? 0,
        wrong: measured.mismatches + measured.non2xx + measured.errors,
      };
    };
    /** Both hubs under a workload: at the same time (BENCH_LEVER_TOGETHER), or one after the other. */
    const loadBoth = async (workload: Workload, seconds: number, order: readonly Hub[]) => {
      if (tuning.together) {
        // started in the round's order too: the side whose load starts first is not always the same
        const [first, second] = await Promise.all(order.map((side) => load(workload, side, seconds)));
        return order[0] === 'A' ? { A: first, B: second } : { A: second, B: first };
      }
      const sides = {} as Record<Hub, Side>;
      for (const side of order) sides[side] = await load(workload, side, seconds);
      return sides;
    };
    const rounds: Round[] = [];
    let round = 0;
    for (let pair = 1; pair <= tuning.forks; pair++) {
      // A fresh pair of processes every so many rounds, forked in alternating order: what a process happens
      // to be (where its memory lies, what V8 optimised and when, which CPU it shares with whom) stays with
      // it for its life, and only comes out in the wash over several pairs.
      const forkOrder = pair % 2 ? HUBS : ([...HUBS].reverse() as Hub[]);
      for (const side of forkOrder) hubs[side] = await forkHub(hubSettings(url, side, lever));
      await sameAnswers(loads, key, hubs);
      for (const workload of loads) await loadBoth(workload, settings.warmupSeconds, forkOrder);
      const last = Math.round((pair * settings.rounds) / tuning.forks);
      while (round < last) {
        round++;
        const order = round % 2 ? HUBS : ([...HUBS].reverse() as Hub[]);
        for (const workload of loads) {
          const sides = await loadBoth(workload, settings.seconds, order);
          rounds.push({ workload: workload.name, order: order.join(''), pair, ...sides });
          console.log(
            `  round ${round} (pair ${pair}) ${workload.name}${tuning.together ? '' : ` (${order.join(' → ')})`}: A ${fixed(sides.A.rps)} req/s, B ${fixed(sides.B.rps)} req/s, A/B ${fixed(sides.A.rps / sides.B.rps, 3)}, CPU per request A/B ${fixed(cpuPerRequest(sides.A) / cpuPerRequest(sides.B), 3)}`,
          );
        }
      }
      await stopHubs(hubs);
    }
    const summary = loads.map((workload) => {
      const mine = rounds.filter((r) => r.workload === workload.name);
      const perRequest = (side: 'A' | 'B', what: 'cpuMicros' | 'dbCpuMicros') =>
        sum(mine.map((r) => r[side][what])) / 1000 / sum(mine.map((r) => r[side].requests));
      const ratios = mine.map((r) => r.A.rps / r.B.rps);
      return {
        workload: workload.name,
        title: workload.title,
        rpsRatio: spread(ratios),
        rps: { A: median(mine.map((r) => r.A.rps)), B: median(mine.map((r) => r.B.rps)) },
        cpuMsPerRequest: { A: perRequest('A', 'cpuMicros'), B: perRequest('B', 'cpuMicros') },
        // per round, whose median a round disturbed by the machine moves less than the totals
        cpuRatioPerRound: spread(mine.map((r) => cpuPerRequest(r.A) / cpuPerRequest(r.B))),
        // how far the CPU ratio can be trusted: the pairs of processes resampled
        cpuRatioInterval: pairInterval(mine),
        dbCpuMsPerRequest: { A: perRequest('A', 'dbCpuMicros'), B: perRequest('B', 'dbCpuMicros') },
        wrong: sum(mine.map((r) => r.A.wrong + r.B.wrong)),
      };
    });
    console.log(
      `\n${lever.what}: ${settings.rounds} rounds × ${settings.seconds} s per hub and workload, ${settings.connections} connections per hub, ${tuning.forks} pairs of processes, ${tuning.together ? 'both hubs loaded at once' : 'the hubs loaded in turn'}, ${tuning.probeSeconds ? `both health-checked every ${tuning.probeSeconds} s` : 'no health checks'}\n`,
    );
    console.log(
      table(
        [
          'workload',
          'req/s A / B',
          'A ÷ B median (min–max)',
          'CPU ms/req A / B',
          'CPU A ÷ B',
          '95% interval (pairs)',
          'CPU A ÷ B per round, median (min–max)',
          'DB CPU ms/req A / B',
          'wrong',
        ],
        summary.map((s) => [
          `${s.workload} ${s.title}`,
          `${fixed(s.rps.A)} / ${fixed(s.rps.B)}`,
          `${fixed(s.rpsRatio.median, 3)} (${fixed(s.rpsRatio.min, 3)}–${fixed(s.rpsRatio.max, 3)})`,
          `${fixed(s.cpuMsPerRequest.A, 2)} / ${fixed(s.cpuMsPerRequest.B, 2)}`,
          fixed(s.cpuMsPerRequest.A / s.cpuMsPerRequest.B, 3),
          `${fixed(s.cpuRatioInterval.low, 3)}–${fixed(s.cpuRatioInterval.high, 3)}`,
          `${fixed(s.cpuRatioPerRound.median, 3)} (${fixed(s.cpuRatioPerRound.min, 3)}–${fixed(s.cpuRatioPerRound.max, 3)})`,
          `${fixed(s.dbCpuMsPerRequest.A, 2)} / ${fixed(s.dbCpuMsPerRequest.B, 2)}`,
          String(s.wrong),
        ]),
        1,
      ),
    );
    if (settings.lever === 'tracing')
      console.log(
        `OTLP receiver: ${received.requests} exports, ${fixed(received.bytes / 2 ** 20, 1)} MiB of spans (hub A's)`,
      );
    const loadAfter = (await import('node:os')).loadavg();
    console.log(loadLine(loadBefore, loadAfter));
    writeResults(`levers-${settings.lever}`, {
      benchmark: 'levers',
      lever: settings.lever,
      what: lever.what,
      date: new Date().toISOString(),
      machine: machine(loadBefore, loadAfter),
      node: process.version,
      hubsOnNode24: process.env.BENCH_LEVERS_NODE24 === '1',
      settings: { ...settings, ...tuning },
      summary,
      rounds,
      ...(settings.lever === 'tracing' ? { otlp: received } : {}),
    });
    const wrong = sum(summary.map((s) => s.wrong));
    if (wrong) throw new Error(`${wrong} answers under load were wrong (status, errors or rows)`);
  } finally {
    await stopHubs(hubs);
    await revokeKeys(url, Object.values(keys));
    await monitor.end({ timeout: 5 });
  }
}

runIfMain(import.meta.url, run);
