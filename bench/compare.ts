/**
 * The hub side by side with a hand-written ceiling and PostGraphile 5 (issue 6, items 1–2), in one run, on
 * one PostgreSQL database of its own holding generated data (1M pesticide-use rows, 100k plots rezoned to
 * housing or public service, 100k construction permits on those plots):
 *
 * - **hub**: `jingtu serve` (DATABASE_URL, JINGTU_JOBS=off, LOG_LEVEL=silent, JINGTU_RATE_LIMIT=0), as
 *   deployed, with its permissions, masking and audit; queried as PLANNING with a grant on the CONDITIONAL
 *   contactPhone, so the list mixes OPEN fields in clear, masked personal fields and a granted field.
 * - **ceiling**: bench/compare/ceiling.ts, node:http + postgres.js + one SQL query + JSON.stringify, the
 *   same JSON shape; no GraphQL, no permissions.
 * - **postgraphile**: bench/compare/postgraphile.mjs, PostGraphile 5 (Amber preset) over the same tables;
 *   no permissions either. Installed with `node@22` by npm into a scratch folder outside the project.
 *
 * All three run on the same Node binary (Node 22 from npm: PostGraphile needs it), each with a pool of 10,
 * NODE_ENV=production, on loopback. Workloads:
 *
 * - W1: 100 construction permits × 10 fields (list, the hub's default order: issuedOn DESC, id DESC);
 * - W2: 100 construction permits (4 fields) each with its plot (6 fields);
 * - W3: a filtered aggregate over the 1M pesticide-use rows: highly and moderately toxic products on
 *   cultivated land, 2020–2024, per district and year (row count, sums of amountKg and areaMu). The hub's
 *   `pesticideUseAggregate`; the ceiling's one GROUP BY; PostGraphile's `groupedAggregates` from
 *   @graphile/pg-aggregates 0.2.0-rc.2 (its first release for PostGraphile 5) with the range and list
 *   filters of postgraphile-plugin-connection-filter 4 (`condition` only tests equality), both installed in
 *   the scratch folder. pg-aggregates has no row count: PostGraphile counts `distinctCount { rowId }`
 *   (count(distinct id), the same number), and sorts no groups (the check sorts them). The GraphQL overhead
 *   on W3 is measured one request at a time: each server's median latency against the SQL time of the
 *   statement (run from this process, unprepared like the hub's, and EXPLAIN ANALYZE's planning and
 *   execution time), paired round by round. The hub's latency includes what every request costs it (HTTP,
 *   the key lookup, the audit insert), not only GraphQL: its statements are counted below.
 * - W6: one construction permit by its permit number, a different one per request (1,000 sampled keys).
 *
 * Measurement: a warm-up per server and workload, then rounds of autocannon (fixed connections, a few
 * seconds per server), the order of the servers rotated every round; medians with min and max over the
 * rounds of the req/s ratios hub/ceiling and hub/PostGraphile, p50/p99 latency, each server process's CPU
 * time per request (/proc/<pid>/stat) and that of its PostgreSQL backends (found by application_name),
 * and peak RSS (VmHWM). SQL statements per request come from a separate pass in which each server talks
 * to PostgreSQL through a counting proxy (bench/compare/pgproxy.ts: Execute and simple Query messages).
 * Every response under load is checked for errors and its row count; after every round one response
 * per server and workload is compared, normalised, with the others: equal content (the hub's masking
 * applied to the others' clear values, since they have no permissions).
 *
 * Where the work differs (beyond permissions, masking and audit, which only the hub does): the hub reads
 * the selected columns and also `id` and `publisher` (its masking and per-row rules read the publisher),
 * the others the selected columns only; all order `issued_on DESC, id DESC` and read W2's plot in the
 * page's statement (a join); PostGraphile's plot link and lookup by permitNo do not test `deleted` (no row
 * is deleted here), the ceiling's and the hub's do.
 *
 *   npm run bench -- compare                 (or: node --import tsx bench/compare.ts)
 *
 * Environment: BENCH_COMPARE_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/jt_bench_compare,
 * created when missing; never `test` or `postgres`), BENCH_PG5_DIR (scratch folder for node@22 and
 * postgraphile; default /work/scratch/pg5, or one under the system's temporary folder),
 * BENCH_COMPARE_ROUNDS (6), BENCH_SECONDS (3 per server per round), BENCH_WARMUP_SECONDS (3),
 * BENCH_CONNECTIONS (10), BENCH_POOL (10), BENCH_COMPARE_WORKLOADS (W1,W2,W3,W6), BENCH_COUNT_REQUESTS (50),
 * BENCH_SEQUENTIAL_REQUESTS (60), BENCH_COMPARE_SCALE (1: the data's sizes; 0.01 for a quick run),
 * BENCH_COMPARE_NODE (node@22: the Node the three servers run on, from npm), BENCH_COMPARE_RESULTS (the results file; default bench/results/compare.json), BENCH_PROFILE=1 (the hub runs
 * under `node --cpu-prof` for the whole run; its profile's top entries are printed, the file kept in
 * <results>/profiles/compare-hub.cpuprofile).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import autocannon, { type Options } from 'autocannon';
import postgres from 'postgres';
import { maskValue } from '../src/access/masking.js';
import type { MaskRule } from '../src/catalog/types.js';
import { type DataReport, ensureData, scaledSizes } from './compare/data.js';
import { startCountingProxy } from './compare/pgproxy.js';
import { formatProfileSummary, summariseProfile } from './cpuprofile.js';
import { datasetNamed } from './support/data.js';
import { benchDatabaseUrl, databaseName, prepareBenchDatabase, redacted } from './support/database.js';
import { envNumber, roundSettings } from './support/env.js';
import { jsonHeaders, post } from './support/http.js';
import { createKeys, revokeKeys } from './support/keys.js';
import { measureLoad, peakRssMiB, urlNaming } from './support/measure.js';
import { PERMIT_CONSUMER, PERMIT_FIELDS, PERMITS, permitConsumer } from './support/permits.js';
import { killOnExit, sleep, stopChild } from './support/processes.js';
import {
  commandLine,
  loadLine,
  machine,
  ROOT,
  resultsDir,
  runIfMain,
  writeResults,
} from './support/report.js';
import { differences, fixed, median, occurrences, type Spread, spread, table } from './support/stats.js';

const run$ = promisify(execFile);

const THIS_FILE = fileURLToPath(import.meta.url);
const POSTGRAPHILE_VERSION = '5.1.5';
/** PostGraphile's plugins for W3, installed beside it in the scratch folder (not project dependencies). */
const POSTGRAPHILE_PLUGINS = {
  '@graphile/pg-aggregates': '0.2.0-rc.2',
  'postgraphile-plugin-connection-filter': '4.0.1',
} as const;
/** The Node all three servers run on (npm's `node` package): 22 unless BENCH_COMPARE_NODE names another. */
const NODE_PACKAGE = process.env.BENCH_COMPARE_NODE || 'node@22';
if (!/^node@\d+$/.test(NODE_PACKAGE))
  throw new Error(`BENCH_COMPARE_NODE must be node@<major>, not ${NODE_PACKAGE}`);

const settings = {
  ...roundSettings({ variable: 'BENCH_COMPARE_ROUNDS', fallback: 6, max: 30 }, 3),
  countRequests: Math.min(envNumber('BENCH_COUNT_REQUESTS', 50), 1000),
  workloads: (process.env.BENCH_COMPARE_WORKLOADS || 'W1,W2,W3,W6').split(',').map((w) => w.trim()),
  /** W3's requests one at a time per server, for the GraphQL overhead. */
  sequentialRequests: Math.min(envNumber('BENCH_SEQUENTIAL_REQUESTS', 60), 1000),
  /** The data's sizes, as a fraction of 1M pesticide-use rows and 100k plots and permits. */
  scale: envNumber('BENCH_COMPARE_SCALE', 1, { min: 0.01, max: 1 }),
  /** CPU-profile the hub over the whole run (node --cpu-prof) and print where its time went per request. */
  profile: process.env.BENCH_PROFILE === '1',
};

/** Where the hub's CPU profile goes (BENCH_PROFILE=1). */
const PROFILE_FILE = join(resultsDir(), 'profiles', 'compare-hub.cpuprofile');

const databaseUrl = () =>
  benchDatabaseUrl('BENCH_COMPARE_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/jt_bench_compare');

function pg5Dir(): string {
  if (process.env.BENCH_PG5_DIR) return resolve(process.env.BENCH_PG5_DIR);
  // one folder per Node: another Node is another install
  const name = NODE_PACKAGE === 'node@22' ? 'pg5' : `pg5-${NODE_PACKAGE.replace('@', '')}`;
  return existsSync('/work/scratch/pg5')
    ? `/work/scratch/${name}`
    : join(os.tmpdir(), `jingtu-bench-${name}`);
}

// ---------------------------------------------------------------------------------------------------------
// Node 22 and PostGraphile in a scratch folder

interface Toolchain {
  dir: string;
  node: string;
  nodeVersion: string;
  postgraphileVersion: string;
  plugins: Record<string, string>;
}

async function ensureToolchain(): Promise<Toolchain> {
  const dir = pg5Dir();
  const node = join(dir, 'node_modules/node/bin/node');
  const installed = join(dir, 'node_modules/postgraphile/package.json');
  const versionOf = (file: string) =>
    existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : '';
  const version = () => versionOf(installed);
  const plugins = Object.entries(POSTGRAPHILE_PLUGINS);
  const pluginVersion = (name: string) => versionOf(join(dir, 'node_modules', name, 'package.json'));
  if (
    !existsSync(node) ||
    version() !== POSTGRAPHILE_VERSION ||
    plugins.some(([name, wanted]) => pluginVersion(name) !== wanted)
  ) {
    console.log(
      `installing ${NODE_PACKAGE}, postgraphile@${POSTGRAPHILE_VERSION} and ${plugins.map(([n, v]) => `${n}@${v}`).join(', ')} into ${dir} (npm)`,
    );
    mkdirSync(dir, { recursive: true });
    if (!existsSync(join(dir, 'package.json'))) {
      writeFileSync(
        join(dir, 'package.json'),
        `${JSON.stringify({ name: 'jingtu-bench-pg5', private: true, type: 'module' }, null, 2)}\n`,
      );
    }
    await run$(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        NODE_PACKAGE,
        `postgraphile@${POSTGRAPHILE_VERSION}`,
        ...plugins.map(([name, wanted]) => `${name}@${wanted}`),
      ],
      { cwd: dir, maxBuffer: 16 * 1024 * 1024 },
    );
  }
  const { stdout } = await run$(node, ['--version']);
  const nodeVersion = stdout.trim();
  const major = NODE_PACKAGE.split('@')[1];
  if (!nodeVersion.startsWith(`v${major}.`)) throw new Error(`${node} is ${nodeVersion}, not Node ${major}`);
  return {
    dir,
    node,
    nodeVersion,
    postgraphileVersion: version(),
    plugins: Object.fromEntries(plugins.map(([name]) => [name, pluginVersion(name)])),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Servers

type ServerName = 'hub' | 'ceiling' | 'postgraphile';
const SERVERS: ServerName[] = ['hub', 'ceiling', 'postgraphile'];

interface Server {
  name: ServerName;
  base: string;
  child: ChildProcess;
  pid: number;
  application: string;
}

/** Starts one server on the benchmark's Node and resolves when it listens. */
function startServer(
  name: ServerName,
  tools: Toolchain,
  url: string,
  application: string,
  profile = false,
): Promise<Server> {
  const common = { NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', BENCH_POOL: String(settings.pool) };
  const profiling = profile
    ? ['--cpu-prof', `--cpu-prof-dir=${dirname(PROFILE_FILE)}`, `--cpu-prof-name=${basename(PROFILE_FILE)}`]
    : [];
  const launch: Record<ServerName, { args: string[]; env: Record<string, string> }> = {
    hub: {
      args: [...profiling, join(ROOT, 'bin/jingtu.js'), 'serve'],
      env: {
        DATABASE_URL: url,
        JINGTU_DB_POOL: String(settings.pool),
        JINGTU_JOBS: 'off',
        LOG_LEVEL: 'silent',
        JINGTU_RATE_LIMIT: '0',
      },
    },
    ceiling: {
      args: ['--import', 'tsx', join(ROOT, 'bench/compare/ceiling.ts')],
      env: { DATABASE_URL: url },
    },
    postgraphile: {
      args: [join(ROOT, 'bench/compare/postgraphile.mjs')],
      env: { DATABASE_URL: url, PG5_DIR: tools.dir },
    },
  };
  const { args, env } = launch[name];
  const child = spawn(tools.node, args, {
    cwd: ROOT,
    env: { ...process.env, ...common, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  killOnExit(child);
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 90 s`)), 90_000);
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code} before it listened`)));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on('line', (line) => {
      const port =
        /^GraphiQL: http:\/\/[^:]+:(\d+)\//.exec(line)?.[1] ??
        (line.startsWith('{"ready"') ? String((JSON.parse(line) as { port: number }).port) : undefined);
      if (!port) return;
      clearTimeout(timer);
      done({ name, base: `http://127.0.0.1:${port}`, child, pid: child.pid as number, application });
    });
  });
}

/** SIGTERM, then SIGKILL after 5 s. */
const stopServer = (server: Server) => stopChild(server.child, 5_000);

// ---------------------------------------------------------------------------------------------------------
// Workloads: the same question to each server, in its own words

/** W1: the ten fields the permissions benchmark reads too (open, masked, granted). */
const W1_FIELDS = PERMIT_FIELDS;
const W2_PERMIT = ['permitNo', 'projectName', 'issuedOn', 'district'];
const W2_PLOT = ['parcelCode', 'district', 'plannedUse', 'areaM2', 'permitDate', 'address'];
const ROWS = 100;

type Row = Record<string, unknown>;
interface GraphQLAnswer {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: { code?: string } }[];
}

interface Workload {
  name: string;
  title: string;
  /** Rows each answer must hold. */
  rows: number;
  /** Per server: path and request body (for W6, of a given key). */
  request(server: ServerName, key?: string): { path: string; body: string };
  /** The answer's records, as a list, from the server's own shape. */
  records(server: ServerName, answer: GraphQLAnswer): Row[];
  /** Whether requests vary by key (W6). */
  keyed: boolean;
  /** A marker that occurs once per record in every answer of the server (the check under load). */
  marker?: (server: ServerName) => string;
}

const selection = (fields: readonly string[]) => fields.join(' ');
const W2_SELECTION = `${selection(W2_PERMIT)} landUseChange { ${selection(W2_PLOT)} }`;
const PG5_LIST = `allConstructionPermits(first: ${ROWS}, condition: { deleted: false }, orderBy: [ISSUED_ON_DESC, ROW_ID_DESC])`;

function listWorkload(name: string, title: string, fields: string, path: string): Workload {
  return {
    name,
    title,
    rows: ROWS,
    keyed: false,
    request(server) {
      const query =
        server === 'postgraphile'
          ? `query ${name} { ${PG5_LIST} { nodes { ${fields} } } }`
          : `query ${name} { constructionPermits(first: ${ROWS}) { nodes { ${fields} } } }`;
      return { path: server === 'ceiling' ? path : '/graphql', body: JSON.stringify({ query }) };
    },
    records(server, answer) {
      const root =
        answer.data?.[server === 'postgraphile' ? 'allConstructionPermits' : 'constructionPermits'];
      return ((root as { nodes?: Row[] } | null)?.nodes ?? []) as Row[];
    },
  };
}

/** W3's question: the filter, the groups and the aggregates, in each server's words. */
const W3_HUB = `query W3 { pesticideUseAggregate(
  filter: { landCategory: [CULTIVATED], toxicityClass: [HIGH, MODERATE], year: { min: 2020, max: 2024 } }
  groupBy: [DISTRICT, YEAR]) { groups { keys { district year } count sum { amountKg areaMu } } } }`;
const W3_POSTGRAPHILE = `query W3 { allPesticideUses(filter: { deleted: { equalTo: false },
  landCategory: { in: ["CULTIVATED"] }, toxicityClass: { in: ["HIGH", "MODERATE"] },
  year: { greaterThanOrEqualTo: 2020, lessThanOrEqualTo: 2024 } }) {
  groupedAggregates(groupBy: [DISTRICT, YEAR]) { keys distinctCount { rowId } sum { amountKg areaMu } } } }`;
/** The same statement, for the SQL time (the ceiling runs it too). */
const W3_SQL = `select district, year, count(*)::int as count, sum(amount_kg)::float8 as amount_kg,
    sum(area_mu)::float8 as area_mu
  from pesticide_use
  where deleted = false and land_category = 'CULTIVATED' and toxicity_class in ('HIGH', 'MODERATE')
    and year between 2020 and 2024
  group by district, year order by district, year`;

/** Sums to the cent: the servers' plans may add the same numbers in another order. */
const cents = (value: unknown) => Math.round(Number(value) * 100) / 100;

const w3Workload: Workload = {
  name: 'W3',
  title: 'aggregate over 1M pesticide rows: 2 keys, count, 2 sums',
  rows: 0, // the number of groups, counted in the database before the run
  keyed: false,
  marker: (server) => (server === 'postgraphile' ? '"keys":[' : '"district":"'),
  request(server) {
    if (server === 'ceiling') return { path: '/w3', body: JSON.stringify({ query: W3_HUB }) };
    return { path: '/graphql', body: JSON.stringify({ query: server === 'hub' ? W3_HUB : W3_POSTGRAPHILE }) };
  },
  records(server, answer) {
    type Group = { keys: unknown; count?: number; distinctCount?: { rowId: string }; sum: Row };
    const groups =
      server === 'postgraphile'
        ? ((answer.data?.allPesticideUses as { groupedAggregates?: Group[] } | null)?.groupedAggregates ?? [])
        : ((answer.data?.pesticideUseAggregate as { groups?: Group[] } | null)?.groups ?? []);
    return groups
      .map((group) => {
        const [district, year] = Array.isArray(group.keys)
          ? group.keys
          : [(group.keys as Row).district, (group.keys as Row).year];
        return {
          district: String(district),
          year: Number(year),
          count: Number(group.count ?? group.distinctCount?.rowId),
          amountKg: cents(group.sum.amountKg),
          areaMu: cents(group.sum.areaMu),
        };
      })
      .sort((a, b) => (a.district === b.district ? a.year - b.year : a.district < b.district ? -1 : 1));
  },
};

const WORKLOADS: Workload[] = [
  listWorkload('W1', '100 permits × 10 fields', selection(W1_FIELDS), '/w1'),
  listWorkload('W2', '100 permits + their plot (10 fields)', W2_SELECTION, '/w2'),
  w3Workload,
  {
    name: 'W6',
    title: 'one permit by permitNo (10 fields)',
    rows: 1,
    keyed: true,
    request(server, key) {
      const field = server === 'postgraphile' ? 'constructionPermitByPermitNo' : 'constructionPermit';
      const query = `query W6($permitNo: String!) { ${field}(permitNo: $permitNo) { ${selection(W1_FIELDS)} } }`;
      return {
        path: server === 'ceiling' ? '/w6' : '/graphql',
        body: JSON.stringify({ query, variables: { permitNo: key } }),
      };
    },
    records(server, answer) {
      const row =
        answer.data?.[server === 'postgraphile' ? 'constructionPermitByPermitNo' : 'constructionPermit'];
      return row ? [row as Row] : [];
    },
  },
];

// ---------------------------------------------------------------------------------------------------------
// Checking answers

/** The declared decimal fields of the workloads' datasets (numeric columns). */
const DECIMALS = new Set(
  [PERMITS, datasetNamed('landUseChange')].flatMap((dataset) =>
    Object.entries(dataset.fields)
      .filter(([, field]) => field.type === 'number')
      .map(([name]) => name),
  ),
);

/** Decimals as numbers: PostGraphile sends PostgreSQL's numeric as text (BigFloat), the hub as numbers. */
function decimalsAsNumbers(row: Row): Row {
  const copy: Row = {};
  for (const [name, value] of Object.entries(row)) {
    copy[name] =
      DECIMALS.has(name) && typeof value === 'string'
        ? Number(value)
        : value && typeof value === 'object' && !Array.isArray(value)
          ? decimalsAsNumbers(value as Row)
          : value;
  }
  return copy;
}

/** Masks, as the hub does for the consumer, the personal fields the consumer reads masked. */
function masker(masked: string[]): (row: Row) => Row {
  const rules = new Map(masked.map((field) => [field, PERMITS.fields[field]?.mask as MaskRule | undefined]));
  return (row) => {
    const copy: Row = { ...row };
    for (const [field, rule] of rules) if (rule && field in copy) copy[field] = maskValue(rule, copy[field]);
    return copy;
  };
}

/** JSON with sorted keys, for comparing content whatever the order of fields. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Row).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

interface Checker {
  /** Asks every server, checks each answer and that all have the same content; returns the bytes. */
  check(workload: Workload, key?: string): Promise<Record<ServerName, number>>;
}

function checker(
  servers: Server[],
  headersOf: (s: ServerName) => Record<string, string>,
  mask: (r: Row) => Row,
) {
  const result: Checker = {
    async check(workload, key) {
      const contents = new Map<ServerName, Row[]>();
      const bytes = {} as Record<ServerName, number>;
      for (const server of servers) {
        const { path, body } = workload.request(server.name, key);
        const answer = await post(server.base + path, body, headersOf(server.name));
        let parsed: GraphQLAnswer;
        try {
          parsed = JSON.parse(answer.text) as GraphQLAnswer;
        } catch {
          throw new Error(`${server.name} ${workload.name}: not JSON: ${answer.text.slice(0, 200)}`);
        }
        if (answer.status !== 200 || parsed.errors?.length) {
          throw new Error(
            `${server.name} ${workload.name}: HTTP ${answer.status}, errors ${JSON.stringify(parsed.errors)?.slice(0, 400)}`,
          );
        }
        const records = workload.records(server.name, parsed).map(decimalsAsNumbers);
        if (records.length !== workload.rows) {
          throw new Error(`${server.name} ${workload.name}: ${records.length} rows, not ${workload.rows}`);
        }
        if (workload.name === 'W2' && records.some((r) => !r.landUseChange)) {
          throw new Error(`${server.name} W2: a permit without its plot`);
        }
        // The hub masks; the others have no permissions: the same masking applied to their clear values.
        contents.set(server.name, server.name === 'hub' ? records : records.map(mask));
        bytes[server.name] = Buffer.byteLength(answer.text);
      }
      const [first, ...others] = servers;
      const reference = canonical(contents.get(first.name));
      for (const other of others) {
        if (canonical(contents.get(other.name)) !== reference) {
          const diff = differences(contents.get(first.name), contents.get(other.name), 5);
          throw new Error(
            `${workload.name}: ${first.name} and ${other.name} answer different content:\n  ${diff.join('\n  ')}`,
          );
        }
      }
      return bytes;
    },
  };
  return result;
}

/** The check of every response under load: no errors, as many records as asked (ASCII markers only). */
function verifier(workload: Workload, server: ServerName): (body: string) => boolean {
  const marker = workload.marker?.(server) ?? '"permitNo":"';
  return (body) => !body.includes('"errors"') && occurrences(body, marker) === workload.rows;
}

// ---------------------------------------------------------------------------------------------------------
// Measuring

interface Side {
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  /** Server process CPU per request, ms. */
  cpu: number;
  /** Its PostgreSQL backends' CPU per request, ms. */
  dbCpu: number;
  non2xx: number;
  mismatches: number;
  errors: number;
  timeouts: number;
}

interface LoadTarget {
  server: Server;
  workload: Workload;
  headers: Record<string, string>;
  keys: string[];
}

function autocannonOptions(target: LoadTarget, seconds: number, connections: number) {
  const { server, workload, headers, keys } = target;
  const first = workload.request(server.name, keys[0]);
  let next = 0;
  const options: Options = {
    url: server.base + first.path,
    method: 'POST',
    connections,
    duration: seconds,
    body: first.body,
    headers,
    verifyBody: verifier(workload, server.name),
  };
  if (workload.keyed) {
    options.requests = [
      {
        setupRequest: (request) => ({
          ...request,
          body: workload.request(server.name, keys[next++ % keys.length]).body,
        }),
      },
    ];
  }
  return options;
}

async function load(target: LoadTarget, seconds: number, monitor: postgres.Sql): Promise<Side> {
  const { server } = target;
  const options = autocannonOptions(target, seconds, settings.connections);
  const side = await measureLoad(options, server.pid, { sql: monitor, application: server.application });
  const requests = Math.max(side.requests, 1);
  return {
    rps: side.rps,
    requests: side.requests,
    p50: side.p50,
    p99: side.p99,
    cpu: side.cpuMicros / 1000 / requests,
    dbCpu: (side.dbCpuMicros ?? 0) / 1000 / requests,
    non2xx: side.non2xx,
    mismatches: side.mismatches,
    errors: side.errors,
    timeouts: side.timeouts,
  };
}

interface Overhead {
  requests: number;
  /** Median latency one request at a time, ms, by server. */
  latencyMs: Record<ServerName, number>;
  /** The statement run from the benchmark's own connection (round trip included), median ms. */
  sqlMs: number;
  /** EXPLAIN ANALYZE of the statement: planning + execution, median ms. */
  explainMs: number;
  /**
   * (server latency − SQL time) / SQL time, %, by server: the median of the round's paired samples (each
   * round's request against the same round's statement), steadier than the medians' difference.
   */
  overheadPercent: Record<ServerName, number>;
  /** (hub − ceiling) / ceiling, %, paired likewise. */
  hubOverCeilingPercent: number;
}

/**
 * W3's GraphQL overhead, one request at a time: each server's latency and the statement's own time,
 * sampled in turn (server after server, then the statement, then EXPLAIN ANALYZE) so that the machine's
 * varying load falls on all of them alike.
 */
async function measureOverhead(
  servers: Server[],
  headersOf: (s: ServerName) => Record<string, string>,
  monitor: postgres.Sql,
): Promise<Overhead> {
  const samples = Object.fromEntries(SERVERS.map((n) => [n, [] as number[]])) as Record<ServerName, number[]>;
  const sqlSamples: number[] = [];
  const explainSamples: number[] = [];
  const ask = async (server: Server) => {
    const { path, body } = w3Workload.request(server.name);
    const start = performance.now();
    const answer = await post(server.base + path, body, headersOf(server.name));
    const ms = performance.now() - start;
    if (answer.status !== 200 || !verifier(w3Workload, server.name)(answer.text)) {
      throw new Error(`${server.name} W3 (one at a time): ${answer.text.slice(0, 300)}`);
    }
    return ms;
  };
  for (let i = 0; i < settings.sequentialRequests + 3; i++) {
    const warm = i < 3;
    for (const server of servers) {
      const ms = await ask(server);
      if (!warm) samples[server.name].push(ms);
    }
    let start = performance.now();
    await monitor.unsafe(W3_SQL);
    if (!warm) sqlSamples.push(performance.now() - start);
    start = performance.now();
    const [plan] = (await monitor.unsafe(`explain (analyze, format json) ${W3_SQL}`)) as {
      'QUERY PLAN': { 'Planning Time': number; 'Execution Time': number }[];
    }[];
    const timing = plan['QUERY PLAN'][0];
    if (!warm) explainSamples.push(timing['Planning Time'] + timing['Execution Time']);
  }
  const latencyMs = Object.fromEntries(SERVERS.map((n) => [n, median(samples[n])])) as Record<
    ServerName,
    number
  >;
  const sqlMs = median(sqlSamples);
  const percent = (value: number, base: number) => ((value - base) / base) * 100;
  const paired = (at: (i: number) => number) => median(sqlSamples.map((_, i) => at(i)));
  return {
    requests: settings.sequentialRequests,
    latencyMs,
    sqlMs,
    explainMs: median(explainSamples),
    overheadPercent: Object.fromEntries(
      SERVERS.map((n) => [n, paired((i) => percent(samples[n][i], sqlSamples[i]))]),
    ) as Record<ServerName, number>,
    hubOverCeilingPercent: paired((i) => percent(samples.hub[i], samples.ceiling[i])),
  };
}

interface StatementCount {
  /** Per request, one request at a time. */
  sequential: number;
  /** Per request, under autocannon's load. */
  underLoad: number;
  /** One at a time, by SQL text. */
  statements: { kind: 'auth' | 'audit' | 'data'; sql: string; perRequest: number }[];
}

/** What a statement of the hub is for: the key lookup (with principal and grants), the audit, or data. */
function statementKind(sql: string): 'auth' | 'audit' | 'data' {
  if (/^\s*insert into audit_log/i.test(sql)) return 'audit';
  if (/^\s*select "api_key"\./i.test(sql)) return 'auth';
  return 'data';
}

function dataStatements(count: StatementCount): number {
  return count.statements.filter((s) => s.kind === 'data').reduce((n, s) => n + s.perRequest, 0);
}

/**
 * Statements per request: each server, started again with its connections through the counting proxy,
 * answers warm-up requests, then `countRequests` requests one at a time, then autocannon's load for two
 * seconds; what its connections ran, divided by the requests.
 */
async function countStatements(
  tools: Toolchain,
  url: string,
  workloads: Workload[],
  headersOf: (s: ServerName) => Record<string, string>,
  keys: string[],
) {
  const parsed = new URL(url);
  const proxy = await startCountingProxy({ host: parsed.hostname, port: Number(parsed.port || 5432) });
  const counts: Record<string, Record<ServerName, StatementCount>> = {};
  try {
    for (const name of SERVERS) {
      const application = `jt_bench_count_${name}`;
      const server = await startServer(name, tools, urlNaming(url, application, proxy.port), application);
      try {
        for (const workload of workloads) {
          const send = (i: number) => {
            const { path, body } = workload.request(name, keys[i % keys.length]);
            return post(server.base + path, body, headersOf(name));
          };
          for (let i = 0; i < 20; i++) await send(i);
          // Let whatever the warm-up left (audit group commits) land before counting.
          await sleep(300);
          proxy.reset();
          for (let i = 0; i < settings.countRequests; i++) {
            const answer = await send(i + 7);
            if (answer.status !== 200 || answer.text.includes('"errors"')) {
              throw new Error(`${name} ${workload.name} (counting): ${answer.text.slice(0, 300)}`);
            }
          }
          await sleep(300);
          const sequential = (proxy.counts().get(application) ?? 0) / settings.countRequests;
          const statements = [...proxy.statements(application)].map(([text, n]) => ({
            kind: statementKind(text),
            sql: text.replace(/\s+/g, ' ').trim().slice(0, 300),
            perRequest: n / settings.countRequests,
          }));
          proxy.reset();
          const result = await autocannon(
            autocannonOptions({ server, workload, headers: headersOf(name), keys }, 2, settings.connections),
          );
          await sleep(300);
          const underLoad = (proxy.counts().get(application) ?? 0) / Math.max(result.requests.total, 1);
          counts[workload.name] ??= {} as Record<ServerName, StatementCount>;
          counts[workload.name][name] = { sequential, underLoad, statements };
        }
      } finally {
        await stopServer(server);
      }
    }
  } finally {
    await proxy.close();
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark

export async function run(): Promise<void> {
  const url = databaseUrl();
  const started = Date.now();
  const loadBefore = os.loadavg();
  const workloads = WORKLOADS.filter((w) => settings.workloads.includes(w.name));
  console.log(`\n== compare: the hub, a hand-written ceiling and PostGraphile 5 (${redacted(url)})`);

  const tools = await ensureToolchain();
  console.log(
    `servers run on ${tools.node} (${tools.nodeVersion}); postgraphile ${tools.postgraphileVersion} with ${Object.entries(
      tools.plugins,
    )
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
  );
  await prepareBenchDatabase(url, 'BENCH_COMPARE_DATABASE_URL');
  const monitor = postgres(url, { max: 1, onnotice: () => {} });
  const servers: Server[] = [];
  const apiKeys: Awaited<ReturnType<typeof createKeys>> = {};
  try {
    const data: DataReport = await ensureData(monitor, scaledSizes(settings.scale));
    console.log(
      `data: ${JSON.stringify(data.counts)}${data.generated.length ? `, generated ${data.generated.join(', ')} in ${fixed(data.seconds)} s` : ' (kept from an earlier run)'}`,
    );
    const keys = (
      await monitor<{ permit_no: string }[]>`
        select permit_no from construction_permit where deleted = false order by md5(permit_no) limit 1000`
    ).map((r) => r.permit_no);
    w3Workload.rows = (await monitor.unsafe(W3_SQL)).length;
    if (workloads.includes(w3Workload)) console.log(`W3: ${w3Workload.rows} groups`);

    Object.assign(apiKeys, await createKeys(url, [PERMIT_CONSUMER], 'bench:compare'));
    const consumer = apiKeys[PERMIT_CONSUMER];
    const headersOf = (name: ServerName) => jsonHeaders(name === 'hub' ? consumer.key : undefined);
    const { grant, access } = await permitConsumer(
      url,
      consumer.key,
      '性能基准：与手写上限和 PostGraphile 对比 / benchmark against a hand-written ceiling and PostGraphile',
    );
    const granted = access.fields.filter((f) => f.reason === 'GRANT').map((f) => f.field);
    console.log(
      `consumer ${PERMIT_CONSUMER} reads ${W1_FIELDS.length} fields of ${PERMITS.name}: ${access.clear} in clear, ` +
        `masked ${access.masked.join(', ')}, under grant ${granted.join(', ')}; grant ${grant.id} (${grant.reused ? 'reused' : 'new'})`,
    );

    if (settings.profile) rmSync(PROFILE_FILE, { force: true });
    for (const name of SERVERS) {
      const application = `jt_bench_${name}`;
      servers.push(
        await startServer(name, tools, urlNaming(url, application), application, settings.profile),
      );
    }
    const mask = masker(access.masked);
    const check = checker(servers, headersOf, mask);

    const bytes: Record<string, Record<ServerName, number>> = {};
    for (const workload of workloads) {
      bytes[workload.name] = await check.check(workload, keys[0]);
      if (workload.keyed) for (const key of keys.slice(1, 50)) await check.check(workload, key);
    }
    console.log(
      'answers: the three servers answer the same content (masking applied to the ceiling and PostGraphile), no errors',
    );

    const targets = (workload: Workload, server: Server): LoadTarget => ({
      server,
      workload,
      headers: headersOf(server.name),
      keys,
    });
    console.log(
      `load: autocannon ${settings.connections} connections; warm-up ${settings.warmupSeconds} s per server and workload, ` +
        `then ${settings.rounds} rounds × ${settings.seconds} s per server and workload, order rotated; pool ${settings.pool}`,
    );
    for (const workload of workloads) {
      for (const server of servers) await load(targets(workload, server), settings.warmupSeconds, monitor);
    }

    type Round = { round: number; order: ServerName[]; sides: Record<ServerName, Side> };
    const rounds: Record<string, Round[]> = Object.fromEntries(workloads.map((w) => [w.name, []]));
    for (let round = 1; round <= settings.rounds; round++) {
      const shift = (round - 1) % servers.length;
      const order = [...servers.slice(shift), ...servers.slice(0, shift)];
      for (const workload of workloads) {
        const sides = {} as Record<ServerName, Side>;
        for (const server of order)
          sides[server.name] = await load(targets(workload, server), settings.seconds, monitor);
        await check.check(workload, keys[round % keys.length]);
        rounds[workload.name].push({ round, order: order.map((s) => s.name), sides });
        const s = sides;
        console.log(
          `  round ${round} ${workload.name} (${order.map((o) => o.name).join(' → ')}): ` +
            SERVERS.map((n) => `${n} ${fixed(s[n].rps)} req/s`).join(', ') +
            `; hub/ceiling ${fixed(s.hub.rps / s.ceiling.rps, 3)}, hub/postgraphile ${fixed(s.hub.rps / s.postgraphile.rps, 3)}`,
        );
      }
    }
    // Each server's connections to PostgreSQL at the end of the rounds (the pools are the same size).
    const connectionsSeen = Object.fromEntries(
      (
        await monitor<{ application: string; n: number }[]>`
          select application_name as application, count(*)::int as n from pg_stat_activity
          where datname = ${databaseName(url)} and application_name like 'jt_bench_%' group by 1`
      ).map((r) => [r.application.replace('jt_bench_', ''), r.n]),
    );
    console.log(`connections to PostgreSQL after the rounds: ${JSON.stringify(connectionsSeen)}`);
    let overhead: Overhead | undefined;
    if (workloads.includes(w3Workload)) {
      console.log(
        `W3 one request at a time (${settings.sequentialRequests} per server, in turn with the statement itself):`,
      );
      overhead = await measureOverhead(servers, headersOf, monitor);
      for (const name of SERVERS) {
        console.log(
          `  ${name}: ${fixed(overhead.latencyMs[name], 2)} ms median, ${fixed(overhead.overheadPercent[name])}% over the SQL time`,
        );
      }
      console.log(
        `  SQL: ${fixed(overhead.sqlMs, 2)} ms median from this process (EXPLAIN ANALYZE: ${fixed(overhead.explainMs, 2)} ms); hub over ceiling ${fixed(overhead.hubOverCeilingPercent)}%`,
      );
    }
    const peakRss = Object.fromEntries(servers.map((s) => [s.name, peakRssMiB(s.pid)])) as Record<
      ServerName,
      number
    >;
    await Promise.all(servers.splice(0).map(stopServer));
    if (settings.profile) {
      // the whole run: warm-ups, checks and rounds of every workload asked for
      console.log(`\nthe hub's CPU profile over the run (${PROFILE_FILE}):`);
      console.log(formatProfileSummary(summariseProfile(PROFILE_FILE), 30));
    }

    console.log(
      `statements: each server again, through a counting proxy (${settings.countRequests} requests one at a time, then 2 s of load)`,
    );
    const statements = await countStatements(tools, url, workloads, headersOf, keys);

    // Summary
    const summary = Object.fromEntries(
      workloads.map((workload) => {
        const list = rounds[workload.name];
        const per = (name: ServerName) => {
          const sides = list.map((r) => r.sides[name]);
          return {
            rps: spread(sides.map((s) => s.rps)),
            p50: median(sides.map((s) => s.p50)),
            p99: median(sides.map((s) => s.p99)),
            cpuMsPerRequest: median(sides.map((s) => s.cpu)),
            dbCpuMsPerRequest: median(sides.map((s) => s.dbCpu)),
            statementsPerRequest: statements[workload.name][name],
            peakRssMiB: peakRss[name],
            responseBytes: bytes[workload.name][name],
            requests: sides.reduce((sum, s) => sum + s.requests, 0),
            non2xx: sides.reduce((sum, s) => sum + s.non2xx, 0),
            mismatches: sides.reduce((sum, s) => sum + s.mismatches, 0),
            errors: sides.reduce((sum, s) => sum + s.errors + s.timeouts, 0),
          };
        };
        return [
          workload.name,
          {
            title: workload.title,
            servers: Object.fromEntries(SERVERS.map((n) => [n, per(n)])),
            hubOverCeiling: spread(list.map((r) => r.sides.hub.rps / r.sides.ceiling.rps)),
            hubOverPostgraphile: spread(list.map((r) => r.sides.hub.rps / r.sides.postgraphile.rps)),
          },
        ];
      }),
    );

    const header = [
      'workload',
      'server',
      'req/s med (min–max)',
      'p50/p99 ms',
      'CPU ms/req',
      'DB CPU ms/req',
      'SQL/req (seq; load)',
      'peak RSS MiB',
      'bytes',
    ];
    const rows: string[][] = [];
    for (const workload of workloads) {
      const w = summary[workload.name];
      for (const name of SERVERS) {
        const s = w.servers[name];
        rows.push([
          workload.name,
          name,
          `${fixed(s.rps.median)} (${fixed(s.rps.min)}–${fixed(s.rps.max)})`,
          `${s.p50}/${s.p99}`,
          fixed(s.cpuMsPerRequest, 2),
          fixed(s.dbCpuMsPerRequest, 2),
          `${fixed(s.statementsPerRequest.sequential, 2)}; ${fixed(s.statementsPerRequest.underLoad, 2)}`,
          fixed(s.peakRssMiB, 0),
          String(s.responseBytes),
        ]);
      }
    }
    console.log(`\n${table(header, rows, 2)}`);
    console.log('\nratios of req/s, median over the rounds (min–max):');
    for (const workload of workloads) {
      const w = summary[workload.name];
      const r = (x: Spread) => `${fixed(x.median, 3)} (${fixed(x.min, 3)}–${fixed(x.max, 3)})`;
      console.log(
        `  ${workload.name} ${workload.title}: hub/ceiling ${r(w.hubOverCeiling)}, hub/postgraphile ${r(w.hubOverPostgraphile)}`,
      );
    }
    const targetsMet: Record<string, (string | boolean)[][]> = {
      'hub ≥ postgraphile on W1, W2, W6': workloads
        .filter((w) => w.name !== 'W3')
        .map((w) => [w.name, summary[w.name].hubOverPostgraphile.median >= 1]),
      'hub ≥ 0.5 × ceiling on W1, W2': workloads
        .filter((w) => w.name === 'W1' || w.name === 'W2')
        .map((w) => [w.name, summary[w.name].hubOverCeiling.median >= 0.5]),
      'W2 in at most 2 SQL statements (data statements: not the key lookup, not the audit insert)': summary.W2
        ? [['W2', dataStatements(summary.W2.servers.hub.statementsPerRequest) <= 2]]
        : [],
      'W2 in at most 2 SQL statements (all statements)': summary.W2
        ? [['W2', summary.W2.servers.hub.statementsPerRequest.sequential <= 2]]
        : [],
      'GraphQL overhead ≤ 5% of the SQL time on W3 (one request at a time; all of the hub over the statement)':
        overhead ? [['W3', overhead.overheadPercent.hub <= 5]] : [],
    };
    console.log('targets (issue 6):');
    for (const [target, results] of Object.entries(targetsMet)) {
      console.log(`  ${target}: ${results.map(([w, ok]) => `${w} ${ok ? 'met' : 'NOT met'}`).join(', ')}`);
    }
    console.log("the hub's statements per request, one request at a time (counting proxy):");
    for (const workload of workloads) {
      for (const { kind, sql, perRequest } of statements[workload.name].hub.statements) {
        console.log(`  ${workload.name} ${fixed(perRequest, 2)} × [${kind}] ${sql.slice(0, 140)}`);
      }
    }
    const problems = workloads.flatMap((w) =>
      SERVERS.filter((n) => {
        const s = summary[w.name].servers[n];
        return s.non2xx || s.mismatches || s.errors;
      }).map((n) => `${w.name} ${n}: ${JSON.stringify(summary[w.name].servers[n])}`),
    );
    if (problems.length)
      console.log(`responses that failed their check under load:\n  ${problems.join('\n  ')}`);
    else console.log('every response under load had status 200, no errors and the right number of records');

    const loadAfter = os.loadavg();
    const results = {
      benchmark: 'compare',
      date: new Date().toISOString(),
      command: commandLine(THIS_FILE),
      machine: machine(loadBefore, loadAfter),
      node: { servers: tools.nodeVersion, loadGenerator: process.version, binary: tools.node },
      postgraphile: tools.postgraphileVersion,
      postgres: (await monitor<{ v: string }[]>`select version() as v`)[0].v,
      database: redacted(url),
      data: data.counts,
      settings,
      consumer: { principal: PERMIT_CONSUMER, grant: grant.id, fields: access.fields },
      connectionsSeen,
      queries: Object.fromEntries(
        workloads.map((w) => [w.name, Object.fromEntries(SERVERS.map((n) => [n, w.request(n, keys[0])]))]),
      ),
      postgraphilePlugins: tools.plugins,
      w3Overhead: overhead,
      statementsCounted:
        'Execute and simple-Query protocol messages sent by the server process, through a counting proxy, per request: one at a time (seq) and under 10-connection load',
      summary,
      targets: targetsMet,
      rounds,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    console.log(loadLine(loadBefore, loadAfter));
    writeResults('compare', results, 'BENCH_COMPARE_RESULTS');
  } finally {
    await Promise.all(servers.map(stopServer));
    await revokeKeys(url, Object.values(apiKeys));
    await monitor.end({ timeout: 5 });
  }
}

runIfMain(import.meta.url, run);
