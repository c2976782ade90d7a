/**
 * What field-level permissions cost: the same 100-row × 10-field list query against two hubs over one
 * database, A with graphql-shield (permissions on) and B without (`permissions: false`; masking stays in the
 * resolvers), each in a child process of its own, loaded in turn with autocannon over loopback.
 *
 * The requirement (≤ 15% for a consumer that mixes OPEN, masked and CONDITIONAL fields) is judged on the
 * median over the rounds of req/s(on) / req/s(off): ratios measured side by side, not absolute times. Beside
 * it, the hubs' CPU time per request (process.cpuUsage around each load), which the load of other processes
 * on a shared machine disturbs much less than throughput.
 *
 *   node --import tsx bench/permissions.ts      (or `npm run bench` for every benchmark)
 *
 * Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/jingtu_bench, created when
 * missing), BENCH_ROUNDS (10), BENCH_SECONDS (3 per side per round), BENCH_WARMUP_SECONDS (5),
 * BENCH_CONNECTIONS (10), BENCH_POOL (10, the hub's default pool), BENCH_LOG_LEVEL (silent),
 * BENCH_PROFILE=1 (CPU-profile both hubs over the rounds and compare where the time goes, per request).
 */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { count, eq } from 'drizzle-orm';
import { pino } from 'pino';
import postgres from 'postgres';
import { EffectiveAccess } from '../src/access/effectiveAccess.js';
import { approveAccess, listAccessRequests, requestAccess } from '../src/access/grants.js';
import { createKey, revokeKey } from '../src/access/keys.js';
import { type Dataset, sharingOf } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { type Config, DEFAULT_LIMITS } from '../src/config.js';
import type { Principal } from '../src/context.js';
import { loadReference } from '../src/datasets/reference.js';
import { type Database, openDatabase } from '../src/db/connection.js';
import { principal } from '../src/db/hubTables.js';
import { runMigrations } from '../src/db/migrate.js';
import { seedDemo } from '../src/demo/seed.js';
import { createHub } from '../src/http/app.js';
import { formatProfileComparison, summariseProfile } from './cpuprofile.js';

const THIS_FILE = fileURLToPath(import.meta.url);
const BENCH_DIR = dirname(THIS_FILE);
const ROOT = resolve(BENCH_DIR, '..');
const RESULTS_FILE = join(BENCH_DIR, 'results/permissions.json');
const PROFILE_DIR = join(BENCH_DIR, 'results/profiles');

/** The overhead the issue allows. */
const BUDGET = 0.15;

const DEFAULT_URL = 'postgres://postgres@127.0.0.1:5432/jingtu_bench';

function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name] || fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

const settings = {
  // Short slices, many rounds: on a shared machine the load of others changes within seconds, and the two
  // sides of a round should see the same load. 10 × 3 s per side, plus the warm-up, is under 1.5 minutes.
  rounds: Math.min(envNumber('BENCH_ROUNDS', 10), 20),
  seconds: Math.min(envNumber('BENCH_SECONDS', 3), 30),
  warmupSeconds: Math.min(envNumber('BENCH_WARMUP_SECONDS', 5), 30),
  connections: Math.min(envNumber('BENCH_CONNECTIONS', 10), 100),
  pool: Math.min(envNumber('BENCH_POOL', 10), 100),
  logLevel: process.env.BENCH_LOG_LEVEL || 'silent',
  profile: process.env.BENCH_PROFILE === '1',
};

/**
 * The consumer, the dataset and the ten fields: OPEN fields in clear, personal fields masked (脱敏) and
 * CONDITIONAL fields under a grant (PLANNING does not own construction permits; HOUSING does).
 */
const CONSUMER = 'PLANNING';
const DATASET = 'constructionPermit';
const LIST = 'constructionPermits';
const ROWS = 100;
const FIELDS = [
  'permitNo',
  'projectName',
  'parcelCode',
  'district',
  'address',
  'builder',
  'builderCreditCode',
  'issuedOn',
  'contactPerson',
  'contactPhone',
] as const;

const QUERY = `query PermissionsBench {
  ${LIST}(first: ${ROWS}) {
    nodes { ${FIELDS.join(' ')} }
  }
}`;
/** A field the consumer may not read at all (PRIVATE): hub A must refuse it, hub B (no rules) serves it. */
const PRIVATE_PROBE = '{ pesticideUses(first: 1) { nodes { applicatorName } } }';

function databaseUrl(): string {
  return process.env.BENCH_DATABASE_URL ?? DEFAULT_URL;
}

function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** The URL without credentials, for printing and for the results file. */
function redacted(url: string): string {
  const parsed = new URL(url);
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}

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

// ---------------------------------------------------------------------------------------------------------
// Child process: one hub

type HubMessage =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: string }
  | { type: 'profiled'; file: string }
  | { type: 'cpu'; micros: number };
type ParentMessage = 'stop' | 'cpu' | { type: 'profile-start' } | { type: 'profile-stop'; file: string };

/**
 * The hub's own CPU profiler (the main thread only, over the measured rounds only). The inspector session
 * opens at the first start, so that a hub that is not profiled runs without one.
 */
function profiler() {
  let session: Session | undefined;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((done, fail) => {
      if (!session) {
        session = new Session();
        session.connect();
      }
      session.post(method, params, (error, result) => (error ? fail(error) : done(result)));
    });
  return {
    async start() {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
    },
    async stop(file: string) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
    },
  };
}

async function serveHub(permissions: boolean): Promise<void> {
  const database = await openDatabase(hubConfig(databaseUrl(), settings.pool));
  const reference = await loadReference(database.db);
  const logger = pino({ level: settings.logLevel });
  // The benchmark measures throughput: one principal's thousands of requests must not meet the rate limit.
  const limits = { ...DEFAULT_LIMITS, ratePerMinute: 0 };
  const hub = await createHub({ db: database.db, sql: database.sql, reference, logger, permissions, limits });
  await new Promise<void>((done, fail) => {
    hub.httpServer.once('error', fail);
    hub.httpServer.listen(0, '127.0.0.1', done);
  });
  const address = hub.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await hub.stop();
    await database.close();
    process.exit(0);
  };
  const cpu = profiler();
  process.on('message', (message: ParentMessage) => {
    if (message === 'stop') void stop();
    else if (message === 'cpu') {
      const used = process.cpuUsage();
      process.send?.({ type: 'cpu', micros: used.user + used.system } satisfies HubMessage);
    } else if (message.type === 'profile-start') void cpu.start();
    else if (message.type === 'profile-stop') {
      void cpu.stop(message.file).then(() => process.send?.({ type: 'profiled', file: message.file }));
    }
  });
  process.on('disconnect', () => void stop());
  process.send?.({ type: 'ready', port } satisfies HubMessage);
}

// ---------------------------------------------------------------------------------------------------------
// Parent: setup

async function ensureDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  if (!name || name === 'test') {
    throw new Error(`refusing to benchmark on database ${JSON.stringify(name)}: the test suite wipes it`);
  }
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const sql = postgres(admin.toString(), { max: 1, onnotice: () => {} });
  try {
    const [found] = await sql`select 1 as found from pg_database where datname = ${name}`;
    if (!found) {
      try {
        await sql`create database ${sql(name)}`;
        console.log(`created database ${name}`);
      } catch (error) {
        // 42P04: created meanwhile by another process.
        if ((error as { code?: string }).code !== '42P04') throw error;
      }
    }
  } finally {
    await sql.end({ timeout: 5 });
  }
}

function benchDataset(): Dataset {
  const dataset = datasetByName(DATASET);
  if (!dataset) throw new Error(`no dataset ${DATASET}`);
  return dataset;
}

async function principalOf(database: Database, code: string): Promise<Principal> {
  const [row] = await database.db.select().from(principal).where(eq(principal.code, code));
  if (!row) throw new Error(`no principal ${code}`);
  return { ...row, kind: row.kind as Principal['kind'], keyId: 'bench' };
}

/** The consumer's grant on the CONDITIONAL fields, through the grants service: reused while it lasts. */
async function ensureGrant(
  database: Database,
  consumer: Principal,
): Promise<{ id: string; fields: string[]; reused: boolean }> {
  const dataset = benchDataset();
  // Whichever selected fields the catalogue declares CONDITIONAL (the declarations may change).
  const GRANTED = FIELDS.filter((name) => sharingOf(dataset.fields[name]) === 'CONDITIONAL');
  if (GRANTED.length === 0) throw new Error(`none of the selected fields of ${DATASET} is CONDITIONAL`);
  const dayAhead = Date.now() + 24 * 3600_000;
  const active = await listAccessRequests(database.db, consumer, { status: ['APPROVED'], dataset: DATASET });
  const usable = active.find(
    (grant) =>
      grant.requester === consumer.code &&
      GRANTED.every((field) => grant.fields.includes(field)) &&
      grant.expiresAt !== null &&
      new Date(grant.expiresAt).getTime() > dayAhead,
  );
  if (usable) return { id: usable.id, fields: GRANTED, reused: true };
  const owner = await principalOf(database, dataset.owner);
  const requested = await requestAccess(database.db, consumer, {
    dataset: DATASET,
    fields: GRANTED,
    purpose: '性能基准：字段权限开销 / benchmark of what field-level permissions cost',
    termDays: 365,
  });
  const approved = await approveAccess(database.db, owner, requested.id);
  return { id: approved.id, fields: GRANTED, reused: false };
}

/** How the consumer reads each selected field, from the catalogue and its grants (as the hub decides it). */
async function fieldClasses(database: Database, consumer: Principal) {
  const dataset = benchDataset();
  const grants = await listAccessRequests(database.db, consumer, { status: ['APPROVED'], dataset: DATASET });
  const access = new EffectiveAccess(
    consumer,
    grants.map((g) => ({ id: g.id, dataset: g.dataset, fields: g.fields, expiresAt: g.expiresAt ?? '' })),
  );
  return FIELDS.map((name) => {
    const decision = access.field(dataset, name);
    return {
      field: name,
      sharing: sharingOf(dataset.fields[name]),
      mode: decision.mode,
      reason: decision.reason,
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Parent: hubs

interface RunningHub {
  label: 'on' | 'off';
  url: string;
  child: ChildProcess;
}

function startHub(label: 'on' | 'off'): Promise<RunningHub> {
  const child = fork(THIS_FILE, ['--hub', label], {
    cwd: ROOT,
    execArgv: ['--import', 'tsx'],
    // As deployed; the same for both hubs.
    env: { ...process.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`hub ${label} did not start within 60 s`)), 60_000);
    child.once('exit', (code) => fail(new Error(`hub ${label} exited with ${code} before it was ready`)));
    child.on('message', (message: HubMessage) => {
      clearTimeout(timer);
      if (message.type === 'ready') {
        done({ label, url: `http://127.0.0.1:${message.port}/graphql`, child });
      } else if (message.type === 'failed') fail(new Error(`hub ${label}: ${message.error}`));
    });
  });
}

function startProfile(hub: RunningHub): void {
  hub.child.send({ type: 'profile-start' } satisfies ParentMessage);
}

function stopProfile(hub: RunningHub): Promise<string> {
  const file = join(PROFILE_DIR, `hub-${hub.label}.cpuprofile`);
  return new Promise((done) => {
    const listen = (message: HubMessage) => {
      if (message.type !== 'profiled') return;
      hub.child.off('message', listen);
      done(message.file);
    };
    hub.child.on('message', listen);
    hub.child.send({ type: 'profile-stop', file } satisfies ParentMessage);
  });
}

/** CPU time (user + system) the hub process has used so far, in microseconds. */
function cpuOf(hub: RunningHub): Promise<number> {
  return new Promise((done) => {
    const listen = (message: HubMessage) => {
      if (message.type !== 'cpu') return;
      hub.child.off('message', listen);
      done(message.micros);
    };
    hub.child.on('message', listen);
    hub.child.send('cpu' satisfies ParentMessage);
  });
}

function stopHub(hub: RunningHub): Promise<void> {
  return new Promise((done) => {
    if (hub.child.exitCode !== null) return done();
    const timer = setTimeout(() => hub.child.kill('SIGKILL'), 15_000);
    hub.child.once('exit', () => {
      clearTimeout(timer);
      done();
    });
    hub.child.send('stop' satisfies ParentMessage);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Parent: requests and checks

interface Request {
  body: string;
  headers: Record<string, string>;
}

async function post(url: string, request: Request): Promise<{ status: number; text: string }> {
  const response = await fetch(url, { method: 'POST', headers: request.headers, body: request.body });
  return { status: response.status, text: await response.text() };
}

interface ListResponse {
  data?: Record<string, { nodes?: Record<string, unknown>[] } | undefined>;
  errors?: { message: string; extensions?: { code?: string } }[];
}

/** The problems of one response: status, errors, row count, empty fields, unmasked masked fields. */
function problemsOf(status: number, text: string, masked: readonly string[]): string[] {
  const problems: string[] = [];
  if (status !== 200) problems.push(`HTTP ${status}`);
  let parsed: ListResponse;
  try {
    parsed = JSON.parse(text) as ListResponse;
  } catch {
    return [...problems, `not JSON: ${text.slice(0, 200)}`];
  }
  if (parsed.errors?.length) problems.push(`errors: ${JSON.stringify(parsed.errors).slice(0, 300)}`);
  const nodes = parsed.data?.[LIST]?.nodes ?? [];
  if (nodes.length !== ROWS) problems.push(`${nodes.length} rows instead of ${ROWS}`);
  for (const field of FIELDS) {
    const values = nodes.map((node) => node[field]).filter((value) => value !== null && value !== undefined);
    if (values.length < nodes.length * 0.9)
      problems.push(`${field}: only ${values.length} rows have a value`);
    if (masked.includes(field)) {
      const clear = values.filter((value) => !String(value).includes('*'));
      if (clear.length) problems.push(`${field}: ${clear.length} values are not masked, e.g. ${clear[0]}`);
    }
  }
  return problems;
}

/** Paths where two JSON values differ (at most `limit`). */
function differences(a: unknown, b: unknown, path = '$', found: string[] = [], limit = 10): string[] {
  if (found.length >= limit) return found;
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    found.push(`${path}: ${JSON.stringify(a)?.slice(0, 80)} ≠ ${JSON.stringify(b)?.slice(0, 80)}`);
  } else if (a && typeof a === 'object') {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      differences(
        left[key],
        right[key],
        Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`,
        found,
        limit,
      );
    }
  } else if (a !== b) {
    found.push(`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  }
  return found;
}

function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) n++;
  return n;
}

/**
 * A body check for autocannon that is cheap and robust: autocannon decodes each TCP chunk as UTF-8 on its
 * own, so a Chinese character split across chunks would fail an exact comparison; the fingerprint counts
 * only ASCII markers (rows, mask characters, errors).
 */
function bodyVerifier(expected: string): (body: string) => boolean {
  const fingerprint = (text: string) =>
    `${occurrences(text, `"${FIELDS[0]}":`)}/${occurrences(text, '*')}/${text.includes('"errors"')}`;
  const wanted = fingerprint(expected);
  return (body) => body === expected || fingerprint(body) === wanted;
}

// ---------------------------------------------------------------------------------------------------------
// Parent: load

interface Side {
  rps: number;
  requests: number;
  /** The hub process's CPU time per request served, in µs: hardly touched by other processes' load. */
  cpuPerRequest: number;
  p50: number;
  p99: number;
  non2xx: number;
  mismatches: number;
  errors: number;
}

async function load(hub: RunningHub, request: Request, seconds: number, verify: (body: string) => boolean) {
  const cpuBefore = await cpuOf(hub);
  const result: Result = await autocannon({
    url: hub.url,
    method: 'POST',
    connections: settings.connections,
    duration: seconds,
    body: request.body,
    headers: request.headers,
    verifyBody: verify,
  });
  const cpu = (await cpuOf(hub)) - cpuBefore;
  const side: Side = {
    rps: result.requests.total / result.duration,
    requests: result.requests.total,
    cpuPerRequest: cpu / Math.max(result.requests.total, 1),
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    errors: result.errors,
  };
  return side;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
const fixed = (value: number, digits = 1) => value.toFixed(digits);

// ---------------------------------------------------------------------------------------------------------
// Parent: the benchmark

export async function run(): Promise<void> {
  const url = databaseUrl();
  const started = Date.now();
  const loadBefore = os.loadavg()[0];
  console.log(`\n== permissions: what field-level permissions cost (${redacted(url)})`);
  await ensureDatabase(url);
  await runMigrations(url);
  const database = await openDatabase(hubConfig(url, 4));
  let keyId: string | undefined;
  const hubs: RunningHub[] = [];
  try {
    const seeded = await seedDemo(database.db);
    if (Object.keys(seeded).length) console.log(`seeded the demo data: ${JSON.stringify(seeded)}`);
    const [{ stored }] = await database.db.select({ stored: count() }).from(benchDataset().drizzle);
    if (stored < ROWS) throw new Error(`${DATASET} has ${stored} rows, fewer than ${ROWS}`);
    console.log(`${DATASET}: ${stored} rows stored`);

    const consumer = await principalOf(database, CONSUMER);
    const grant = await ensureGrant(database, consumer);
    const classes = await fieldClasses(database, consumer);
    const masked = classes.filter((c) => c.mode === 'MASKED').map((c) => c.field);
    const mix = {
      openClear: classes.filter((c) => c.sharing === 'OPEN' && c.mode === 'CLEAR').length,
      openMasked: classes.filter((c) => c.sharing === 'OPEN' && c.mode === 'MASKED').length,
      conditional: classes.filter((c) => c.sharing === 'CONDITIONAL').length,
      masked: masked.length,
    };
    if (!mix.openClear || !mix.masked || !mix.conditional || classes.some((c) => c.mode === 'DENIED')) {
      throw new Error(
        `the selection does not mix OPEN, masked and granted fields: ${JSON.stringify(classes)}`,
      );
    }
    console.log(
      `consumer ${CONSUMER} reads ${ROWS} rows × ${FIELDS.length} fields of ${DATASET}: ` +
        `${mix.openClear} OPEN in clear, ${mix.openMasked} OPEN masked, ${mix.conditional} CONDITIONAL ` +
        `under grant ${grant.id} (${grant.reused ? 'reused' : 'new'}: ${grant.fields.join(', ')}); ` +
        `masked: ${masked.join(', ')}`,
    );
    const key = await createKey(database.db, CONSUMER, 'bench:permissions');
    keyId = key.id;

    hubs.push(...(await Promise.all([startHub('on'), startHub('off')])));
    const [on, off] = hubs;
    const request: Request = {
      body: JSON.stringify({ query: QUERY }),
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${key.key}`,
        // A fixed request id: it is echoed in the response's extensions, so every response is the same.
        'x-request-id': 'bench-permissions',
      },
    };

    // Correctness: both variants answer 100 rows with values, masked where they should be, and the same.
    const answers = { on: await post(on.url, request), off: await post(off.url, request) };
    for (const [label, answer] of Object.entries(answers)) {
      const problems = problemsOf(answer.status, answer.text, masked);
      if (problems.length) throw new Error(`hub ${label}: ${problems.join('; ')}`);
    }
    const equal = answers.on.text === answers.off.text;
    const diff = equal ? [] : differences(JSON.parse(answers.on.text), JSON.parse(answers.off.text));
    console.log(
      equal
        ? `responses: on and off are identical (${Buffer.byteLength(answers.on.text)} bytes, no errors, masked fields contain '*')`
        : `responses DIFFER between on and off:\n  ${diff.join('\n  ')}`,
    );
    const probe = {
      on: JSON.parse(
        (await post(on.url, { ...request, body: JSON.stringify({ query: PRIVATE_PROBE }) })).text,
      ),
      off: JSON.parse(
        (await post(off.url, { ...request, body: JSON.stringify({ query: PRIVATE_PROBE }) })).text,
      ),
    } as { on: ListResponse; off: ListResponse };
    const onRefuses = probe.on.errors?.some((e) => e.extensions?.code === 'FORBIDDEN') ?? false;
    const offServes = !probe.off.errors?.length;
    console.log(
      `variants: a PRIVATE field is ${onRefuses ? 'refused (FORBIDDEN)' : 'NOT refused'} by the hub with ` +
        `permissions, ${offServes ? 'served' : 'refused'} by the hub without`,
    );
    if (!onRefuses || !offServes) throw new Error('the two hubs are not the two variants');

    const verify = bodyVerifier(answers.on.text);
    const sampleCheck = async () => {
      for (const hub of hubs) {
        const answer = await post(hub.url, request);
        if (answer.text !== answers[hub.label].text) {
          const problems = problemsOf(answer.status, answer.text, masked);
          throw new Error(`hub ${hub.label} changed its answer between rounds: ${problems.join('; ')}`);
        }
      }
    };

    console.log(
      `load: autocannon, ${settings.connections} connections, warm-up ${settings.warmupSeconds} s per side, ` +
        `then ${settings.rounds} rounds × ${settings.seconds} s per side, alternating the order; pool ${settings.pool}`,
    );
    for (const hub of hubs) await load(hub, request, settings.warmupSeconds, verify);
    await sampleCheck();
    if (settings.profile) {
      rmSync(PROFILE_DIR, { recursive: true, force: true });
      for (const hub of hubs) startProfile(hub);
    }

    const rounds: {
      round: number;
      first: string;
      on: Side;
      off: Side;
      /** req/s on ÷ req/s off. */
      ratio: number;
      /** Hub CPU per request off ÷ on: what the throughput ratio would be for a hub bound by its CPU. */
      cpuRatio: number;
    }[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      const order = round % 2 ? [on, off] : [off, on];
      const sides: Partial<Record<'on' | 'off', Side>> = {};
      for (const hub of order) sides[hub.label] = await load(hub, request, settings.seconds, verify);
      await sampleCheck();
      const { on: a, off: b } = sides as Record<'on' | 'off', Side>;
      const ratio = a.rps / b.rps;
      const cpuRatio = b.cpuPerRequest / a.cpuPerRequest;
      rounds.push({ round, first: order[0].label, on: a, off: b, ratio, cpuRatio });
      console.log(
        `  round ${round} (${order[0].label} first): on ${fixed(a.rps)} req/s, off ${fixed(b.rps)} req/s, ` +
          `ratio ${fixed(ratio, 3)}, cost ${pct(1 - ratio)}; hub CPU per request on ${fixed(a.cpuPerRequest / 1000, 2)} ms, ` +
          `off ${fixed(b.cpuPerRequest / 1000, 2)} ms, cost ${pct(1 - cpuRatio)}`,
      );
    }

    const profiles = settings.profile ? await Promise.all(hubs.map(stopProfile)) : [];
    await Promise.all(hubs.splice(0).map(stopHub));

    // Report
    const ratios = rounds.map((r) => r.ratio);
    const side = (label: 'on' | 'off') => ({
      rpsMedian: median(rounds.map((r) => r[label].rps)),
      cpuPerRequestMedian: median(rounds.map((r) => r[label].cpuPerRequest)),
      p50Median: median(rounds.map((r) => r[label].p50)),
      p99Median: median(rounds.map((r) => r[label].p99)),
      requests: rounds.reduce((sum, r) => sum + r[label].requests, 0),
      non2xx: rounds.reduce((sum, r) => sum + r[label].non2xx, 0),
      mismatches: rounds.reduce((sum, r) => sum + r[label].mismatches, 0),
      errors: rounds.reduce((sum, r) => sum + r[label].errors, 0),
    });
    const summary = {
      ratioMedian: median(ratios),
      ratioMin: Math.min(...ratios),
      ratioMax: Math.max(...ratios),
      cost: 1 - median(ratios),
      costMin: 1 - Math.max(...ratios),
      costMax: 1 - Math.min(...ratios),
      // Every side ran as long in every round: all requests on over all requests off.
      ratioPooled:
        rounds.reduce((sum, r) => sum + r.on.requests, 0) /
        rounds.reduce((sum, r) => sum + r.off.requests, 0),
      cpuRatioMedian: median(rounds.map((r) => r.cpuRatio)),
      cpuCost: 1 - median(rounds.map((r) => r.cpuRatio)),
      cpuCostMin: 1 - Math.max(...rounds.map((r) => r.cpuRatio)),
      cpuCostMax: 1 - Math.min(...rounds.map((r) => r.cpuRatio)),
      on: side('on'),
      off: side('off'),
    };

    const header = [
      'round',
      'first',
      'on req/s',
      'off req/s',
      'on/off',
      'cost',
      'on p50/p99 ms',
      'off p50/p99 ms',
      'on CPU/req',
      'off CPU/req',
      'CPU cost',
    ];
    const rows = rounds.map((r) => [
      String(r.round),
      r.first,
      fixed(r.on.rps),
      fixed(r.off.rps),
      fixed(r.ratio, 3),
      pct(1 - r.ratio),
      `${r.on.p50}/${r.on.p99}`,
      `${r.off.p50}/${r.off.p99}`,
      `${fixed(r.on.cpuPerRequest / 1000, 2)} ms`,
      `${fixed(r.off.cpuPerRequest / 1000, 2)} ms`,
      pct(1 - r.cpuRatio),
    ]);
    rows.push([
      'median',
      '',
      fixed(summary.on.rpsMedian),
      fixed(summary.off.rpsMedian),
      fixed(summary.ratioMedian, 3),
      pct(summary.cost),
      `${summary.on.p50Median}/${summary.on.p99Median}`,
      `${summary.off.p50Median}/${summary.off.p99Median}`,
      `${fixed(summary.on.cpuPerRequestMedian / 1000, 2)} ms`,
      `${fixed(summary.off.cpuPerRequestMedian / 1000, 2)} ms`,
      pct(summary.cpuCost),
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
    const line = (cells: string[]) => cells.map((cell, i) => cell.padStart(widths[i])).join('  ');
    console.log(`\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
    for (const row of rows) console.log(line(row));
    console.log(
      `\nrequests: on ${summary.on.requests}, off ${summary.off.requests}; non-2xx: on ${summary.on.non2xx}, ` +
        `off ${summary.off.non2xx}; body mismatches: on ${summary.on.mismatches}, off ${summary.off.mismatches}; ` +
        `connection errors: on ${summary.on.errors}, off ${summary.off.errors}`,
    );
    const loadAfter = os.loadavg()[0];
    console.log(
      `all requests together: on/off ${fixed(summary.ratioPooled, 3)}, cost ${pct(1 - summary.ratioPooled)}; ` +
        `load average ${fixed(loadBefore, 2)} before, ${fixed(loadAfter, 2)} after (${os.cpus().length} CPUs)`,
    );
    console.log(
      `hub CPU per request: cost ${pct(summary.cpuCost)} (median of ${rounds.length} rounds, ` +
        `min ${pct(summary.cpuCostMin)}, max ${pct(summary.cpuCostMax)}), as 1 − CPU(off) ÷ CPU(on)`,
    );
    const met = summary.cost <= BUDGET;
    console.log(
      `permissions cost: ${pct(summary.cost)} (median of ${rounds.length} rounds, min ${pct(summary.costMin)}, ` +
        `max ${pct(summary.costMax)}) — budget ${pct(BUDGET)}: ${met ? 'met' : 'NOT MET'}` +
        `${settings.profile ? ' (measured under the CPU profiler)' : ''}`,
    );

    const cpus = os.cpus();
    const results = {
      benchmark: 'permissions',
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
      scenario: {
        consumer: CONSUMER,
        dataset: DATASET,
        datasetRows: stored,
        rows: ROWS,
        fields: classes,
        grant: grant.id,
        query: QUERY,
        responseBytes: Buffer.byteLength(answers.on.text),
        responsesEqual: equal,
        differences: diff,
      },
      settings: { ...settings, hubProcesses: 'two child processes, NODE_ENV=production, loopback' },
      rounds,
      summary,
      budget: BUDGET,
      met,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    mkdirSync(dirname(RESULTS_FILE), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(results, null, 2)}\n`);
    console.log(`results: ${RESULTS_FILE} (${results.seconds} s in all)`);

    if (profiles.length) {
      // Requests each hub served while profiled: the rounds, and one sample check after each.
      const served = (label: 'on' | 'off') => summary[label].requests + rounds.length;
      const [onProfile, offProfile] = profiles.map(summariseProfile);
      console.log(`\nCPU profiles over the rounds: ${profiles.join(', ')}`);
      console.log(
        formatProfileComparison(onProfile, served('on'), offProfile, served('off'), {
          a: 'on',
          b: 'off',
          top: 30,
        }),
      );
    }
  } finally {
    await Promise.all(hubs.map(stopHub));
    if (keyId) await revokeKey(database.db, keyId);
    await database.close();
  }
}

// ---------------------------------------------------------------------------------------------------------

if (process.argv[1] && resolve(process.argv[1]) === THIS_FILE) {
  const hubIndex = process.argv.indexOf('--hub');
  if (hubIndex !== -1) {
    serveHub(process.argv[hubIndex + 1] !== 'off').catch((error: Error) => {
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
