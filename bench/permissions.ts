/**
 * What field-level permissions and the audit trail cost, side by side: the same 100-row × 10-field list
 * query against three hubs over one database, each in a child process of its own, loaded in turn with
 * autocannon over loopback:
 *
 *   full            permissions (graphql-shield) and audit on: the hub as deployed
 *   no-permissions  permissions off (`permissions: false`; masking stays in the resolvers), audit on
 *   no-audit        permissions on, audit off (`audit: false`: records discarded)
 *
 * Permission cost = full against no-permissions (issue 3: ≤ 15% for a consumer that mixes OPEN, masked and
 * CONDITIONAL fields); audit cost = full against no-audit (issue 5: ≤ 10%). Each is judged on the median
 * over the rounds of req/s(full) ÷ req/s(other): ratios measured side by side, not absolute times. The
 * order of the three sides changes from round to round (the six orders of a Williams design, so that each
 * hub runs first, second and last, and after each other hub, equally often over six rounds). Beside it, CPU
 * time per request over all the requests of the rounds: the hub process's (/proc), and, when
 * PostgreSQL runs on this machine, its backends' for that hub's connections (/proc; the audit's INSERT and
 * hash-chain trigger run there), which the load of other processes disturbs much less than throughput.
 *
 * Checks: all three answer the same body (the audit does not change responses), masked where they should
 * be; a PRIVATE field is refused by the hubs with permissions and served by the one without; every body
 * under load is checked; the audited hubs committed at least one record per response during every side
 * (each response waits for its record), records that name the query, its 10 fields and 100 rows; the
 * no-audit hub wrote none. The hubs' requests carry a request id of their own, so the records are counted
 * per hub in audit_log (this run's key of the bench principal).
 *
 *   node --import tsx bench/permissions.ts      (or `npm run bench -- permissions`)
 *
 * Environment: BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/jingtu_bench, created when
 * missing; never `test` or `postgres`), BENCH_ROUNDS (10), BENCH_SECONDS (3 per side per round),
 * BENCH_WARMUP_SECONDS (5 per side), BENCH_CONNECTIONS (10), BENCH_POOL (10, the hub's default pool),
 * BENCH_LOG_LEVEL (silent), BENCH_PROFILE=1 (CPU-profile the hubs over the rounds and compare where the
 * time goes, per request: full against each of the others).
 */
import { rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { Options } from 'autocannon';
import { count } from 'drizzle-orm';
import type { Database } from '../src/db/connection.js';
import { seedDemo } from '../src/demo/seed.js';
import { formatProfileComparison, summariseProfile } from './cpuprofile.js';
import { benchDatabaseUrl, openBenchDatabase, prepareBenchDatabase, redacted } from './support/database.js';
import { roundSettings } from './support/env.js';
import { jsonHeaders, post } from './support/http.js';
import { type ForkedHub, forkHub } from './support/hub.js';
import { type BenchKey, createKeys, revokeKeys } from './support/keys.js';
import { type Backends, backendCpuReadable, measureLoad } from './support/measure.js';
import { PERMIT_CONSUMER, PERMIT_FIELDS, PERMITS, permitConsumer } from './support/permits.js';
import { loadLine, machine, resultsDir, runIfMain, writeResults } from './support/report.js';
import { differences, fixed, median, occurrences, pct, sum, table } from './support/stats.js';

const PROFILE_DIR = join(resultsDir(), 'profiles');

/** The three hubs. */
const VARIANTS = {
  full: { permissions: true, audit: true, what: 'permissions and audit on (as deployed)' },
  'no-permissions': { permissions: false, audit: true, what: 'permissions off, audit on' },
  'no-audit': { permissions: true, audit: false, what: 'permissions on, audit off (records discarded)' },
} as const;
type Label = keyof typeof VARIANTS;
const LABELS = Object.keys(VARIANTS) as Label[];

/** What each cost compares: the full hub against the hub without that piece, and the issue's budget. */
const COSTS = [
  { name: 'permissions', without: 'no-permissions', budget: 0.15, issue: 'issue 3, item 5' },
  { name: 'audit', without: 'no-audit', budget: 0.1, issue: 'issue 5, item 1' },
] as const;
type CostName = (typeof COSTS)[number]['name'];

/**
 * The order of the sides, round after round: a Williams design for three, in which over six rounds each hub
 * runs twice in each position and follows each other hub twice (a hub slowed by what ran just before it,
 * e.g. the checkpoint after the audited hub's writes, is not always the same one).
 */
const ORDERS: readonly (readonly Label[])[] = [
  ['full', 'no-permissions', 'no-audit'],
  ['no-permissions', 'no-audit', 'full'],
  ['no-audit', 'full', 'no-permissions'],
  ['full', 'no-audit', 'no-permissions'],
  ['no-audit', 'no-permissions', 'full'],
  ['no-permissions', 'full', 'no-audit'],
];

const settings = {
  // Short slices, many rounds: on a shared machine the load of others changes within seconds, and the
  // sides of a round should see the same load. 10 rounds × 3 sides × 3 s, plus the warm-up, is about two
  // minutes.
  ...roundSettings({ variable: 'BENCH_ROUNDS', fallback: 10, max: 24 }, 5),
  logLevel: process.env.BENCH_LOG_LEVEL || 'silent',
  profile: process.env.BENCH_PROFILE === '1',
};

/** 100 construction permits × 10 fields, as PLANNING (bench/support/permits.ts: open, masked, granted). */
const LIST = 'constructionPermits';
const ROWS = 100;
const FIELDS = PERMIT_FIELDS;

const OPERATION = 'PermissionsBench';
const QUERY = `query ${OPERATION} {
  ${LIST}(first: ${ROWS}) {
    nodes { ${FIELDS.join(' ')} }
  }
}`;
/** A field the consumer may not read at all (PRIVATE): hubs with permissions refuse it, the other serves it. */
const PRIVATE_PROBE = '{ pesticideUses(first: 1) { nodes { applicatorName } } }';

/** The request id of the correctness checks, the same for the three hubs: their bodies must be identical. */
const CHECK_REQUEST_ID = 'bench-check';
/** The request id of a hub's load: it is echoed in the response and names the hub's audit records. */
const requestIdOf = (label: Label) => `bench-${label}`;
/** The application_name of a hub's database connections: finds its backends in pg_stat_activity. */
const applicationNameOf = (label: Label) => `jingtu-bench-${label}`;

const databaseUrl = () =>
  benchDatabaseUrl('BENCH_DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/jingtu_bench');

interface RunningHub extends ForkedHub {
  label: Label;
  url: string;
}

async function startHub(label: Label): Promise<RunningHub> {
  const hub = await forkHub({
    name: `hub ${label}`,
    databaseUrl: databaseUrl(),
    pool: settings.pool,
    logLevel: settings.logLevel,
    permissions: VARIANTS[label].permissions,
    audit: VARIANTS[label].audit,
    rateLimit: false,
    applicationName: applicationNameOf(label),
  });
  return Object.assign(hub, { label, url: `${hub.base}/graphql` });
}

// ---------------------------------------------------------------------------------------------------------
// The audit records

interface AuditCount {
  records: number;
  /** Records of the list query that name its 10 fields, its 100 rows and the outcome OK. */
  complete: number;
}

/** The audit records of this run's key, by request id (so by hub). */
async function auditCounts(database: Database, keyId: string, since: Date): Promise<Map<string, AuditCount>> {
  // audit_log_principal (principal, at) narrows it to this run; the key is this run's own.
  const rows = await database.sql<{ request_id: string | null; records: number; complete: number }[]>`
    select request_id, count(*)::int as records,
      count(*) filter (where event = 'GRAPHQL' and outcome = 'OK' and operation_name = ${OPERATION}
        and (detail -> 'rows' ->> ${PERMITS.name})::int = ${ROWS}
        and jsonb_array_length(detail -> 'reads') = ${FIELDS.length})::int as complete
    from audit_log
    where principal = ${PERMIT_CONSUMER} and at >= ${since.toISOString()}::timestamptz and key_id = ${keyId}
    group by request_id`;
  return new Map(rows.map((r) => [r.request_id ?? '', { records: r.records, complete: r.complete }]));
}

const auditOf = (counts: Map<string, AuditCount>, requestId: string): AuditCount =>
  counts.get(requestId) ?? { records: 0, complete: 0 };

// ---------------------------------------------------------------------------------------------------------
// Requests and checks

interface Request {
  body: string;
  headers: Record<string, string>;
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
// Load

interface Side {
  rps: number;
  requests: number;
  /** The hub process's CPU time over the side, in µs: hardly touched by other processes' load. */
  hubCpu: number;
  /** Its database backends' CPU time over the side, in µs (null when not measurable from here). */
  dbCpu: number | null;
  p50: number;
  p99: number;
  non2xx: number;
  mismatches: number;
  errors: number;
  /** Audit records with the hub's request id committed during the side, and how many were complete. */
  audited: number;
  auditedComplete: number;
}

interface Meter {
  database: Database;
  keyId: string;
  since: Date;
  dbCpu: boolean;
}

const backendsOf = (database: Database, label: Label): Backends => ({
  sql: database.sql,
  application: applicationNameOf(label),
});

async function load(
  hub: RunningHub,
  request: Request,
  seconds: number,
  verify: (body: string) => boolean,
  meter: Meter,
): Promise<Side> {
  const requestId = requestIdOf(hub.label);
  const auditBefore = auditOf(await auditCounts(meter.database, meter.keyId, meter.since), requestId);
  const options: Options = {
    url: hub.url,
    method: 'POST',
    connections: settings.connections,
    duration: seconds,
    body: request.body,
    headers: request.headers,
    verifyBody: verify,
  };
  const side = await measureLoad(
    options,
    hub.pid,
    meter.dbCpu ? backendsOf(meter.database, hub.label) : undefined,
  );
  // Every response waited for its record's commit: the records of the requests answered are all there.
  const auditAfter = auditOf(await auditCounts(meter.database, meter.keyId, meter.since), requestId);
  return {
    rps: side.rps,
    requests: side.requests,
    hubCpu: side.cpuMicros,
    dbCpu: side.dbCpuMicros,
    p50: side.p50,
    p99: side.p99,
    non2xx: side.non2xx,
    mismatches: side.mismatches,
    errors: side.errors,
    audited: auditAfter.records - auditBefore.records,
    auditedComplete: auditAfter.complete - auditBefore.complete,
  };
}

const ms = (micros: number | null) => (micros === null ? 'n/a' : (micros / 1000).toFixed(2));
/** CPU ms per request of full and of the hub without a piece; cost = 1 − without ÷ full. */
interface CpuCost {
  full: number;
  without: number;
  cost: number;
}
const SHORT: Record<Label, string> = { full: 'F', 'no-permissions': 'P', 'no-audit': 'A' };

interface Round {
  round: number;
  order: Label[];
  /** The 1-minute load average when the round ended. */
  loadAverage: number;
  sides: Record<Label, Side>;
  /** req/s of full ÷ req/s of the hub without the piece, per cost. */
  ratios: Record<CostName, number>;
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark

export async function run(): Promise<void> {
  const url = databaseUrl();
  const started = Date.now();
  const loadBefore = os.loadavg();
  console.log(`\n== permissions: what field-level permissions and the audit trail cost (${redacted(url)})`);
  console.log(
    `machine: ${os.availableParallelism()} CPUs available (nproc), load average ` +
      `${loadBefore.map((l) => fixed(l, 2)).join(' ')} (1, 5, 15 min) before the run`,
  );
  await prepareBenchDatabase(url, 'BENCH_DATABASE_URL');
  const database = await openBenchDatabase(url, 4);
  let key: BenchKey | undefined;
  const hubs: RunningHub[] = [];
  try {
    const seeded = await seedDemo(database.db);
    if (Object.keys(seeded).length) console.log(`seeded the demo data: ${JSON.stringify(seeded)}`);
    const [{ stored }] = await database.db.select({ stored: count() }).from(PERMITS.drizzle);
    if (stored < ROWS) throw new Error(`${PERMITS.name} has ${stored} rows, fewer than ${ROWS}`);
    console.log(`${PERMITS.name}: ${stored} rows stored`);

    // The audit records are counted from here on, for this run's key (the second is for clock granularity).
    const since = new Date(Date.now() - 1000);
    key = (await createKeys(url, [PERMIT_CONSUMER], 'bench:permissions'))[PERMIT_CONSUMER];
    const consumerKey = key;
    const { grant, access } = await permitConsumer(
      url,
      key.key,
      '性能基准：字段权限开销 / benchmark of what field-level permissions cost',
    );
    const classes = access.fields;
    const masked = access.masked;
    const conditional = classes.filter((c) => c.sharing === 'CONDITIONAL').length;
    console.log(
      `consumer ${PERMIT_CONSUMER} reads ${ROWS} rows × ${FIELDS.length} fields of ${PERMITS.name}: ` +
        `${access.openClear} OPEN in clear, ${access.openMasked} OPEN masked, ${conditional} CONDITIONAL ` +
        `under grant ${grant.id} (${grant.reused ? 'reused' : 'new'}: ${grant.fields.join(', ')}); ` +
        `masked: ${masked.join(', ')}`,
    );

    hubs.push(...(await Promise.all(LABELS.map(startHub))));
    const hubOf = Object.fromEntries(hubs.map((hub) => [hub.label, hub])) as Record<Label, RunningHub>;
    for (const label of LABELS) console.log(`hub ${label}: ${VARIANTS[label].what}`);
    const requestWith = (requestId: string, query = QUERY): Request => ({
      body: JSON.stringify({ query }),
      // A fixed request id: it is echoed in the response's extensions, so every response is the same.
      headers: jsonHeaders(consumerKey.key, { 'x-request-id': requestId }),
    });
    const ask = (hub: RunningHub, request: Request) => post(hub.url, request.body, request.headers);

    // Correctness: the three answer 100 rows with values, masked where they should be, and the same bytes.
    const answers = {} as Record<Label, { status: number; text: string }>;
    for (const hub of hubs) answers[hub.label] = await ask(hub, requestWith(CHECK_REQUEST_ID));
    for (const label of LABELS) {
      const problems = problemsOf(answers[label].status, answers[label].text, masked);
      if (problems.length) throw new Error(`hub ${label}: ${problems.join('; ')}`);
    }
    const diff: Record<string, string[]> = {};
    for (const label of LABELS.filter((l) => l !== 'full')) {
      if (answers[label].text !== answers.full.text) {
        diff[label] = differences(JSON.parse(answers.full.text), JSON.parse(answers[label].text));
      }
    }
    const equal = Object.keys(diff).length === 0;
    console.log(
      equal
        ? `responses: the three hubs answer identical bodies (${Buffer.byteLength(answers.full.text)} bytes, ` +
            `no errors, masked fields contain '*')`
        : `responses DIFFER from full's:\n${Object.entries(diff)
            .map(([label, paths]) => `  ${label}: ${paths.join('\n    ')}`)
            .join('\n')}`,
    );
    // The audit only writes: a hub without it must answer the very same bytes. (A difference with permissions
    // off is reported, as before, and recorded in the results.)
    if (diff['no-audit']) throw new Error('the hub without the audit answers differently from the full hub');
    const refused = {} as Record<Label, boolean>;
    for (const hub of hubs) {
      const probe = await ask(hub, requestWith(CHECK_REQUEST_ID, PRIVATE_PROBE));
      const parsed = JSON.parse(probe.text) as ListResponse;
      const refuses = parsed.errors?.some((e) => e.extensions?.code === 'FORBIDDEN') ?? false;
      const serves = !parsed.errors?.length;
      if (refuses === serves) throw new Error(`hub ${hub.label}: the PRIVATE probe answered ${probe.text}`);
      refused[hub.label] = refuses;
    }
    console.log(
      `variants: a PRIVATE field is ${LABELS.map((l) => `${refused[l] ? 'refused (FORBIDDEN)' : 'served'} by ${l}`).join(', ')}`,
    );
    const wrongVariant = LABELS.filter((l) => refused[l] !== VARIANTS[l].permissions);
    if (wrongVariant.length) throw new Error(`not the variants they should be: ${wrongVariant.join(', ')}`);
    // The list and the probe on each audited hub: one record each, committed before the response.
    const audited = LABELS.filter((l) => VARIANTS[l].audit);
    const checkRecords = auditOf(await auditCounts(database, key.id, since), CHECK_REQUEST_ID);
    console.log(
      `audit of the checks: ${checkRecords.records} records (${audited.length} audited hubs × 2 requests ` +
        `expected; ${checkRecords.complete} of the list query)`,
    );
    if (checkRecords.records !== audited.length * 2 || checkRecords.complete !== audited.length) {
      throw new Error(`the checks' audit records are not one per request of the audited hubs`);
    }

    // Under load each hub has its own request id: the same body but for it, and the records name the hub.
    const requests = {} as Record<Label, Request>;
    const expected = {} as Record<Label, string>;
    const verify = {} as Record<Label, (body: string) => boolean>;
    const served = Object.fromEntries(LABELS.map((l) => [l, 0])) as Record<Label, number>;
    for (const hub of hubs) {
      requests[hub.label] = requestWith(requestIdOf(hub.label));
      const answer = await ask(hub, requests[hub.label]);
      served[hub.label]++;
      const asChecked = answer.text.replace(
        `"requestId":"${requestIdOf(hub.label)}"`,
        `"requestId":"${CHECK_REQUEST_ID}"`,
      );
      if (asChecked !== answers[hub.label].text) {
        throw new Error(`hub ${hub.label} answers differently with its own request id`);
      }
      expected[hub.label] = answer.text;
      verify[hub.label] = bodyVerifier(answer.text);
    }
    const sampleCheck = async () => {
      for (const hub of hubs) {
        const answer = await ask(hub, requests[hub.label]);
        served[hub.label]++;
        if (answer.text !== expected[hub.label]) {
          const problems = problemsOf(answer.status, answer.text, masked);
          throw new Error(`hub ${hub.label} changed its answer between rounds: ${problems.join('; ')}`);
        }
      }
    };

    console.log(
      `load: autocannon, ${settings.connections} connections, warm-up ${settings.warmupSeconds} s per hub, ` +
        `then ${settings.rounds} rounds × ${LABELS.length} hubs × ${settings.seconds} s, the order rotated ` +
        `(${ORDERS.length} orders); pool ${settings.pool}`,
    );
    const meter: Meter = { database, keyId: key.id, since, dbCpu: false };
    for (const hub of hubs) {
      served[hub.label] += (
        await load(hub, requests[hub.label], settings.warmupSeconds, verify[hub.label], meter)
      ).requests;
    }
    await sampleCheck();
    const readable = await Promise.all(
      LABELS.map((label) => backendCpuReadable(backendsOf(database, label))),
    );
    meter.dbCpu = readable.every(Boolean);
    console.log(
      meter.dbCpu
        ? `database CPU: read from /proc for each hub's backends (application_name ${applicationNameOf('full')}, …)`
        : 'database CPU: not measured (PostgreSQL is not a process of this machine that can be read)',
    );
    if (settings.profile) {
      rmSync(PROFILE_DIR, { recursive: true, force: true });
      await Promise.all(hubs.map((hub) => hub.startProfile()));
    }

    const rounds: Round[] = [];
    const problems: string[] = [];
    for (let round = 1; round <= settings.rounds; round++) {
      const order = [...ORDERS[(round - 1) % ORDERS.length]];
      const sides = {} as Record<Label, Side>;
      for (const label of order) {
        sides[label] = await load(hubOf[label], requests[label], settings.seconds, verify[label], meter);
        served[label] += sides[label].requests;
      }
      await sampleCheck();
      for (const label of LABELS) {
        const side = sides[label];
        const wrong = side.non2xx + side.mismatches + side.errors;
        if (wrong) {
          problems.push(
            `round ${round}, ${label}: ${side.non2xx} non-2xx, ${side.mismatches} wrong bodies, ` +
              `${side.errors} connection errors`,
          );
        }
        if (VARIANTS[label].audit && (side.audited < side.requests || side.auditedComplete < side.requests)) {
          problems.push(
            `round ${round}, ${label}: ${side.requests} responses but ${side.audited} audit records ` +
              `(${side.auditedComplete} complete) committed`,
          );
        }
        if (!VARIANTS[label].audit && side.audited !== 0) {
          problems.push(`round ${round}, ${label}: ${side.audited} audit records written with the audit off`);
        }
      }
      const ratios = Object.fromEntries(
        COSTS.map((cost) => [cost.name, sides.full.rps / sides[cost.without].rps]),
      ) as Record<CostName, number>;
      rounds.push({ round, order, loadAverage: os.loadavg()[0], sides, ratios });
      console.log(
        `  round ${round} (${order.map((l) => SHORT[l]).join('')}): ` +
          `${LABELS.map((l) => `${l} ${fixed(sides[l].rps)}`).join(', ')} req/s; ` +
          `permission cost ${pct(1 - ratios.permissions)}, audit cost ${pct(1 - ratios.audit)}; ` +
          `full: ${sides.full.audited} audit records for ${sides.full.requests} responses; load ${fixed(os.loadavg()[0], 2)}`,
      );
    }

    const profiles = settings.profile
      ? await Promise.all(
          hubs.map((hub) => hub.stopProfile(join(PROFILE_DIR, `hub-${hub.label}.cpuprofile`))),
        )
      : [];
    // Stopping a hub writes what its audit still holds: after it, every record is in the table.
    await Promise.all(hubs.splice(0).map((hub) => hub.stop()));
    const finalCounts = await auditCounts(database, key.id, since);
    const totals = Object.fromEntries(
      LABELS.map((label) => {
        const written = auditOf(finalCounts, requestIdOf(label));
        return [label, { responses: served[label], records: written.records, complete: written.complete }];
      }),
    ) as Record<Label, { responses: number; records: number; complete: number }>;
    for (const label of LABELS) {
      const total = totals[label];
      if (VARIANTS[label].audit && (total.records < total.responses || total.complete < total.responses)) {
        problems.push(`${label}: ${total.responses} responses in all but ${total.records} audit records`);
      }
      // Beyond one per response, at most the requests in flight when each load ended (one per connection).
      const inFlight = settings.connections * (rounds.length + 1);
      if (VARIANTS[label].audit && total.records > total.responses + inFlight) {
        problems.push(
          `${label}: ${total.records} audit records for ${total.responses} responses, more than one a request`,
        );
      }
      if (!VARIANTS[label].audit && total.records !== 0) {
        problems.push(`${label}: ${total.records} audit records in all with the audit off`);
      }
    }

    // Report
    const sideSummary = (label: Label) => {
      const of = rounds.map((r) => r.sides[label]);
      const requestsServed = sum(of.map((s) => s.requests));
      return {
        rpsMedian: median(of.map((s) => s.rps)),
        requests: requestsServed,
        // Pooled: all the CPU time of the rounds over all their requests.
        hubCpuMsPerRequest: sum(of.map((s) => s.hubCpu)) / requestsServed / 1000,
        dbCpuMsPerRequest: meter.dbCpu ? sum(of.map((s) => s.dbCpu ?? 0)) / requestsServed / 1000 : null,
        p50Median: median(of.map((s) => s.p50)),
        p99Median: median(of.map((s) => s.p99)),
        non2xx: sum(of.map((s) => s.non2xx)),
        mismatches: sum(of.map((s) => s.mismatches)),
        errors: sum(of.map((s) => s.errors)),
        auditRecords: sum(of.map((s) => s.audited)),
      };
    };
    const sides = Object.fromEntries(LABELS.map((l) => [l, sideSummary(l)])) as Record<
      Label,
      ReturnType<typeof sideSummary>
    >;
    const cpuCost = (full: number | null, without: number | null): CpuCost | null =>
      full === null || without === null ? null : { full, without, cost: 1 - without / full };
    const costOf = (cost: (typeof COSTS)[number]) => {
      const ratios = rounds.map((r) => r.ratios[cost.name]);
      const full = sides.full;
      const other = sides[cost.without];
      const together = (side: typeof full) =>
        side.dbCpuMsPerRequest === null ? null : side.hubCpuMsPerRequest + side.dbCpuMsPerRequest;
      return {
        compares: `full ÷ ${cost.without}`,
        issue: cost.issue,
        budget: cost.budget,
        ratioMedian: median(ratios),
        ratioMin: Math.min(...ratios),
        ratioMax: Math.max(...ratios),
        cost: 1 - median(ratios),
        costMin: 1 - Math.max(...ratios),
        costMax: 1 - Math.min(...ratios),
        // Every side ran as long in every round: all requests of full over all of the other's.
        ratioPooled: full.requests / other.requests,
        costPooled: 1 - full.requests / other.requests,
        // CPU ms per request, pooled; cost = 1 − CPU(without) ÷ CPU(full): the throughput a hub bound by
        // that CPU would lose.
        hubCpu: cpuCost(full.hubCpuMsPerRequest, other.hubCpuMsPerRequest),
        dbCpu: cpuCost(full.dbCpuMsPerRequest, other.dbCpuMsPerRequest),
        totalCpu: cpuCost(together(full), together(other)),
        met: 1 - median(ratios) <= cost.budget,
      };
    };
    const costs: Record<CostName, ReturnType<typeof costOf>> = {
      permissions: costOf(COSTS[0]),
      audit: costOf(COSTS[1]),
    };

    const header = [
      'round',
      'order',
      'full req/s',
      'no-perm req/s',
      'no-audit req/s',
      'perm cost',
      'audit cost',
      'hub ms/req F/P/A',
      'db ms/req F/P/A',
      'full p50/p99',
      'load',
    ];
    const cpuTriple = (get: (label: Label) => number | null) => LABELS.map((l) => ms(get(l))).join('/');
    const rows = rounds.map((r) => [
      String(r.round),
      r.order.map((l) => SHORT[l]).join(''),
      ...LABELS.map((l) => fixed(r.sides[l].rps)),
      pct(1 - r.ratios.permissions),
      pct(1 - r.ratios.audit),
      cpuTriple((l) => r.sides[l].hubCpu / r.sides[l].requests),
      cpuTriple((l) => (r.sides[l].dbCpu === null ? null : (r.sides[l].dbCpu ?? 0) / r.sides[l].requests)),
      `${r.sides.full.p50}/${r.sides.full.p99}`,
      fixed(r.loadAverage, 2),
    ]);
    rows.push([
      'median',
      '',
      ...LABELS.map((l) => fixed(sides[l].rpsMedian)),
      pct(costs.permissions.cost),
      pct(costs.audit.cost),
      cpuTriple((l) => sides[l].hubCpuMsPerRequest * 1000),
      cpuTriple((l) => (sides[l].dbCpuMsPerRequest === null ? null : sides[l].dbCpuMsPerRequest * 1000)),
      `${sides.full.p50Median}/${sides.full.p99Median}`,
      '',
    ]);
    console.log(`\n${table(header, rows)}`);
    console.log(
      '(order: F full, P no-permissions, A no-audit; CPU per request in the last row: all requests of the ' +
        'rounds pooled; latency in ms)',
    );
    console.log(
      `\nrequests: ${LABELS.map((l) => `${l} ${sides[l].requests}`).join(', ')}; non-2xx, wrong bodies, ` +
        `connection errors: ${LABELS.map((l) => `${l} ${sides[l].non2xx}/${sides[l].mismatches}/${sides[l].errors}`).join(', ')}`,
    );
    console.log(
      `audit records: ${LABELS.map((l) => `${l} ${sides[l].auditRecords} during the rounds' ${sides[l].requests} responses`).join(', ')}; ` +
        `over the whole run (warm-up and checks too): ${LABELS.map((l) => `${l} ${totals[l].records} for ${totals[l].responses} responses`).join(', ')} ` +
        '(records beyond the responses: requests in flight when a load ended, answered after autocannon stopped)',
    );
    const loadAfter = os.loadavg();
    console.log(loadLine(loadBefore, loadAfter));
    for (const cost of COSTS) {
      const c = costs[cost.name];
      const cpu = (name: string, figures: CpuCost | null) =>
        figures
          ? `${name} ${fixed(figures.full, 3)} vs ${fixed(figures.without, 3)} ms (${pct(figures.cost)})`
          : `${name} n/a`;
      console.log(
        `${cost.name} cost (full vs ${cost.without}): ${pct(c.cost)} (median of ${rounds.length} rounds, ` +
          `min ${pct(c.costMin)}, max ${pct(c.costMax)}; all requests together ${pct(c.costPooled)}) — ` +
          `budget ${pct(cost.budget)}: ${c.met ? 'met' : 'NOT MET'}` +
          `${settings.profile ? ' (measured under the CPU profiler)' : ''}\n` +
          `  CPU per request: ${cpu('hub', c.hubCpu)}, ${cpu('database', c.dbCpu)}, ${cpu('together', c.totalCpu)}`,
      );
    }
    // The benchmark itself keeps about as many processes runnable as a small machine has CPUs (the loaded
    // hub, autocannon, the database backends). Beyond twice the CPUs, others competed for them: the sides
    // of a round did not see the same machine, and req/s ratios say more about the others' load than about
    // the hubs (CPU per request holds up better).
    const peakLoad = Math.max(loadBefore[0], ...rounds.map((r) => r.loadAverage), loadAfter[0]);
    const overloaded = peakLoad > 2 * os.availableParallelism();
    if (overloaded) {
      console.log(
        `WARNING: load average up to ${fixed(peakLoad, 2)} on ${os.availableParallelism()} CPUs: other ` +
          'processes competed for the CPU during the rounds; the req/s ratios are unreliable (see the ' +
          'spread between min and max), CPU per request less so',
      );
    }
    for (const problem of problems) console.log(`PROBLEM: ${problem}`);

    const host = machine(loadBefore, loadAfter);
    const results = {
      benchmark: 'permissions',
      date: new Date().toISOString(),
      machine: { ...host, loadAverage: { ...host.loadAverage, peak: peakLoad }, overloaded },
      node: process.version,
      database: redacted(url),
      scenario: {
        consumer: PERMIT_CONSUMER,
        dataset: PERMITS.name,
        datasetRows: stored,
        rows: ROWS,
        fields: classes,
        grant: grant.id,
        query: QUERY,
        responseBytes: Buffer.byteLength(answers.full.text),
        responsesEqual: equal,
        differences: diff,
        privateProbeRefused: refused,
      },
      hubs: VARIANTS,
      settings: {
        ...settings,
        orders: ORDERS,
        hubProcesses: 'three child processes, NODE_ENV=production, loopback',
        databaseCpu: meter.dbCpu ? 'the hubs’ backends, from /proc' : 'not measured',
      },
      costs,
      sides,
      audit: {
        duringRounds: Object.fromEntries(LABELS.map((l) => [l, sides[l].auditRecords])),
        total: totals,
      },
      problems,
      rounds,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    writeResults('permissions', results);

    if (profiles.length) {
      // Requests each hub served while profiled: the rounds, and one sample check after each.
      const profiled = (label: Label) => sides[label].requests + rounds.length;
      const summaries = Object.fromEntries(
        LABELS.map((label, i) => [label, summariseProfile(profiles[i])]),
      ) as Record<Label, ReturnType<typeof summariseProfile>>;
      console.log(`\nCPU profiles over the rounds: ${profiles.join(', ')}`);
      for (const cost of COSTS) {
        console.log(`\n${cost.name}: full against ${cost.without}`);
        console.log(
          formatProfileComparison(
            summaries.full,
            profiled('full'),
            summaries[cost.without],
            profiled(cost.without),
            { a: 'full', b: SHORT[cost.without], top: 30 },
          ),
        );
      }
    }
    if (problems.length) throw new Error(`${problems.length} check(s) failed: ${problems.join('; ')}`);
  } finally {
    await Promise.all(hubs.map((hub) => hub.stop()));
    await revokeKeys(url, key ? [key] : []);
    await database.close();
  }
}

runIfMain(import.meta.url, run);
