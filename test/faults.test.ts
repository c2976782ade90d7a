import { type ChildProcess, execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { constructionPermit } from '../src/catalog/datasets/constructionPermit.js';
import type { PublishResult } from '../src/cli/push.js';
import {
  type CuttableProxy,
  clusterToolsInstalled,
  startCuttableProxy,
  startThrowawayCluster,
  type ThrowawayCluster,
} from './support/pgCluster.js';
import { type HubProcess, spawnHub } from './support/process.js';
import { sampleRecord, uniqueId } from './support/records.js';

/**
 * Issue 4, item 5: PostgreSQL restarted or cut several times in the middle of a large publish loses
 * nothing and doubles nothing, and replaying the batch changes nothing after the first time.
 *
 * Everything runs against a throwaway cluster of this file's own (test/support/pgCluster.ts), never the
 * shared server of the rest of the suite, which must not be stopped. The hub is a real `jingtu serve`
 * process talking to that cluster through a TCP proxy that can cut every connection; the publisher is the
 * real `jingtu sync push`, retried with the same batch key until it succeeds, as a cron job does.
 */

const execFileAsync = promisify(execFile);

/** Large enough that one publish takes seconds, so that every fault lands inside one. */
const RECORDS = 200_000;
const MAX_ATTEMPTS = 12;

const runId = uniqueId();
const batchKey = `faults-${runId}`;
/** The temporary folder and the source file in it, made in beforeAll (nothing is left when skipped). */
let folder: string;
let file: string;
// A cron job: no terminal, CI set (no progress bar), the key only on the command line.
const { JINGTU_KEY: _key, DATABASE_URL: _url, ...inherited } = process.env;
const cronEnv = { ...inherited, CI: '1' };

interface PermitFingerprint {
  permitNo: string;
  projectName: string;
  issuedOn: string;
  floorAreaM2: number;
}

/** One record's natural key and values, as text both JavaScript and PostgreSQL spell the same way. */
const fingerprint = (permit: PermitFingerprint) =>
  `${permit.permitNo}|${permit.projectName}|${permit.issuedOn}|${permit.floorAreaM2}`;

/**
 * Order-independent checksum: the sum of the first 60 bits of each fingerprint's MD5. Unlike XOR, a
 * doubled record changes a sum, and the row count beside it rules out compensating errors in practice.
 */
function checksumOf(fingerprints: Iterable<string>): string {
  let sum = 0n;
  for (const text of fingerprints) {
    sum += BigInt(`0x${createHash('md5').update(text).digest('hex').slice(0, 15)}`);
  }
  return sum.toString();
}

/**
 * The same checksum, computed by PostgreSQL over the table (the area as float8: numeric's text keeps
 * trailing zeros, JavaScript's does not).
 */
const SQL_CHECKSUM = `coalesce(sum(('x' || left(md5(permit_no || '|' || project_name || '|' || issued_on::text
  || '|' || floor_area_m2::float8::text), 15))::bit(60)::bigint), 0)::text`;

/**
 * Writes the source file: RECORDS valid permits, built from the suite's sample record with a distinct
 * permit number, name, date and floor area each. Floor areas are multiples of 0.25, exact in binary, so
 * both sides print them alike.
 */
function writeSourceFile(): string {
  const {
    publisher: _p,
    sourceRecordId: _s,
    syncBatch: _b,
    ...template
  } = sampleRecord(constructionPermit, runId);
  const firstDay = Date.UTC(2015, 0, 1);
  const fingerprints: string[] = [];
  const fd = openSync(file, 'w');
  let lines = '';
  for (let i = 0; i < RECORDS; i++) {
    const permit = {
      ...template,
      permitNo: `[2025]断网测试${runId}-${i}`,
      projectName: `故障演练项目 ${i}`,
      issuedOn: new Date(firstDay + (i % 3650) * 86_400_000).toISOString().slice(0, 10),
      floorAreaM2: 100 + (i % 40_000) * 0.25,
    };
    fingerprints.push(fingerprint(permit));
    lines += `${JSON.stringify(permit)}\n`;
    if (lines.length > 1 << 20) {
      writeSync(fd, lines);
      lines = '';
    }
  }
  writeSync(fd, lines);
  closeSync(fd);
  return checksumOf(fingerprints);
}

let cluster: ThrowawayCluster;
let proxy: CuttableProxy;
let hub: HubProcess;
/** A connection straight to the cluster, past the proxy, for watching and checking. */
let direct: postgres.Sql;
let key: string;
let sourceChecksum: string;

/** The hub reaches the database only through the proxy, so that a cut reaches every one of its connections. */
// Scheduled jobs are not under test here (test/jobs.test.ts covers them) and pg-boss's own reconnects only
// slow the hub's stop after the cuts.
const hubEnv = () => ({
  ...cronEnv,
  DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/postgres`,
  JINGTU_JOBS: 'off',
});
/** Each death of the hub process: its exit code and the end of its output. */
const hubDeaths: string[] = [];

/**
 * A hub process that died is started again, as systemd would, after recording the death (a failure of its
 * own): the publish then goes on, so the test still tells whether the data came through whole.
 */
async function restartHubIfDead() {
  if (hub.child.exitCode === null && hub.child.signalCode === null) return;
  hubDeaths.push(
    `exit ${hub.child.exitCode ?? hub.child.signalCode}; the end of its output:\n${hub.output().slice(-2500)}`,
  );
  hub = await spawnHub(hubEnv());
}

interface Run {
  /** The hub process had died and was started again just before this attempt. */
  hubRestartedFirst?: boolean;
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

const pushes = new Set<ChildProcess>();

/** One run of `jingtu sync push` of the whole file under the fixed batch key, as the cron job runs it. */
function push(): Promise<Run> {
  const started = Date.now();
  const args = ['bin/jingtu.js', 'sync', 'push', '--url', hub.url, '--key', key];
  args.push('--dataset', 'constructionPermit', '--file', file, '--batch-key', batchKey, '--timeout', '60');
  return new Promise((resolve) => {
    const child = execFile('node', args, { env: cronEnv }, (error, stdout, stderr) => {
      pushes.delete(child);
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr, ms: Date.now() - started });
    });
    pushes.add(child);
  });
}

type Phase = 'staging' | 'merge';

interface PublishInFlight {
  /** pid and transaction start: which attempt this is. */
  id: string;
  phase: Phase;
  ageMs: number;
}

/**
 * The hub's publishing transaction as the server sees it, if one is running: staging (rows going into
 * jt_staging while the body is read) or merge (the set-wise upsert into the table). Undefined while the
 * server is down.
 */
async function publishInFlight(): Promise<PublishInFlight | undefined> {
  try {
    const rows = await direct<{ id: string; merging: boolean; ageMs: number }[]>`
      select pid || '@' || xact_start::text as id,
             state = 'active' and query like 'with latest as%insert into%' as merging,
             (extract(epoch from clock_timestamp() - xact_start) * 1000)::int as "ageMs"
      from pg_stat_activity
      where application_name = 'jingtu-hub' and pid <> pg_backend_pid() and xact_start is not null
        and state in ('active', 'idle in transaction') and query like '%jt_staging%'`;
    const [row] = rows;
    return row && { id: row.id, phase: row.merging ? 'merge' : 'staging', ageMs: row.ageMs };
  } catch {
    return undefined;
  }
}

interface Fault {
  name: string;
  phase: Phase;
  /** How long the transaction must have been open first: deep enough into the phase. */
  afterMs: number;
  inject(): Promise<string>;
}

const FAULTS: Fault[] = [
  {
    name: 'network cut (RST on every connection) while staging',
    phase: 'staging',
    afterMs: 700,
    inject: async () => `${proxy.cut()} connections cut`,
  },
  {
    name: 'pg_ctl restart -m fast while staging',
    phase: 'staging',
    afterMs: 1500,
    inject: async () => {
      await cluster.restart('fast');
      return 'restarted';
    },
  },
  {
    name: 'pg_ctl restart -m immediate (a crash: WAL recovery) while merging',
    phase: 'merge',
    afterMs: 0,
    inject: async () => {
      await cluster.restart('immediate');
      return 'restarted';
    },
  },
  {
    name: 'network cut while merging (the server finishes the statement, then finds its client gone)',
    phase: 'merge',
    afterMs: 0,
    inject: async () => `${proxy.cut()} connections cut`,
  },
];

interface InjectedFault {
  name: string;
  hit: PublishInFlight;
  detail: string;
}

/**
 * Injects the faults in order, each into a publishing transaction none of the earlier faults hit, once it
 * is in the fault's phase. Stops early when `finished()` says the publish went through.
 */
async function injectFaults(finished: () => boolean): Promise<InjectedFault[]> {
  const injected: InjectedFault[] = [];
  const hitBefore = new Set<string>();
  for (const fault of FAULTS) {
    let hit: PublishInFlight | undefined;
    while (!finished()) {
      const now = await publishInFlight();
      if (now && !hitBefore.has(now.id) && now.phase === fault.phase && now.ageMs >= fault.afterMs) {
        hit = now;
        break;
      }
      await sleep(10);
    }
    if (!hit) break;
    hitBefore.add(hit.id);
    injected.push({ name: fault.name, hit, detail: await fault.inject() });
  }
  return injected;
}

interface TableState {
  rows: number;
  liveRows: number;
  distinctKeys: number;
  distinctChangeSeqs: number;
  firstVersions: number;
  fromThisBatch: number;
  checksum: string;
  maxChangeSeq: string;
  lastChanged: string;
  /** The newest transaction that wrote a row: any rewrite, even to equal values, moves it. */
  newestWriter: string;
  sequence: string;
  batches: number;
}

async function tableState(): Promise<TableState> {
  const [state] = await direct.unsafe<TableState[]>(`
    select count(*)::int as rows,
           count(*) filter (where not deleted and publisher = 'HOUSING')::int as "liveRows",
           count(distinct permit_no)::int as "distinctKeys",
           count(distinct change_seq)::int as "distinctChangeSeqs",
           count(*) filter (where version = 1)::int as "firstVersions",
           count(*) filter (where sync_batch = '${batchKey}')::int as "fromThisBatch",
           (select ${SQL_CHECKSUM} from construction_permit where not deleted and publisher = 'HOUSING') as checksum,
           max(change_seq)::text as "maxChangeSeq",
           max(last_changed_at)::text as "lastChanged",
           max(xmin::text::bigint)::text as "newestWriter",
           (select last_value::text from hub_change_seq) as sequence,
           (select count(*)::int from sync_batch where dataset = 'constructionPermit') as batches
    from construction_permit`);
  return state;
}

/**
 * POSTs the file to the batch endpoint as `sync push` does: the answer counts as soon as it arrives. The hub
 * answers a replay without reading the body, so the connection may close while the upload is still going;
 * a write error after the answer is expected, not a failure (fetch() would report "fetch failed", EPIPE).
 */
function postBatch(): Promise<{ status: number; result: PublishResult }> {
  return new Promise((resolve, reject) => {
    let answered = false;
    const request = httpRequest(
      `${hub.url}/datasets/constructionPermit/batches/${batchKey}`,
      { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' } },
      (response) => {
        answered = true;
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => {
          text += chunk;
        });
        response.on('error', reject);
        response.on('end', () => resolve({ status: response.statusCode ?? 0, result: JSON.parse(text) }));
      },
    );
    request.on('error', (error) => {
      if (!answered) reject(error);
    });
    pipeline(createReadStream(file), request).catch(() => {});
  });
}

interface ChangeLine {
  cursor?: string;
  operation?: string;
  record?: PermitFingerprint & { provenance: { version: number; publisher: string } };
  endCursor?: string;
  hasMore?: boolean;
}

/** The whole change feed of the dataset as the publisher reads it, page after page. */
async function readChangeFeed(): Promise<ChangeLine[]> {
  const changes: ChangeLine[] = [];
  let after = '0';
  for (;;) {
    const response = await fetch(
      `${hub.url}/datasets/constructionPermit/changes?after=${after}&limit=100000`,
      { headers: { authorization: `Bearer ${key}` } },
    );
    expect(response.status).toBe(200);
    const lines = (await response.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as ChangeLine);
    const end = lines.pop();
    expect(end?.endCursor, 'the page ends with its endCursor line').toBeDefined();
    changes.push(...lines);
    if (!end?.hasMore) return changes;
    after = String(end.endCursor);
  }
}

describe.skipIf(inject('databaseKind') === 'embedded' || !clusterToolsInstalled())(
  'publishing through PostgreSQL restarts and network cuts',
  { timeout: 300_000 },
  () => {
    beforeAll(async () => {
      folder = mkdtempSync(join(tmpdir(), 'jingtu-faults-'));
      file = join(folder, 'permits.ndjson');
      cluster = await startThrowawayCluster();
      proxy = await startCuttableProxy(cluster.port);
      direct = postgres(cluster.url, { max: 1, onnotice: () => {} });
      // `serve` migrates the empty cluster on start.
      hub = await spawnHub(hubEnv());
      const created = await execFileAsync(
        'node',
        ['bin/jingtu.js', 'keys', 'create', '--principal', 'HOUSING', '--name', 'faults test'],
        { env: { ...cronEnv, DATABASE_URL: cluster.url } },
      );
      key = created.stdout.trim().split('\n').at(-1) ?? '';
      expect(key).toMatch(/^jt_/);
      sourceChecksum = writeSourceFile();
    }, 180_000);

    afterAll(async () => {
      // A push still running (the test timed out) must not outlive the file.
      for (const child of pushes) child.kill('SIGKILL');
      // A hub that does not stop within 30 s is killed, so that the cluster is still removed.
      const stopped = hub?.stop();
      const late = setTimeout(() => hub?.child.kill('SIGKILL'), 30_000);
      await stopped;
      clearTimeout(late);
      await direct?.end({ timeout: 1 });
      await proxy?.close();
      await cluster?.destroy();
      if (folder) rmSync(folder, { recursive: true, force: true });
    }, 180_000);

    let firstResult: PublishResult;
    let afterPublish: TableState;

    it('applies the batch exactly once although every attempt but the last was cut off', async () => {
      let published = false;
      const injecting = injectFaults(() => published);
      const attempts: Run[] = [];
      while (attempts.length < MAX_ATTEMPTS) {
        const deathsBefore = hubDeaths.length;
        await restartHubIfDead();
        const run = await push();
        attempts.push({ ...run, hubRestartedFirst: hubDeaths.length > deathsBefore });
        if (run.code === 0) break;
        // A cron job's retry, sooner than a real one's.
        await sleep(300);
      }
      published = true;
      const injected = await injecting;
      const summary = JSON.stringify(
        {
          injected: injected.map((f) => `${f.name}: hit ${f.hit.phase} at ${f.hit.ageMs} ms, ${f.detail}`),
          attempts: attempts.map(
            (a) =>
              `${a.hubRestartedFirst ? '(hub had died, restarted) ' : ''}exit ${a.code} after ${a.ms} ms: ${(a.stderr || a.stdout).trim()}`,
          ),
          hubDeaths: hubDeaths.length,
        },
        null,
        2,
      );
      console.info(summary);

      // The hub must live through every outage: postgres.js reconnects, and a publish that loses its
      // connection fails alone. Soft, so that the checks below still say whether data was lost or doubled.
      expect
        .soft(hubDeaths, `the hub process died during the outages:\n${hubDeaths.join('\n---\n')}`)
        .toEqual([]);
      const last = attempts.at(-1);
      expect(last?.code, summary).toBe(0);
      expect(injected.map((f) => f.name)).toEqual(FAULTS.map((f) => f.name));
      // Each fault broke the attempt it hit; attempts that met a server still restarting fail too.
      expect(attempts.filter((a) => a.code !== 0).length).toBeGreaterThanOrEqual(FAULTS.length);
      // …and each failed as "hub unreachable, try again later" (exit 4: a 503 or a lost connection), never as
      // an internal error, so that a cron job retrying on 4 carries on
      expect(
        attempts.filter((a) => a.code !== 0 && a.code !== 4),
        summary,
      ).toEqual([]);
      // The first answer that gets through says the whole file was inserted. It may legitimately be a
      // replay (a cut after COMMIT reached the server but before its answer came back), never less.
      expect(last?.stdout).toMatch(
        new RegExp(
          `^(?:pushed|replayed) constructionPermit: (?:nothing changed now; when first applied: )?${RECORDS} received, ${RECORDS} inserted, 0 updated, 0 unchanged, 0 deleted, 0 rows rejected \\(batch ${batchKey}\\)\\n$`,
        ),
      );

      // The hub serves again once the database is back.
      const ready = await fetch(`${hub.url}/readyz`);
      expect(ready.status, await ready.clone().text()).toBe(200);

      afterPublish = await tableState();
      expect(afterPublish).toMatchObject({
        rows: RECORDS,
        liveRows: RECORDS,
        distinctKeys: RECORDS,
        distinctChangeSeqs: RECORDS,
        firstVersions: RECORDS,
        fromThisBatch: RECORDS,
        checksum: sourceChecksum,
        batches: 1,
      });
      const [stored] = await direct<{ result: PublishResult }[]>`
        select result from sync_batch where dataset = 'constructionPermit' and batch_key = ${batchKey}`;
      firstResult = stored.result;
      expect(firstResult).toMatchObject({ status: 'APPLIED', received: RECORDS, inserted: RECORDS });
    });

    it('shows each record exactly once in the change feed, at version 1', async () => {
      expect(afterPublish, 'the publish went through').toBeDefined();
      const changes = await readChangeFeed();
      expect(changes).toHaveLength(RECORDS);
      // Cursors are opaque (sealed): each change once, with a cursor of its own.
      expect(new Set(changes.map((c) => c.cursor)).size).toBe(changes.length);
      expect(new Set(changes.map((c) => c.record?.permitNo)).size).toBe(RECORDS);
      expect(
        changes.filter((c) => c.operation === 'UPSERT' && c.record?.provenance.version === 1),
      ).toHaveLength(RECORDS);
      expect(checksumOf(changes.map((c) => fingerprint(c.record as PermitFingerprint)))).toBe(sourceChecksum);
    });

    it('replays the same batch ten times with the first result and changes nothing', async () => {
      expect(firstResult, 'the publish went through').toBeDefined();
      for (let i = 0; i < 10; i++) {
        const { status, result } = await postBatch();
        expect(status).toBe(200);
        expect(result).toEqual({ ...firstResult, replayed: true });
      }
      expect(await tableState()).toEqual(afterPublish);
      expect(hub.child.exitCode, hub.output()).toBeNull();
    });
  },
);
