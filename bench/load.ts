/**
 * Load and recovery (issue 5, item 4): mixed principals' queries at a steady, bounded rate against a real
 * hub process over loopback, every response body checked against an access oracle, then PostgreSQL
 * restarted and stopped under load.
 *
 * - A throwaway PostgreSQL cluster of its own (test/support/pgCluster.ts), so that it can be restarted; a
 *   `jingtu serve` process against it (bench/support/processes.ts; it migrates on start), jobs and rate
 *   limit off, keys from the hub's key service (src/access/keys.ts).
 * - Canaries: construction permits in three districts whose permit number, project name, contact person
 *   and contact phone embed `ROW-`, `PERSON-` and `PHONE-` markers naming their district and row. The
 *   oracle, written from the sharing rules and not from src/access: HOUSING (the owner) and AUDITOR read
 *   everything in clear; WATER reads every row, the contact person masked (王*), the phone not at all
 *   (CONDITIONAL, no grant: null + FORBIDDEN); a district (110105, 110108) reads only its own rows, masked
 *   and denied like WATER. Every response is compared field by field with what the oracle expects, and its
 *   raw text is scanned for every canary the caller may not see in clear.
 * - Phase 1, steady: BENCH_LOAD_SECONDS of load; any error (HTTP, GraphQL `errors` other than the expected
 *   denials, connection errors, timeouts) or wrong answer fails the benchmark.
 * - Phase 2, recovery: BENCH_RECOVERY_SECONDS of the same load; at 20% `pg_ctl restart -m fast`, at 40%
 *   `pg_ctl stop` for BENCH_OUTAGE_SECONDS, then start. /readyz is polled every 200 ms all along. Requests
 *   whose time in flight overlaps an outage (from the fault until /readyz answers 200 again) may fail, but
 *   only fast and as SERVICE_UNAVAILABLE: one the hub holds until its own request deadline (503 TIMEOUT)
 *   fails the benchmark, as does any failure outside those windows and any request unanswered past the
 *   timeout. After the load, every query is sent once a second until all are answered correctly (60 s at
 *   most): the time the hub took to recover by itself.
 * - Audit: every request carries its own x-request-id; every request the hub answered must have exactly one
 *   audit record with that request id (records of the outage are held in memory and written when the
 *   database is back: polled for up to BENCH_AUDIT_WAIT_SECONDS), whose outcome is TIMEOUT exactly when the
 *   answer was the deadline's 503 TIMEOUT, and the chain's verification (what `jingtu audit verify` runs)
 *   must find it intact.
 *
 * Load: autocannon, in 10 instances started 100 ms apart (autocannon's rate limit sends each connection's
 * quota for the second in one go; staggering spreads the bursts), each instance cycling through every
 * principal's queries from a different starting point. Latencies are measured per request by this file
 * (from the moment autocannon builds a request, right before it writes it, to its parsed response), not by
 * autocannon's histogram, whose coordinated-omission correction at a fixed rate would invent samples.
 * autocannon writes its next request as soon as a response is in, also into a connection the response
 * closes (the hub's 503 TIMEOUT does): such a request never reaches the hub and gets no answer; it is
 * counted apart ("written into a connection the hub had closed"), not as a hang.
 *
 *   npm run bench -- load                          (60 s steady + 45 s recovery, 2–3 minutes in all)
 *   BENCH_LOAD_SECONDS=10 BENCH_RECOVERY_SECONDS=30 npm run bench -- load      (a quick run)
 *
 * Environment: BENCH_LOAD_SECONDS (60), BENCH_RECOVERY_SECONDS (45, at least 20; 0 skips the phase),
 * BENCH_LOAD_RATE (100 requests/s in all), BENCH_LOAD_CONNECTIONS (50), BENCH_OUTAGE_SECONDS (5),
 * BENCH_REQUEST_TIMEOUT (10: the hub's JINGTU_REQUEST_TIMEOUT; autocannon gives up 5 s later),
 * BENCH_AUDIT_WAIT_SECONDS (60), BENCH_LOG_LEVEL (warn, the hub's LOG_LEVEL).
 * Results: bench/results/load.json.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon, { type Client, type Instance, type RequestParams, type Result } from 'autocannon';
import postgres from 'postgres';
import { verifyAuditChain } from '../src/audit/chain.js';
import { startThrowawayCluster, type ThrowawayCluster } from '../test/support/pgCluster.js';
import type { HubProcess } from '../test/support/process.js';
import { sampleRecord } from '../test/support/records.js';
import { datasetNamed, insertInto } from './support/data.js';
import { withBenchDatabase } from './support/database.js';
import { envNumber } from './support/env.js';
import { jsonHeaders, post } from './support/http.js';
import { createKeys } from './support/keys.js';
import { pollReadyz, type ReadySample, serveEnv, sleep, spawnServe, stopChild } from './support/processes.js';
import { gitState, loadLine, logSummary, machine, runIfMain, writeResults } from './support/report.js';
import { countBy, latency, round } from './support/stats.js';

function readSettings() {
  const recoverySeconds = envNumber('BENCH_RECOVERY_SECONDS', 45, { min: 0, max: 600 });
  if (recoverySeconds > 0 && recoverySeconds < 20) {
    throw new Error('BENCH_RECOVERY_SECONDS must be 0 (no recovery phase) or at least 20');
  }
  return {
    steadySeconds: envNumber('BENCH_LOAD_SECONDS', 60, { min: 1, max: 600 }),
    recoverySeconds,
    /** Requests per second in all, over every principal. */
    rate: Math.round(envNumber('BENCH_LOAD_RATE', 100, { min: 10, max: 1000 })),
    connections: Math.round(envNumber('BENCH_LOAD_CONNECTIONS', 50, { min: 10, max: 500 })),
    outageSeconds: envNumber('BENCH_OUTAGE_SECONDS', 5, { min: 1, max: 60 }),
    /** The hub's request timeout (JINGTU_REQUEST_TIMEOUT), in seconds. */
    requestTimeoutSeconds: Math.round(envNumber('BENCH_REQUEST_TIMEOUT', 10, { min: 1, max: 120 })),
    auditWaitSeconds: envNumber('BENCH_AUDIT_WAIT_SECONDS', 60, { min: 1, max: 600 }),
    hubLogLevel: process.env.BENCH_LOG_LEVEL || 'warn',
    /** autocannon instances started 1000/slots ms apart. */
    slots: 10,
    readyzIntervalMs: 200,
    rowsPerDistrict: 10,
  };
}
type Settings = ReturnType<typeof readSettings>;

// ---------------------------------------------------------------------------------------------------------
// The fixture and the oracle

const HOME = '110105';
const AWAY = '110108';
/** A district no principal of the benchmark belongs to. */
const ELSEWHERE = '110101';
const DISTRICTS = [HOME, AWAY, ELSEWHERE];

interface Caller {
  code: string;
  kind: 'DEPARTMENT' | 'DISTRICT' | 'AUDITOR';
  /** Reads personal fields in clear (owner, auditor) and the CONDITIONAL phone (no grant for anyone else). */
  clear: boolean;
  why: string;
  key: string;
}

const CALLERS: Omit<Caller, 'key'>[] = [
  { code: 'HOUSING', kind: 'DEPARTMENT', clear: true, why: 'owner of construction permits: all in clear' },
  { code: 'AUDITOR', kind: 'AUDITOR', clear: true, why: 'auditor: all in clear' },
  { code: 'WATER', kind: 'DEPARTMENT', clear: false, why: 'OPEN fields; contact masked, phone denied' },
  { code: HOME, kind: 'DISTRICT', clear: false, why: `its own rows only; masked and denied like WATER` },
  { code: AWAY, kind: 'DISTRICT', clear: false, why: `its own rows only; masked and denied like WATER` },
];

interface Row {
  district: string;
  index: number;
  permitNo: string;
  projectName: string;
  address: string;
  builder: string;
  contactPerson: string;
  contactPhone: string;
}

type CanaryKind = 'ROW' | 'PERSON' | 'PHONE';

const pad = (n: number) => String(n).padStart(2, '0');

function fixtureRows(runId: string, perDistrict: number): Row[] {
  return DISTRICTS.flatMap((district) =>
    Array.from({ length: perDistrict }, (_, index) => {
      const tag = `${runId}-${district}-${pad(index)}`;
      return {
        district,
        index,
        permitNo: `[2026]施[载]ROW-${tag}号`,
        projectName: `负载测试 ${runId} 项目 ROW-${tag}`,
        address: `北京市 ${district} 测试路 ${index + 1} 号`,
        builder: `负载测试建设单位 ${runId}`,
        // Masked as 王 followed by stars: the marker shows only in clear.
        contactPerson: `王PERSON-${tag}`,
        // Masked as the first three and last four characters: the marker shows only in clear.
        contactPhone: `139PHONE-${tag}-0000`,
      };
    }),
  );
}

/** Whether a caller sees a row at all: a district only its own (row scope), everyone else every row. */
const sees = (caller: Caller, district: string) => caller.kind !== 'DISTRICT' || caller.code === district;

/** Whether a canary may appear in a caller's response. */
function canaryAllowed(caller: Caller, kind: CanaryKind, district: string): boolean {
  if (!sees(caller, district)) return false;
  return kind === 'ROW' || caller.clear;
}

/** 脱敏 of a name as the brief describes it (张三 → 张*): written here, not imported from src/access. */
const maskName = (value: string) => {
  const chars = [...value];
  return chars[0] + '*'.repeat(Math.max(chars.length - 1, 1));
};

const LIST_FIELDS = [
  'permitNo',
  'projectName',
  'district',
  'address',
  'builder',
  'contactPerson',
  'contactPhone',
] as const;
const LOOKUP_FIELDS = ['permitNo', 'projectName', 'district', 'contactPerson'] as const;
type FieldName = (typeof LIST_FIELDS)[number];

/** The value a caller must read for a field of a row: null where the field is denied. */
function expectedValue(caller: Caller, row: Row, field: FieldName): string | null {
  if (field === 'contactPerson') return caller.clear ? row.contactPerson : maskName(row.contactPerson);
  if (field === 'contactPhone') return caller.clear ? row.contactPhone : null;
  return row[field];
}

/** Fields the caller is refused (null + FORBIDDEN at the field's path). */
const deniedField = (caller: Caller, field: FieldName) => field === 'contactPhone' && !caller.clear;

// ---------------------------------------------------------------------------------------------------------
// The queries

const LIST_QUERY = `query LoadList($search: String!) {
  constructionPermits(filter: { search: $search }, first: 100) {
    totalCount
    nodes { ${LIST_FIELDS.join(' ')} }
  }
}`;

const LOOKUP_QUERY = `query LoadLookup($permitNo: String!, $search: String!, $district: [String!]) {
  constructionPermit(permitNo: $permitNo) { ${LOOKUP_FIELDS.join(' ')} }
  inDistrict: constructionPermits(filter: { search: $search, district: $district }, first: 100) {
    totalCount
    nodes { permitNo projectName }
  }
}`;

const AUDIT_QUERY = `query LoadAudit {
  auditLog(first: 20, filter: { principal: "WATER" }) { hasMore records { seq requestId principal outcome } }
}`;

type QueryKind = 'list' | 'lookup' | 'audit';

interface Spec {
  caller: Caller;
  kind: QueryKind;
}

interface GqlError {
  message?: string;
  path?: (string | number)[];
  extensions?: { code?: string };
}

interface GqlBody {
  data?: Record<string, unknown> | null;
  errors?: GqlError[];
}

type Phase = 'probe' | 'steady' | 'recovery' | 'settle';
type Outcome = 'ok' | 'unavailable' | 'timeout' | 'error' | 'wrong';

interface Sent {
  id: string;
  spec: Spec;
  /** The looked-up row and the district of the district list (lookup queries). */
  row?: Row;
  district?: string;
  phase: Phase;
  sentAt: number;
  sentHr: number;
  /**
   * Written, by autocannon, into a connection whose previous response said `connection: close` (the hub's
   * request deadline closes the connection): it never reaches the hub, and autocannon forgets it.
   */
  afterClose?: boolean;
  answer?: {
    receivedAt: number;
    ms: number;
    status: number;
    outcome: Outcome;
    codes: string[];
    problems: string[];
  };
}

// ---------------------------------------------------------------------------------------------------------
// Checking one response

class Checker {
  readonly sent = new Map<string, Sent>();
  readonly leaks: string[] = [];
  readonly wrong: string[] = [];
  /** Responses whose x-request-id names no request of ours (or is missing). */
  readonly unattributed: string[] = [];
  readonly checkerFailures: string[] = [];
  phase: Phase = 'probe';
  private seq = 0;
  private lookups = 0;
  private readonly byPermitNo: Map<string, Row>;
  private readonly canary: RegExp;

  constructor(
    readonly runId: string,
    readonly rows: Row[],
  ) {
    this.byPermitNo = new Map(rows.map((row) => [row.permitNo, row]));
    this.canary = new RegExp(`(ROW|PERSON|PHONE)-${runId}-(\\d{6})-(\\d{2})`, 'g');
  }

  /** A new request: its id, its body, and what it asks. */
  next(spec: Spec): { sent: Sent; body: string } {
    const id = `ld-${this.runId}-${++this.seq}`;
    const sent: Sent = { id, spec, phase: this.phase, sentAt: Date.now(), sentHr: performance.now() };
    let body: string;
    if (spec.kind === 'list') {
      body = JSON.stringify({ query: LIST_QUERY, variables: { search: this.runId } });
    } else if (spec.kind === 'lookup') {
      const n = this.lookups++;
      sent.row = this.rows[n % this.rows.length];
      sent.district = DISTRICTS[Math.floor(n / this.rows.length) % DISTRICTS.length];
      body = JSON.stringify({
        query: LOOKUP_QUERY,
        variables: { permitNo: sent.row.permitNo, search: this.runId, district: [sent.district] },
      });
    } else body = JSON.stringify({ query: AUDIT_QUERY });
    this.sent.set(id, sent);
    return { sent, body };
  }

  headersFor(sent: Sent): Record<string, string> {
    return jsonHeaders(sent.spec.caller.key, { 'x-request-id': sent.id });
  }

  /** Records and checks one response; never throws (it runs inside autocannon's parser callback). */
  receive(status: number, text: string, requestId: string | undefined): void {
    const receivedAt = Date.now();
    const hr = performance.now();
    const sent = requestId ? this.sent.get(requestId) : undefined;
    if (!sent) {
      this.unattributed.push(
        `HTTP ${status}, x-request-id ${JSON.stringify(requestId)}: ${text.slice(0, 200)}`,
      );
      // Whoever it was for, no canary of a permit may appear in an answer nobody can be named for.
      if (this.canary.test(text))
        this.leaks.push(`unattributed response with a canary: ${text.slice(0, 300)}`);
      this.canary.lastIndex = 0;
      return;
    }
    if (sent.answer) {
      this.unattributed.push(`a second response for ${sent.id}: HTTP ${status}`);
      return;
    }
    try {
      const { outcome, codes, problems } = this.check(sent, status, text);
      sent.answer = { receivedAt, ms: hr - sent.sentHr, status, outcome, codes, problems };
    } catch (error) {
      this.checkerFailures.push(`${sent.id}: ${(error as Error).stack ?? String(error)}`);
      sent.answer = {
        receivedAt,
        ms: hr - sent.sentHr,
        status,
        outcome: 'wrong',
        codes: [],
        problems: ['checker failed'],
      };
    }
  }

  private check(sent: Sent, status: number, text: string) {
    const { caller, kind } = sent.spec;
    const what = `${caller.code} ${kind} ${sent.id}`;
    // The canary scan covers the whole text: data, error messages, extensions.
    for (const match of text.matchAll(this.canary)) {
      const [token, canaryKind, district] = match;
      if (!canaryAllowed(caller, canaryKind as CanaryKind, district)) {
        this.leaks.push(`${what}: ${token} (${caller.why})`);
      }
    }
    let body: GqlBody;
    try {
      body = JSON.parse(text) as GqlBody;
    } catch {
      return { outcome: 'error' as Outcome, codes: ['NOT_JSON'], problems: [`HTTP ${status}, not JSON`] };
    }
    const errors = Array.isArray(body.errors) ? body.errors : [];
    const codes = errors.map((e) => String(e.extensions?.code ?? 'NO_CODE'));
    if (codes.includes('SERVICE_UNAVAILABLE')) {
      const others = codes.filter((c) => c !== 'SERVICE_UNAVAILABLE' && c !== 'FORBIDDEN');
      return {
        outcome: (others.length ? 'error' : 'unavailable') as Outcome,
        codes: [...new Set(codes)],
        problems: others.length ? [`SERVICE_UNAVAILABLE with ${others.join(', ')}`] : [],
      };
    }
    if (codes.includes('TIMEOUT')) return { outcome: 'timeout' as Outcome, codes: ['TIMEOUT'], problems: [] };

    const problems: string[] = [];
    const used = new Set<GqlError>();
    const forbiddenAt = (path: (string | number)[]) => {
      const key = path.join('.');
      const error = errors.find((e) => e.path?.join('.') === key && e.extensions?.code === 'FORBIDDEN');
      if (error) used.add(error);
      return Boolean(error);
    };
    const data = body.data ?? undefined;
    if (status !== 200) problems.push(`HTTP ${status}`);
    if (!data) problems.push('no data');
    else if (kind === 'list') {
      this.checkList(
        caller,
        data.constructionPermits,
        'constructionPermits',
        LIST_FIELDS,
        problems,
        forbiddenAt,
      );
    } else if (kind === 'lookup') {
      const row = sent.row as Row;
      const found = data.constructionPermit as Record<string, unknown> | null | undefined;
      if (!sees(caller, row.district)) {
        if (found != null)
          problems.push(`lookup of ${row.permitNo} (district ${row.district}) answered a row`);
      } else if (found == null) problems.push(`lookup of ${row.permitNo} answered null`);
      else this.checkNode(caller, found, row, LOOKUP_FIELDS, ['constructionPermit'], problems, forbiddenAt);
      const conn = data.inDistrict as { totalCount?: number; nodes?: Record<string, unknown>[] } | null;
      const district = sent.district as string;
      const expected = this.rows.filter((r) => r.district === district && sees(caller, r.district));
      if (!conn || !Array.isArray(conn.nodes)) problems.push(`inDistrict ${district}: no list`);
      else {
        if (conn.totalCount !== expected.length) {
          problems.push(`inDistrict ${district}: totalCount ${conn.totalCount}, expected ${expected.length}`);
        }
        const got = conn.nodes.map((n) => String(n.permitNo)).sort();
        const want = expected.map((r) => r.permitNo).sort();
        if (got.join('|') !== want.join('|')) {
          problems.push(`inDistrict ${district}: ${got.length} rows, expected ${want.length}`);
        }
      }
    } else {
      const page = data.auditLog as { records?: { principal?: string }[] } | null;
      if (!page || !Array.isArray(page.records)) problems.push('auditLog: no records list');
      else if (page.records.some((r) => r.principal !== 'WATER')) {
        problems.push('auditLog: a record of another principal than the filter asked for');
      }
    }
    const unexpected = errors.filter((e) => !used.has(e));
    for (const error of unexpected.slice(0, 3)) {
      problems.push(
        `unexpected error ${String(error.extensions?.code)} at ${error.path?.join('.') ?? '-'}: ${error.message}`,
      );
    }
    if (unexpected.length > 3) problems.push(`… ${unexpected.length - 3} more unexpected errors`);
    const outcome: Outcome = unexpected.length || status !== 200 ? 'error' : problems.length ? 'wrong' : 'ok';
    if (outcome === 'wrong')
      for (const problem of problems.slice(0, 3)) this.wrong.push(`${what}: ${problem}`);
    return { outcome, codes: [...new Set(codes)], problems };
  }

  private checkList(
    caller: Caller,
    value: unknown,
    alias: string,
    fields: readonly FieldName[],
    problems: string[],
    forbiddenAt: (path: (string | number)[]) => boolean,
  ) {
    const conn = value as { totalCount?: number; nodes?: Record<string, unknown>[] } | null | undefined;
    if (!conn || !Array.isArray(conn.nodes)) {
      problems.push(`${alias}: no list`);
      return;
    }
    const expected = this.rows.filter((r) => sees(caller, r.district));
    if (conn.totalCount !== expected.length) {
      problems.push(`${alias}.totalCount ${conn.totalCount}, expected ${expected.length}`);
    }
    const seen = new Set<Row>();
    conn.nodes.forEach((node, i) => {
      const row = this.byPermitNo.get(String(node.permitNo));
      if (!row) {
        problems.push(`${alias}.nodes.${i}: an unknown row ${JSON.stringify(node.permitNo)}`);
        return;
      }
      if (!sees(caller, row.district)) {
        // The canary scan has counted it as a leak already.
        problems.push(`${alias}.nodes.${i}: row of district ${row.district}`);
        return;
      }
      if (seen.has(row)) problems.push(`${alias}.nodes.${i}: ${row.permitNo} twice`);
      seen.add(row);
      this.checkNode(caller, node, row, fields, [alias, 'nodes', i], problems, forbiddenAt);
    });
    const missing = expected.filter((r) => !seen.has(r)).length;
    if (missing) problems.push(`${alias}: ${missing} visible rows missing`);
  }

  private checkNode(
    caller: Caller,
    node: Record<string, unknown>,
    row: Row,
    fields: readonly FieldName[],
    path: (string | number)[],
    problems: string[],
    forbiddenAt: (path: (string | number)[]) => boolean,
  ) {
    for (const field of fields) {
      const value = node[field];
      const where = `${path.join('.')}.${field}`;
      if (deniedField(caller, field)) {
        if (value != null) problems.push(`${where}: denied, but answered ${JSON.stringify(value)}`);
        else if (!forbiddenAt([...path, field])) problems.push(`${where}: null without a FORBIDDEN error`);
        continue;
      }
      const expected = expectedValue(caller, row, field);
      if (value !== expected) {
        problems.push(`${where}: ${JSON.stringify(value)}, expected ${JSON.stringify(expected)}`);
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------------
// Figures

// ---------------------------------------------------------------------------------------------------------
// Load

interface Slot {
  instance: Instance;
  requestErrors: { at: number; message: string }[];
}

/** Autocannon instances started staggered, cycling through every spec; resolves with their results. */
async function load(
  url: string,
  checker: Checker,
  specs: Spec[],
  seconds: number,
  settings: Settings,
): Promise<{
  results: Result[];
  requestErrors: { at: number; message: string }[];
  aborted: { at: number; reason: string } | undefined;
}> {
  const slots: Slot[] = [];
  const started: Promise<Result>[] = [];
  let aborted: { at: number; reason: string } | undefined;
  let current: { closing: boolean } | undefined;
  for (let s = 0; s < settings.slots; s++) {
    // Each slot's share of the rate and of the connections; every connection gets at least 1 request/s
    // (autocannon treats a rate of 0 as no limit at all).
    const rate = Math.floor(settings.rate / settings.slots) + (s < settings.rate % settings.slots ? 1 : 0);
    const share =
      Math.floor(settings.connections / settings.slots) + (s < settings.connections % settings.slots ? 1 : 0);
    const connections = Math.max(1, Math.min(share, rate));
    const rotated = specs.map((_, i) => specs[(i + s * 3) % specs.length]);
    const requests = rotated.map((spec) => ({
      method: 'POST',
      path: '/graphql',
      setupRequest: (request: RequestParams) => {
        const { sent, body } = checker.next(spec);
        const client = current;
        current = undefined;
        if (client?.closing) {
          sent.afterClose = true;
          client.closing = false;
        }
        request.headers = { ...request.headers, ...checker.headersFor(sent) };
        request.body = body;
        return request;
      },
      onResponse: (
        status: number,
        body: string,
        _context: unknown,
        headers: Record<string, string | string[]>,
      ) => {
        const id = Object.entries(headers).find(([name]) => name.toLowerCase() === 'x-request-id')?.[1];
        checker.receive(status, body, Array.isArray(id) ? id[0] : id);
      },
    }));
    const instance = autocannon({
      url: `${url}/graphql`,
      method: 'POST',
      // Which connection builds the next request (setupRequest does not say), and whether the hub closed it.
      setupClient: (client: Client) => {
        const state = { closing: false };
        client.on('request', () => {
          if (client.reqsMade > 0) current = state;
        });
        client.on('headers', ({ headers = [] }) => {
          for (let i = 0; i + 1 < headers.length; i += 2) {
            if (/^connection$/i.test(headers[i]) && /close/i.test(headers[i + 1])) state.closing = true;
          }
        });
      },
      connections,
      overallRate: rate,
      duration: seconds,
      timeout: settings.requestTimeoutSeconds + 5,
      ignoreCoordinatedOmission: true,
      requests,
    });
    const slot: Slot = { instance, requestErrors: [] };
    instance.on('reqError', (error) => {
      slot.requestErrors.push({ at: Date.now(), message: error.message });
      // autocannon reconnects at once, without limit: a hub that no longer accepts connections would get
      // hundreds of thousands of attempts a second. Past this many the load stops (and the run fails).
      if (slot.requestErrors.length === 5000) {
        aborted ??= { at: Date.now(), reason: `${error.message} (5000 connection errors in one instance)` };
        for (const other of slots) other.instance.stop();
      }
    });
    slots.push(slot);
    started.push(Promise.resolve(instance));
    await sleep(1000 / settings.slots);
  }
  const results = await Promise.all(started);
  return { results, requestErrors: slots.flatMap((s) => s.requestErrors), aborted };
}

interface Fault {
  name: string;
  startedAt: number;
  /** When the database was back (pg_ctl returned after starting it). */
  backAt?: number;
  /** When /readyz first answered 200 after the database was back. */
  readyAt?: number;
  steps: Record<string, number>;
  error?: string;
}

async function runFaults(cluster: ThrowawayCluster, seconds: number, settings: Settings, faults: Fault[]) {
  const t0 = Date.now();
  const at = (fraction: number) => sleep(Math.max(0, t0 + fraction * seconds * 1000 - Date.now()));
  await at(0.2);
  const restart: Fault = { name: 'pg_ctl restart -m fast', startedAt: Date.now(), steps: {} };
  faults.push(restart);
  try {
    await cluster.restart('fast');
    restart.backAt = Date.now();
    restart.steps.restartMs = restart.backAt - restart.startedAt;
  } catch (error) {
    restart.error = (error as Error).message;
  }
  await at(0.4);
  const outage: Fault = {
    name: `pg_ctl stop -m fast, ${settings.outageSeconds} s down, start`,
    startedAt: Date.now(),
    steps: {},
  };
  faults.push(outage);
  try {
    await cluster.stop();
    const stoppedAt = Date.now();
    outage.steps.stopMs = stoppedAt - outage.startedAt;
    outage.steps.stoppedAt = stoppedAt;
    await sleep(settings.outageSeconds * 1000);
    const startAt = Date.now();
    outage.steps.startCalledAt = startAt;
    await cluster.start();
    outage.backAt = Date.now();
    outage.steps.startMs = outage.backAt - startAt;
  } catch (error) {
    outage.error = (error as Error).message;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Setup helpers

/** The canary rows, inserted straight into the table (they are not what is measured). */
function insertFixture(databaseUrl: string, rows: Row[], runId: string) {
  const dataset = datasetNamed('constructionPermit');
  const records = rows.map((row) =>
    sampleRecord(dataset, `${runId}${row.district}${pad(row.index)}`, {
      permitNo: row.permitNo,
      projectName: row.projectName,
      district: row.district,
      address: row.address,
      builder: row.builder,
      contactPerson: row.contactPerson,
      contactPhone: row.contactPhone,
    }),
  );
  return insertInto(databaseUrl, dataset, records);
}

/** What `jingtu audit verify` answers, from the service it runs. */
async function verifyChain(databaseUrl: string): Promise<{ intact: boolean; output: string }> {
  try {
    const result = await withBenchDatabase(databaseUrl, (database) => verifyAuditChain(database.sql));
    return {
      intact: result.intact,
      output: result.intact
        ? `audit chain intact: ${result.checked} records checked`
        : `audit chain broken at record ${result.firstBroken?.seq}: ${result.firstBroken?.reason} (${result.checked} records checked)`,
    };
  } catch (error) {
    return { intact: false, output: (error as Error).message };
  }
}

// ---------------------------------------------------------------------------------------------------------
// The benchmark

export async function run(): Promise<void> {
  const settings = readSettings();
  const started = Date.now();
  const loadBefore = os.loadavg();
  const runId = randomBytes(4).toString('hex').toUpperCase();
  const failures: string[] = [];
  const fail = (message: string) => {
    failures.push(message);
    console.log(`  FAIL: ${message}`);
  };
  /** What was seen that does not make a figure wrong, but that a reader must know. */
  const findings: string[] = [];
  const note = (message: string) => {
    findings.push(message);
    console.log(`  NOTE: ${message}`);
  };

  console.log(
    `load: ${settings.rate} req/s over ${settings.connections} connections (${settings.slots} autocannon instances ` +
      `100 ms apart), ${settings.steadySeconds} s steady + ${settings.recoverySeconds} s recovery; ` +
      `hub request timeout ${settings.requestTimeoutSeconds} s; run ${runId}`,
  );
  let cluster: ThrowawayCluster | undefined;
  let hub: HubProcess | undefined;
  let direct: postgres.Sql | undefined;
  let poller: ReturnType<typeof pollReadyz> | undefined;
  try {
    cluster = await startThrowawayCluster();
    const databaseUrl = cluster.url;
    console.log(`throwaway PostgreSQL cluster on port ${cluster.port}`);
    const served = await spawnServe(
      serveEnv(settings.hubLogLevel, {
        DATABASE_URL: databaseUrl,
        JINGTU_REQUEST_TIMEOUT: String(settings.requestTimeoutSeconds),
      }),
    );
    hub = served;
    const hubUrl = served.url;
    let hubExit: { code: number | null; signal: string | null; at: number } | undefined;
    served.child.once('exit', (code, signal) => {
      hubExit = { code, signal, at: Date.now() };
    });
    console.log(`hub ${hubUrl} (pid ${served.child.pid})`);

    const rows = fixtureRows(runId, settings.rowsPerDistrict);
    await insertFixture(databaseUrl, rows, runId);
    const keys = await createKeys(
      databaseUrl,
      CALLERS.map((caller) => caller.code),
      'bench:load',
    );
    const callers: Caller[] = CALLERS.map((caller) => ({ ...caller, key: keys[caller.code].key }));
    console.log(
      `fixture: ${rows.length} construction permits with canaries (${settings.rowsPerDistrict} in each of ` +
        `${DISTRICTS.join(', ')}); principals ${callers.map((c) => c.code).join(', ')}`,
    );

    const checker = new Checker(runId, rows);
    const specs: Spec[] = callers.flatMap((caller) => [
      { caller, kind: 'list' as const },
      { caller, kind: 'lookup' as const },
      ...(caller.kind === 'AUDITOR' ? [{ caller, kind: 'audit' as const }] : []),
    ]);

    /** Sends every spec once (lookups `lookups` times), one request at a time, each checked as under load. */
    const sendEach = async (lookups: number): Promise<Sent[]> => {
      const sent: Sent[] = [];
      for (const spec of specs) {
        for (let i = 0; i < (spec.kind === 'lookup' ? lookups : 1); i++) {
          const next = checker.next(spec);
          sent.push(next.sent);
          try {
            const timeoutMs = (settings.requestTimeoutSeconds + 5) * 1000;
            const answer = await post(
              `${hubUrl}/graphql`,
              next.body,
              checker.headersFor(next.sent),
              timeoutMs,
            );
            checker.receive(answer.status, answer.text, answer.headers.get('x-request-id') ?? undefined);
          } catch {
            // unanswered: left without an answer
          }
        }
      }
      return sent;
    };

    // Probe: every query once per principal (every row looked up), one at a time: the oracle must agree
    // before any load, and these are the service times of an unloaded hub.
    const probed = await sendEach(rows.length);
    const probeProblems = probed.filter((s) => s.answer?.outcome !== 'ok');
    if (probeProblems.length || checker.leaks.length) {
      const lines = probeProblems
        .slice(0, 10)
        .map(
          (s) =>
            `${s.spec.caller.code} ${s.spec.kind}: ${s.answer?.outcome}: ${s.answer?.problems.join('; ')}`,
        );
      throw new Error(`the probe failed before any load:\n  ${[...checker.leaks, ...lines].join('\n  ')}`);
    }
    const probeLatency = Object.fromEntries(
      (['list', 'lookup', 'audit'] as const).map((kind) => [
        kind,
        latency(probed.filter((s) => s.spec.kind === kind).map((s) => s.answer?.ms ?? 0)),
      ]),
    );
    console.log(
      `probe: ${probed.length} requests one at a time, service time p50 list ${probeLatency.list.p50} ms, lookup ` +
        `${probeLatency.lookup.p50} ms, audit ${probeLatency.audit.p50} ms; every answer as the oracle expects (${callers
          .map((c) => `${c.code} sees ${rows.filter((r) => sees(c, r.district)).length} rows`)
          .join(', ')})`,
    );

    direct = postgres(databaseUrl, { max: 1, onnotice: () => {} });
    poller = pollReadyz(hubUrl, settings.readyzIntervalMs);

    // Phase 1: steady
    checker.phase = 'steady';
    const steadyStart = Date.now();
    const steadyLoad = await load(hubUrl, checker, specs, settings.steadySeconds, settings);
    const steadyEnd = Date.now();

    // Phase 2: recovery
    const faults: Fault[] = [];
    let recoveryLoad: Awaited<ReturnType<typeof load>> | undefined;
    let recoveryStart = 0;
    let recoveryEnd = 0;
    if (settings.recoverySeconds > 0) {
      checker.phase = 'recovery';
      recoveryStart = Date.now();
      const loading = load(hubUrl, checker, specs, settings.recoverySeconds, settings);
      await runFaults(cluster, settings.recoverySeconds, settings, faults);
      recoveryLoad = await loading;
      recoveryEnd = Date.now();
    }
    // Settle: whether, and when, the hub answers every query correctly again after the last fault, in case
    // it had not by the end of the load (every spec once per round, a round a second, up to 60 s).
    const settle: { rounds: number; recoveredAt: number | null; lastProblems: string[] } = {
      rounds: 0,
      recoveredAt: null,
      lastProblems: [],
    };
    if (settings.recoverySeconds > 0) {
      checker.phase = 'settle';
      const deadline = Date.now() + 60_000;
      while (Date.now() < deadline) {
        settle.rounds++;
        const round = await sendEach(1);
        const notOk = round.filter((s) => s.answer?.outcome !== 'ok');
        if (notOk.length === 0) {
          settle.recoveredAt = Math.min(...round.map((s) => s.sentAt));
          break;
        }
        settle.lastProblems = notOk.map(
          (s) =>
            `${s.spec.caller.code} ${s.spec.kind}: ${s.answer ? `${s.answer.outcome} ${s.answer.codes.join('+')}` : 'unanswered'}`,
        );
        await sleep(1000);
      }
    }
    await sleep(500);
    await poller.stop();
    const samples = poller.samples;

    // Outage windows: from each fault to the first /readyz 200 after the database was back.
    for (const fault of faults) {
      if (fault.backAt === undefined) continue;
      fault.readyAt = samples.find((s) => s.at >= (fault.backAt as number) && s.status === 200)?.at;
    }
    const windows = faults.map((f) => ({ from: f.startedAt, to: f.readyAt ?? recoveryEnd }));
    const inWindow = (from: number, to: number) => windows.some((w) => from <= w.to && to >= w.from);

    // Phase figures
    const all = [...checker.sent.values()];
    const phaseFigures = (
      phase: Phase,
      from: number,
      to: number,
      loaded: Awaited<ReturnType<typeof load>> | undefined,
    ) => {
      const sent = all.filter((s) => s.phase === phase);
      const answered = sent.filter((s) => s.answer);
      const seconds = (to - from) / 1000;
      const ok = answered.filter((s) => s.answer?.outcome === 'ok');
      const byPrincipal = Object.fromEntries(
        callers.map((c) => {
          const mine = answered.filter((s) => s.spec.caller.code === c.code);
          return [
            c.code,
            {
              answered: mine.length,
              ok: mine.filter((s) => s.answer?.outcome === 'ok').length,
              latencyMs: latency(mine.map((s) => s.answer?.ms ?? 0)),
            },
          ];
        }),
      );
      const results = loaded?.results ?? [];
      const sum = (pick: (r: Result) => number) => results.reduce((total, r) => total + pick(r), 0);
      return {
        seconds: round(seconds),
        sent: sent.length,
        answered: answered.length,
        unanswered: sent.length - answered.length,
        throughput: round(answered.length / seconds),
        okThroughput: round(ok.length / seconds),
        latencyMs: latency(answered.map((s) => s.answer?.ms ?? 0)),
        okLatencyMs: latency(ok.map((s) => s.answer?.ms ?? 0)),
        outcomes: countBy(answered, (s) => s.answer?.outcome ?? ''),
        statusCodes: countBy(answered, (s) => String(s.answer?.status)),
        byPrincipal,
        byQuery: Object.fromEntries(
          (['list', 'lookup', 'audit'] as const).map((kind) => {
            const mine = answered.filter((s) => s.spec.kind === kind);
            return [kind, { answered: mine.length, latencyMs: latency(mine.map((s) => s.answer?.ms ?? 0)) }];
          }),
        ),
        unansweredWhy: {
          /** Written into a connection the hub was closing after a 503 TIMEOUT: never reached the hub. */
          lostOnClosedConnection: sent.filter((s) => !s.answer && s.afterClose).length,
          /** In flight when the load ended. */
          cutAtTheEnd: sent.filter(
            (s) => !s.answer && !s.afterClose && s.sentAt >= to - (settings.requestTimeoutSeconds + 5) * 1000,
          ).length,
        },
        /** Sent more than the client timeout before the end and never answered: hung. */
        hung: sent.filter(
          (s) => !s.answer && !s.afterClose && s.sentAt < to - (settings.requestTimeoutSeconds + 5) * 1000,
        ).length,
        autocannon: {
          sent: sum((r) => r.requests.sent),
          errors: sum((r) => r.errors),
          timeouts: sum((r) => r.timeouts),
          non2xx: sum((r) => r.non2xx),
        },
        requestErrors: countBy(loaded?.requestErrors ?? [], (e) => e.message),
      };
    };
    const steady = phaseFigures('steady', steadyStart, steadyEnd, steadyLoad);
    const recovery =
      settings.recoverySeconds > 0
        ? phaseFigures('recovery', recoveryStart, recoveryEnd, recoveryLoad)
        : null;

    // Checks: steady
    const bad = (s: Sent) => s.answer && s.answer.outcome !== 'ok';
    const steadyBad = all.filter((s) => s.phase === 'steady' && bad(s));
    if (steadyBad.length) {
      fail(
        `steady phase: ${steadyBad.length} failed answers (${JSON.stringify(countBy(steadyBad, (s) => `${s.answer?.outcome} ${s.answer?.codes.join('+')}`))}); first: ${steadyBad[0].answer?.problems.join('; ')}`,
      );
    }
    if (steady.autocannon.errors || steady.autocannon.timeouts) {
      fail(
        `steady phase: ${steady.autocannon.errors} connection errors, ${steady.autocannon.timeouts} timeouts: ${JSON.stringify(steady.requestErrors)}`,
      );
    }
    const steadyReadyz = samples.filter((s) => s.at >= steadyStart && s.at <= steadyEnd);
    const steadyNotReady = steadyReadyz.filter((s) => s.status !== 200);
    if (steadyNotReady.length) fail(`steady phase: /readyz answered ${steadyNotReady.length} times not 200`);

    // Checks: recovery
    const outageFigures = faults.map((fault, i) => {
      const window = windows[i];
      const during = all.filter(
        (s) =>
          s.phase === 'recovery' && s.answer && s.sentAt <= window.to && s.answer.receivedAt >= window.from,
      );
      const inFault = samples.filter(
        (s) => s.at >= fault.startedAt && s.at <= (fault.readyAt ?? recoveryEnd),
      );
      const notReady = inFault.filter((s) => s.status !== 200);
      // The first request sent after the database was back that was answered correctly.
      const firstOkAfter = all
        .filter((s) => s.answer?.outcome === 'ok' && fault.backAt !== undefined && s.sentAt >= fault.backAt)
        .sort((a, b) => (a.answer?.receivedAt ?? 0) - (b.answer?.receivedAt ?? 0))[0];
      return {
        fault: fault.name,
        error: fault.error ?? null,
        atSecond: round((fault.startedAt - recoveryStart) / 1000),
        steps: Object.fromEntries(
          Object.entries(fault.steps)
            .filter(([name]) => name.endsWith('Ms'))
            .map(([name, value]) => [name, value]),
        ),
        databaseBackAfterMs: fault.backAt === undefined ? null : fault.backAt - fault.startedAt,
        readyz: {
          samples: inFault.length,
          notReady: notReady.length,
          first503AfterMs: notReady.length ? notReady[0].at - fault.startedAt : null,
          last503AfterMs: notReady.length ? (notReady.at(-1) as ReadySample).at - fault.startedAt : null,
          /** From the first 503 to the first 200 after the database was back. */
          outageSeenMs: notReady.length && fault.readyAt ? fault.readyAt - notReady[0].at : 0,
          readyAfterDatabaseBackMs:
            fault.readyAt && fault.backAt !== undefined ? fault.readyAt - fault.backAt : null,
          slowestPollMs: Math.max(0, ...inFault.map((s) => s.ms)),
        },
        firstOkRequestAfterDatabaseBackMs:
          firstOkAfter?.answer && fault.backAt !== undefined
            ? firstOkAfter.answer.receivedAt - fault.backAt
            : null,
        requests: {
          overlapping: during.length,
          outcomes: countBy(during, (s) => s.answer?.outcome ?? ''),
          statusCodes: countBy(during, (s) => `${s.answer?.status} ${s.answer?.codes.join('+') || 'ok'}`),
          latencyMs: latency(during.map((s) => s.answer?.ms ?? 0)),
          failedLatencyMs: latency(during.filter(bad).map((s) => s.answer?.ms ?? 0)),
        },
      };
    });
    if (recovery) {
      for (const [i, fault] of faults.entries()) {
        if (fault.error) fail(`fault ${fault.name} did not run: ${fault.error}`);
        if (fault.backAt !== undefined && fault.readyAt === undefined) {
          fail(`after ${fault.name}: /readyz never answered 200 again before the phase ended`);
        }
        if (fault.name.startsWith('pg_ctl stop') && outageFigures[i].readyz.notReady === 0) {
          fail(`during ${fault.name}: /readyz never reported the outage`);
        }
        const { readyAfterDatabaseBackMs: ready } = outageFigures[i].readyz;
        const answering = outageFigures[i].firstOkRequestAfterDatabaseBackMs;
        if (ready !== null && answering !== null && answering - ready > 2000) {
          note(
            `after ${fault.name}: /readyz said ready ${round(ready / 1000)} s after the database was back, but the ` +
              `queries were answered correctly again only ${round(answering / 1000)} s after it`,
          );
        }
      }
      const outside = all.filter(
        (s) => s.phase === 'recovery' && bad(s) && !inWindow(s.sentAt, s.answer?.receivedAt ?? s.sentAt),
      );
      if (outside.length) {
        fail(
          `recovery phase: ${outside.length} failed answers outside the outage windows (${JSON.stringify(countBy(outside, (s) => `${s.answer?.outcome} ${s.answer?.codes.join('+')}`))}); first at +${round((outside[0].sentAt - recoveryStart) / 1000)} s: ${outside[0].answer?.problems.join('; ') || outside[0].answer?.codes.join(', ')}`,
        );
      }
      const inside = all.filter((s) => s.phase === 'recovery' && bad(s) && !outside.includes(s));
      const atDeadline = inside.filter((s) => s.answer?.outcome === 'timeout');
      if (atDeadline.length) {
        const ms = latency(atDeadline.map((s) => s.answer?.ms ?? 0));
        fail(
          `during the outages: ${atDeadline.length} requests did not fail fast: the hub held them until its ` +
            `${settings.requestTimeoutSeconds} s request deadline and answered 503 TIMEOUT (${ms.p50}–${ms.max} ms)`,
        );
      }
      const otherwise = inside.filter(
        (s) => s.answer?.outcome !== 'unavailable' && s.answer?.outcome !== 'timeout',
      );
      if (otherwise.length) {
        fail(
          `during the outages: ${otherwise.length} answers failed otherwise than SERVICE_UNAVAILABLE: ${JSON.stringify(countBy(otherwise, (s) => `${s.answer?.outcome} HTTP ${s.answer?.status} ${s.answer?.codes.join('+')}`))}; first: ${otherwise[0].answer?.problems.join('; ')}`,
        );
      }
      const last = faults.at(-1);
      const lastBack = last?.backAt;
      if (settle.recoveredAt === null) {
        fail(
          `after the last fault the hub did not answer every query correctly again within 60 s of the end of ` +
            `the load: ${settle.lastProblems.slice(0, 5).join('; ')}`,
        );
      } else if (lastBack !== undefined && recovery.hung === 0) {
        const okInLoad = all.some(
          (s) => s.phase === 'recovery' && s.answer?.outcome === 'ok' && s.sentAt >= lastBack,
        );
        if (!okInLoad) {
          note(
            `after ${last?.name}: no request of the load was answered correctly before it ended ` +
              `(${round((recoveryEnd - lastBack) / 1000)} s after the database was back); every query was ` +
              `answered correctly ${round((settle.recoveredAt - lastBack) / 1000)} s after it`,
          );
        }
      }
      if (recovery.autocannon.timeouts) {
        fail(`recovery phase: ${recovery.autocannon.timeouts} requests unanswered past the client timeout`);
      }
      const connectionErrors = (recoveryLoad?.requestErrors ?? []).filter(
        (e) => e.message !== 'request timed out',
      );
      const connectionErrorsOutside = connectionErrors.filter((e) => !inWindow(e.at, e.at));
      if (connectionErrorsOutside.length) {
        fail(
          `recovery phase: ${connectionErrorsOutside.length} connection errors outside the outage windows`,
        );
      }
    }
    for (const [label, loaded, from] of [
      ['steady', steadyLoad, steadyStart],
      ['recovery', recoveryLoad, recoveryStart],
    ] as const) {
      if (loaded?.aborted) {
        fail(
          `${label} phase: load stopped at +${round((loaded.aborted.at - from) / 1000)} s: the hub no longer ` +
            `accepted connections: ${loaded.aborted.reason}`,
        );
      }
    }
    for (const [label, figures] of [
      ['steady', steady],
      ['recovery', recovery],
    ] as const) {
      if (figures?.hung) {
        fail(
          `${label} phase: ${figures.hung} requests sent more than ${settings.requestTimeoutSeconds + 5} s before ` +
            `the end were never answered`,
        );
      }
    }
    const slowest = Math.max(0, ...all.map((s) => s.answer?.ms ?? 0));
    if (slowest > settings.requestTimeoutSeconds * 1000 + 1000) {
      fail(
        `a request took ${round(slowest / 1000)} s, past the ${settings.requestTimeoutSeconds} s request timeout`,
      );
    }
    if (checker.leaks.length)
      fail(`${checker.leaks.length} canaries leaked: ${checker.leaks.slice(0, 5).join('; ')}`);
    if (checker.wrong.length)
      fail(`${checker.wrong.length} wrong answers: ${checker.wrong.slice(0, 5).join('; ')}`);
    if (checker.unattributed.length) {
      fail(`${checker.unattributed.length} responses without our request id: ${checker.unattributed[0]}`);
    }
    if (checker.checkerFailures.length) fail(`the checker failed: ${checker.checkerFailures[0]}`);
    if (hubExit) fail(`the hub exited (code ${hubExit.code}, signal ${hubExit.signal}) during the run`);
    if (steady.throughput !== null && steady.throughput < settings.rate * 0.9) {
      note(
        `steady phase: ${steady.throughput} req/s answered of the ${settings.rate} req/s asked for: the hub (or ` +
          `this machine, load average ${os.loadavg()[0].toFixed(1)}) did not keep up, so latency includes queueing`,
      );
    }
    for (const o of outageFigures) {
      if (o.readyz.notReady === 0) {
        note(
          `${o.fault}: /readyz did not see it (${o.readyz.samples} polls in the window of ${o.databaseBackAfterMs} ms)`,
        );
      }
    }

    // Audit: one record per answered request, written once the database is back.
    const answeredIds = all.filter((s) => s.answer).map((s) => s.id);
    const auditWaitStart = Date.now();
    let audited = new Map<string, { n: number; outcomes: string[] }>();
    let found = 0;
    while (true) {
      try {
        const rowsFound = await direct<{ requestId: string; n: number; outcomes: string[] }[]>`
          select request_id as "requestId", count(*)::int as n, array_agg(outcome order by seq) as outcomes
          from audit_log where request_id like ${`ld-${runId}-%`} group by request_id`;
        audited = new Map(rowsFound.map((r) => [r.requestId, { n: r.n, outcomes: r.outcomes }]));
        found = answeredIds.filter((id) => audited.has(id)).length;
      } catch (error) {
        console.log(`  audit query failed (${(error as Error).message}); trying again`);
      }
      if (found === answeredIds.length || Date.now() - auditWaitStart > settings.auditWaitSeconds * 1000)
        break;
      await sleep(1000);
    }
    const auditWaitedMs = Date.now() - auditWaitStart;
    const missing = answeredIds.filter((id) => !audited.has(id));
    const doubled = [...audited.entries()].filter(([, v]) => v.n > 1);
    const auditedUnanswered = [...audited.keys()].filter((id) => !checker.sent.get(id)?.answer);
    // Requests written into a connection the hub was closing never reached it: it cannot have audited them.
    const lostButAudited = all.filter((s) => !s.answer && s.afterClose && audited.has(s.id)).length;
    if (lostButAudited) {
      note(
        `${lostButAudited} requests counted as lost on a closed connection have an audit record after all`,
      );
    }
    const outcomeCrosstab = countBy(
      all.filter((s) => s.answer && audited.has(s.id)),
      (s) => `${s.answer?.outcome} → ${audited.get(s.id)?.outcomes.join('+')}`,
    );
    const missingByPhase = countBy(missing, (id) => {
      const s = checker.sent.get(id) as Sent;
      return `${s.phase}${s.phase === 'recovery' && inWindow(s.sentAt, s.answer?.receivedAt ?? s.sentAt) ? ' (outage)' : ''} ${s.answer?.outcome}`;
    });
    if (missing.length) {
      fail(
        `${missing.length} of ${answeredIds.length} answered requests have no audit record after ${round(auditWaitedMs / 1000)} s: ${JSON.stringify(missingByPhase)}; e.g. ${missing.slice(0, 3).join(', ')}`,
      );
    }
    if (doubled.length)
      fail(`${doubled.length} requests have more than one audit record, e.g. ${doubled[0][0]}`);
    // The record names what the client got: TIMEOUT exactly when the deadline answered (src/http/timeouts.ts).
    const timeoutMismatch = all.filter((s) => {
      const outcomes = s.answer ? audited.get(s.id)?.outcomes : undefined;
      return outcomes && (s.answer?.outcome === 'timeout') !== outcomes.includes('TIMEOUT');
    });
    if (timeoutMismatch.length) {
      fail(
        `${timeoutMismatch.length} audit records disagree with the answer about TIMEOUT: ${JSON.stringify(countBy(timeoutMismatch, (s) => `${s.answer?.outcome} → ${audited.get(s.id)?.outcomes.join('+')}`))}`,
      );
    }

    const verify = await verifyChain(databaseUrl);
    if (!verify.intact) fail(`audit verify: ${verify.output}`);

    // Shutdown: SIGTERM, as a process manager stops it; killed if it has not exited in 30 s.
    const shutdown = await stopChild(served.child, 30_000);
    if (!shutdown.exitedOnSigterm) {
      note(
        `the hub did not exit within ${shutdown.waitedMs / 1000} s of SIGTERM (killed): shutdown hangs ` +
          `(its log says: ${JSON.stringify(hub.output().match(/"msg":"(shutting down[^"]*)"/)?.[1] ?? 'nothing about it')})`,
      );
    }
    const hubLog = logSummary(hub.output());
    const hubLogFile = join(os.tmpdir(), `jingtu-bench-load-${runId}-hub.log`);
    writeFileSync(hubLogFile, hub.output());
    const postgresLogFile = join(os.tmpdir(), `jingtu-bench-load-${runId}-postgres.log`);
    writeFileSync(postgresLogFile, cluster.log());
    // Requests never answered that autocannon did not count as timeouts either: what became of them.
    const hung = all
      .filter((s) => {
        const to = s.phase === 'steady' ? steadyEnd : recoveryEnd;
        return !s.answer && !s.afterClose && s.sentAt < to - (settings.requestTimeoutSeconds + 5) * 1000;
      })
      .map((s) => ({
        id: s.id,
        phase: s.phase,
        principal: s.spec.caller.code,
        query: s.spec.kind,
        sentAtSecond: round((s.sentAt - (s.phase === 'steady' ? steadyStart : recoveryStart)) / 1000, 2),
        audited: audited.get(s.id)?.outcomes ?? null,
      }));
    const loadAfter = os.loadavg();

    // Report
    const line = (label: string, f: ReturnType<typeof phaseFigures>) =>
      `${label}: ${f.answered} answered in ${f.seconds} s = ${f.throughput} req/s (${f.okThroughput} ok/s); ` +
      `latency p50 ${f.latencyMs.p50} ms, p99 ${f.latencyMs.p99} ms, max ${f.latencyMs.max} ms; ` +
      `outcomes ${JSON.stringify(f.outcomes)}; HTTP ${JSON.stringify(f.statusCodes)}; ` +
      `connection errors ${f.autocannon.errors}, timeouts ${f.autocannon.timeouts}, unanswered ${f.unanswered} ` +
      `(${f.unansweredWhy.cutAtTheEnd} in flight at the end, ${f.unansweredWhy.lostOnClosedConnection} written ` +
      `into a connection the hub had closed, ${f.hung} hung)`;
    console.log(`\n${line('steady', steady)}`);
    for (const [code, p] of Object.entries(steady.byPrincipal)) {
      console.log(
        `  ${code.padEnd(8)} ${p.answered} answered, ${p.ok} ok, p50 ${p.latencyMs.p50} ms, p99 ${p.latencyMs.p99} ms`,
      );
    }
    if (recovery) {
      console.log(line('recovery', recovery));
      for (const o of outageFigures) {
        console.log(
          `  +${o.atSecond} s ${o.fault}: database back after ${o.databaseBackAfterMs} ms; /readyz not ready ` +
            `${o.readyz.notReady ? `${o.readyz.notReady}× (seen ${o.readyz.outageSeenMs} ms)` : 'never seen'}, 200 again ${o.readyz.readyAfterDatabaseBackMs} ms ` +
            `after the database; first request sent after it answered correctly ${o.firstOkRequestAfterDatabaseBackMs} ms after; ` +
            `${o.requests.overlapping} requests in the window: ${JSON.stringify(o.requests.statusCodes)}, ` +
            `failed ones p50 ${o.requests.failedLatencyMs.p50} ms, max ${o.requests.failedLatencyMs.max} ms`,
        );
      }
    }
    if (settings.recoverySeconds > 0) {
      const back = faults.at(-1)?.backAt;
      console.log(
        settle.recoveredAt !== null && back !== undefined
          ? `  after the load: every query answered correctly, first round sent ${round((settle.recoveredAt - back) / 1000)} s after the database was back (${settle.rounds} round${settle.rounds === 1 ? '' : 's'})`
          : `  after the load: NOT every query answered correctly within 60 s: ${settle.lastProblems.slice(0, 3).join('; ')}`,
      );
    }
    console.log(
      `leaks: ${checker.leaks.length}; wrong answers: ${checker.wrong.length}; unattributed: ${checker.unattributed.length}; ` +
        `slowest request ${round(slowest)} ms (timeout ${settings.requestTimeoutSeconds} s)`,
    );
    console.log(
      `audit: ${answeredIds.length} answered requests, ${found} with a record (${missing.length} missing, ` +
        `${doubled.length} doubled, ${auditedUnanswered.length} more for requests cut off unanswered), after ` +
        `${round(auditWaitedMs / 1000)} s; ${verify.output}`,
    );
    console.log(`hub log (warn and above): ${JSON.stringify(hubLog)}; all of it: ${hubLogFile}`);
    console.log(`PostgreSQL log: ${postgresLogFile}`);
    console.log(loadLine(loadBefore, loadAfter));

    const results = {
      benchmark: 'load',
      date: new Date().toISOString(),
      passed: failures.length === 0,
      failures,
      findings,
      machine: machine(loadBefore, loadAfter),
      node: process.version,
      source: await gitState(undefined, ['src', 'migrations', 'test/support']),
      settings: {
        ...settings,
        clientTimeoutSeconds: settings.requestTimeoutSeconds + 5,
        hub: 'jingtu serve (child process, NODE_ENV=production), JINGTU_JOBS=off, JINGTU_RATE_LIMIT=0, pool 10',
        database: 'throwaway PostgreSQL 15 cluster (fsync off), loopback',
      },
      fixture: {
        runId,
        dataset: 'constructionPermit',
        rows: rows.length,
        districts: DISTRICTS,
        principals: callers.map((c) => ({ code: c.code, kind: c.kind, oracle: c.why })),
        queries: { list: LIST_QUERY, lookup: LOOKUP_QUERY, audit: AUDIT_QUERY },
      },
      probe: { requests: probed.length, serviceTimeMs: probeLatency },
      settle: {
        rounds: settle.rounds,
        recoveredAfterDatabaseBackMs:
          settle.recoveredAt !== null && faults.at(-1)?.backAt !== undefined
            ? settle.recoveredAt - (faults.at(-1)?.backAt as number)
            : null,
        lastProblems: settle.lastProblems.slice(0, 20),
      },
      steady,
      recovery: recovery ? { ...recovery, faults: outageFigures } : null,
      checks: {
        leaks: checker.leaks.length,
        leakExamples: checker.leaks.slice(0, 20),
        wrongAnswers: checker.wrong.length,
        wrongExamples: checker.wrong.slice(0, 20),
        unattributed: checker.unattributed.length,
        slowestRequestMs: round(slowest),
        hung: hung.slice(0, 50),
      },
      audit: {
        answeredRequests: answeredIds.length,
        withRecord: found,
        missing: missing.length,
        missingByPhase,
        missingExamples: missing.slice(0, 20),
        doubled: doubled.length,
        auditedButUnanswered: auditedUnanswered.length,
        outcomes: outcomeCrosstab,
        waitedMs: auditWaitedMs,
        verify: verify.output,
        intact: verify.intact,
      },
      readyz: {
        samples: samples.length,
        notReady: samples.filter((s) => s.status !== 200).length,
        statuses: countBy(samples, (s) => String(s.status)),
        /** Every change of answer (0: no answer), in seconds from the start of the steady phase. */
        changes: samples
          .filter((sample, i) => i === 0 || sample.status !== samples[i - 1].status)
          .map((sample) => ({ atSecond: round((sample.at - steadyStart) / 1000, 2), status: sample.status })),
        phases: {
          recoveryStartsAtSecond: recoveryStart ? round((recoveryStart - steadyStart) / 1000, 2) : null,
          faultsAtSecond: faults.map((f) => round((f.startedAt - steadyStart) / 1000, 2)),
        },
      },
      hubShutdown: shutdown,
      hubLog,
      seconds: Math.round((Date.now() - started) / 1000),
    };
    writeResults('load', results);
    if (failures.length) {
      throw new Error(`load benchmark failed ${failures.length} checks:\n  ${failures.join('\n  ')}`);
    }
  } finally {
    await poller?.stop();
    await direct?.end({ timeout: 1 }).catch(() => {});
    if (hub) await stopChild(hub.child, 10_000);
    await cluster?.destroy();
  }
}

runIfMain(import.meta.url, run);
