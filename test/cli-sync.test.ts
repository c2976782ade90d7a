import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'csv-stringify/sync';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { loadReference } from '../src/datasets/reference.js';
import { openDatabase } from '../src/db/connection.js';
import { createHub, type Hub } from '../src/http/app.js';
import { createLogger } from '../src/http/logger.js';
import { withTestHub } from './support/hub.js';
import { type CuttableProxy, startCuttableProxy } from './support/pgCluster.js';
import { creditCodeFor, outgoingRecord as outgoing, uniqueId } from './support/records.js';
import { withSeed } from './support/seed.js';

const hub = withTestHub();
const { keys } = withSeed(hub, (s) => s.keys('HOUSING', 'ECONOMY', 'PLANNING', 'AGRICULTURE'));
const folder = mkdtempSync(join(tmpdir(), 'jingtu-cli-sync-'));
const running: ChildProcess[] = [];
// A cron job: no terminal, CI set, so no progress output.
const { JINGTU_KEY: _key, ...inherited } = process.env;
const env = { ...inherited, CI: '1' };

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
  rmSync(folder, { recursive: true, force: true });
});

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `jingtu sync …` as a cron job would. */
function sync(...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile('node', ['bin/jingtu.js', 'sync', ...args], { env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    running.push(child);
  });
}

const hubArgs = (key: string, dataset: string, url = hub.url) => [
  '--url',
  url,
  '--key',
  key,
  '--dataset',
  dataset,
];
/** A hub address where nothing listens. */
const NOWHERE = 'http://127.0.0.1:1';

/** `jingtu sync push` of a file into a dataset, with further options. */
const pushFile = (key: string, dataset: string, file: string, ...options: string[]) =>
  sync('push', ...hubArgs(key, dataset), '--file', file, ...options);

const permits = (id: string, count: number, from = 1) =>
  Array.from({ length: count }, (_, i) =>
    outgoing('constructionPermit', `${id}-${from + i}`, { projectName: `同步命令测试 ${id} ${from + i}` }),
  );

function writeNdjson(name: string, rows: object[]): string {
  const path = join(folder, name);
  writeFileSync(path, rows.map((row) => `${JSON.stringify(row)}\n`).join(''));
  return path;
}

/** A CSV file with a header row, in UTF-8 or (as Chinese Excel saves it) GB18030. */
function writeCsv(name: string, rows: Record<string, unknown>[], encoding = 'utf-8'): string {
  // Objects (a boundary's GeoJSON) as JSON, as a department's export writes them.
  const text = stringify(rows, { header: true, cast: { object: (value) => JSON.stringify(value) } });
  const path = join(folder, name);
  writeFileSync(path, iconv.encode(text, encoding));
  return path;
}

/**
 * Fertiliser-use reports of about 3.5 KB each (a long crop note), so that a file of several MB is a few
 * thousand rows, in a dataset few other tests use: its change feed stays short for them.
 */
const bulkyRows = (tag: string, count: number) =>
  Array.from({ length: count }, (_, i) =>
    outgoing('fertiliserUse', `${tag}-${i}`, {
      sourceId: `${tag}-${i}`,
      crop: `${tag} 冬小麦 ${'轮作记录；'.repeat(340)}`,
    }),
  );

/** How many records a search finds in a list, as the key sees them. */
async function countOf(key: string, list: string, search: string): Promise<number> {
  const query = `query($s: String) { ${list}(filter: { search: $s }) { totalCount } }`;
  const { body } = await hub.graphql(key, query, { s: search });
  return body.data[list].totalCount;
}
const fertiliserCount = (tag: string) => countOf(keys.AGRICULTURE, 'fertiliserUses', tag);
const permitCount = (search: string) => countOf(keys.HOUSING, 'constructionPermits', search);

interface ChangeLine {
  cursor: string;
  operation: string;
  record: Record<string, unknown>;
}

const readChanges = (path: string): ChangeLine[] =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

/** Change cursors are opaque (sealed): each change appears once, with a cursor of its own. */
function expectEachOnce(changes: ChangeLine[]) {
  expect(new Set(changes.map((c) => c.cursor)).size).toBe(changes.length);
}

describe('jingtu sync push', { timeout: 120_000 }, () => {
  const id = uniqueId();

  it('documents the exit codes and the replaying batch key', async () => {
    const [push, pull] = await Promise.all([sync('push', '--help'), sync('pull', '--help')]);
    expect(push.code).toBe(0);
    expect(push.stdout).toMatch(/Exit codes:/);
    expect(push.stdout).toMatch(/therefore replays: nothing changes/);
    expect(pull.stdout).toMatch(/no gap and no change\s+twice/);
  });

  it('pushes an NDJSON file, and the same push again replays', async () => {
    const file = writeNdjson(`permits-${id}.ndjson`, permits(`${id}N`, 3));
    const first = await pushFile(keys.HOUSING, 'constructionPermit', file);
    expect(first, first.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(
      /^pushed constructionPermit: 3 received, 3 inserted, 0 updated, 0 unchanged, 0 deleted, 0 rows rejected \(batch constructionPermit\.delta\.sha256-[0-9a-f]{64}\)\n$/,
    );
    const again = await pushFile(keys.HOUSING, 'constructionPermit', file);
    expect(again, again.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(again.stdout).toMatch(
      /^replayed constructionPermit: nothing changed now; when first applied: 3 received, 3 inserted, 0 updated, 0 unchanged, 0 deleted, 0 rows rejected \(batch /,
    );
    expect(again.stdout.match(/\(batch [^)]+\)/)?.[0]).toBe(first.stdout.match(/\(batch [^)]+\)/)?.[0]);
    expect(await permitCount(`${id}N`)).toBe(3);
  });

  it('pushes a CSV file, and an explicit batch key', async () => {
    const file = writeCsv(`permits-${id}.csv`, permits(`${id}C`, 2));
    const result = await pushFile(keys.HOUSING, 'constructionPermit', file, '--batch-key', `csv-${id}`);
    expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(/^pushed constructionPermit: 2 received, 2 inserted, .*\(batch csv-/);
    expect(await permitCount(`${id}C`)).toBe(2);
  });

  it('exits 2 with the rejected rows and their errors on stderr, applied or not', async () => {
    const rows = [
      outgoing('closedEnterprise', `${id}-ok`, { creditCode: creditCodeFor(`${id}ok`) }),
      { ...outgoing('closedEnterprise', `${id}-b1`), creditCode: '91110115MA01ABCDE0' },
      // two errors in one row
      {
        ...outgoing('closedEnterprise', `${id}-b2`, { creditCode: creditCodeFor(`${id}b2`) }),
        closedOn: '2023-02-30',
        closureType: 'NOT_A_TYPE',
      },
    ];
    const file = writeNdjson(`enterprises-${id}.jsonl`, rows);
    const atomic = await pushFile(keys.ECONOMY, 'closedEnterprise', file);
    expect(atomic.code).toBe(2);
    expect(atomic.stdout).toMatch(
      /^rejected closedEnterprise, nothing applied: 3 received, 0 inserted, 0 updated, 0 unchanged, 0 deleted, 2 rows rejected \(3 errors\) \(batch /,
    );
    // One line per rejected row, with each of its errors.
    const rowLines = atomic.stderr.split('\n').filter((line) => line.startsWith('  line '));
    expect(rowLines).toHaveLength(2);
    expect(rowLines[0]).toMatch(/^ {2}line 2 creditCode: .*check character/);
    expect(rowLines[1]).toMatch(/^ {2}line 3 (?=.*closedOn: .*not a real date)(?=.*; )(?=.*closureType: )/);
    expect(atomic.stderr.trim().split('\n').at(-1)).toMatch(
      /^jingtu: 2 rows rejected \(3 errors\), nothing applied/,
    );

    const partial = await pushFile(keys.ECONOMY, 'closedEnterprise', file, '--accept-valid');
    expect(partial.code).toBe(2);
    expect(partial.stdout).toMatch(
      /^pushed closedEnterprise: 3 received, 1 inserted, .* 2 rows rejected \(3 errors\)/,
    );
    expect(partial.stderr).toMatch(/^jingtu: 2 rows rejected \(3 errors\); the 1 valid rows were applied$/m);

    // Replayed, it changes nothing and exits 0; the rows its first run rejected are still listed.
    const replayed = await pushFile(keys.ECONOMY, 'closedEnterprise', file, '--accept-valid');
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toMatch(
      /^replayed closedEnterprise: nothing changed now; when first applied: 3 received, 1 inserted, .* 2 rows rejected \(3 errors\)/,
    );
    expect(replayed.stderr.split('\n').filter((line) => line.startsWith('  line '))).toEqual(rowLines);
  });

  it('pushes a GB18030 CSV with --encoding gb18030, and says so when it is missing', async () => {
    const rows = permits(`${id}G`, 2).map((row, i) => ({
      ...row,
      projectName: `国标编码测试 ${id}G 第${i + 1}项`,
    }));
    const file = writeCsv(`permits-${id}-gb.csv`, rows, 'gb18030');
    const plain = await pushFile(keys.HOUSING, 'constructionPermit', file);
    expect(plain.code).toBe(5);
    expect(plain.stdout).toBe('');
    expect(plain.stderr).toMatch(
      /^jingtu: .*permits-\w+-gb\.csv is not UTF-8 text \(line 2\): .*pass --encoding gb18030\n$/,
    );
    expect(await permitCount(`${id}G`)).toBe(0);

    const pushed = await pushFile(keys.HOUSING, 'constructionPermit', file, '--encoding', 'gb18030');
    expect(pushed, pushed.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(pushed.stdout).toMatch(/^pushed constructionPermit: 2 received, 2 inserted/);
    const { body } = await hub.graphql(
      keys.HOUSING,
      'query($s: String) { constructionPermits(filter: { search: $s }) { nodes { projectName } } }',
      { s: `${id}G` },
    );
    expect(
      body.data.constructionPermits.nodes.map((n: { projectName: string }) => n.projectName).sort(),
    ).toEqual(rows.map((row) => row.projectName));

    const unknown = await pushFile(keys.HOUSING, 'constructionPermit', file, '--encoding', 'klingon');
    expect(unknown.code).toBe(5);
    expect(unknown.stderr).toMatch(/^jingtu: option '--encoding <charset>' argument 'klingon' is invalid/);
  });

  it("the hub's answer to a body that is not UTF-8 names the charset parameter", async () => {
    const file = writeCsv(`permits-${id}-gb-raw.csv`, permits(`${id}R`, 1), 'gb18030');
    const response = await fetch(`${hub.url}/datasets/constructionPermit/batches/raw-${id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys.HOUSING}`, 'content-type': 'text/csv' },
      body: readFileSync(file),
    });
    expect(response.status).toBe(400);
    const { errors } = (await response.json()) as { errors: { message: string }[] };
    expect(errors[0].message).toMatch(/not valid utf-8 text.*charset=gb18030/);
  });

  it('exits 3 for a bad key or a dataset the key may not publish', async () => {
    const file = writeNdjson(`auth-${id}.ndjson`, permits(`${id}A`, 1));
    const [unknown, forbidden] = await Promise.all([
      pushFile('jt_not_a_key', 'constructionPermit', file),
      pushFile(keys.PLANNING, 'constructionPermit', file),
    ]);
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toMatch(/^jingtu: .*401 UNAUTHENTICATED/);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(forbidden.code).toBe(3);
    expect(forbidden.stderr).toMatch(/^jingtu: .*403 FORBIDDEN/);
    expect(await permitCount(`${id}A`)).toBe(0);
  });

  it('exits 4 when the hub is unreachable, 5 for bad local input', async () => {
    const file = writeNdjson(`unreachable-${id}.ndjson`, permits(`${id}U`, 1));
    const [unreachable, missing, noFormat, noUrl, badMode] = await Promise.all([
      sync('push', ...hubArgs(keys.HOUSING, 'constructionPermit', NOWHERE), '--file', file),
      pushFile(keys.HOUSING, 'constructionPermit', join(folder, 'no-such.ndjson')),
      pushFile(keys.HOUSING, 'constructionPermit', join(folder, 'x.txt')),
      sync('push', '--key', 'k', '--dataset', 'constructionPermit', '--file', file),
      pushFile(keys.HOUSING, 'constructionPermit', file, '--mode', 'all'),
    ]);
    expect(unreachable).toMatchObject({ code: 4, stdout: '' });
    expect(unreachable.stderr).toMatch(
      /^jingtu: hub unreachable at http:\/\/127\.0\.0\.1:1: connection refused \(ECONNREFUSED\)\n$/,
    );
    expect(missing.code).toBe(5);
    expect(missing.stderr).toMatch(/^jingtu: cannot read .*no-such\.ndjson/);
    expect(noFormat.code).toBe(5);
    expect(noFormat.stderr).toMatch(/^jingtu: cannot tell the format/);
    expect(noUrl.code).toBe(5);
    expect(noUrl.stderr).toMatch(/^jingtu: required option '--url <url>' not specified/);
    expect(noUrl.stderr.trim().split('\n')).toHaveLength(1);
    expect(badMode.stderr).toMatch(/^jingtu: option '--mode <mode>' argument 'all' is invalid/);
    expect(badMode.code).toBe(5);
  });
});

describe('jingtu sync pull', { timeout: 120_000 }, () => {
  const id = uniqueId();
  const pull = (state: string, out: string, ...extra: string[]) =>
    sync('pull', ...hubArgs(keys.HOUSING, 'constructionPermit'), '--state', state, '--out', out, ...extra);
  const mine = (changes: ChangeLine[], tag: string) =>
    changes.filter((change) => String(change.record.permitNo ?? '').includes(tag));

  it('pulls into a file, then appends only the changes made since', async () => {
    await pushFile(
      keys.HOUSING,
      'constructionPermit',
      writeNdjson(`first-${id}.ndjson`, permits(`${id}P`, 4)),
    );
    const state = join(folder, `state-${id}.json`);
    const out = join(folder, `changes-${id}.ndjson`);
    const first = await pull(state, out, '--page', '100');
    expect(first, first.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(first.stdout).toMatch(
      /^pulled constructionPermit: \d+ changes \(\d+ upserts, \d+ deletes\) into /,
    );
    const before = readFileSync(out, 'utf8');
    const firstChanges = readChanges(out);
    expect(mine(firstChanges, `${id}P`)).toHaveLength(4);
    expectEachOnce(firstChanges);
    const saved = JSON.parse(readFileSync(state, 'utf8'));
    expect(saved).toEqual({
      dataset: 'constructionPermit',
      cursor: firstChanges.at(-1)?.cursor,
      outBytes: statSync(out).size,
    });

    const rows = permits(`${id}P`, 4);
    const more = [
      ...permits(`${id}P`, 2, 5),
      { ...rows[0], floorAreaM2: 4321 },
      { permitNo: rows[1].permitNo, deleted: true },
    ];
    const pushed = await pushFile(keys.HOUSING, 'constructionPermit', writeNdjson(`more-${id}.ndjson`, more));
    expect(pushed.stdout).toMatch(/2 inserted, 1 updated, 0 unchanged, 1 deleted/);

    const second = await pull(state, out, '--page', '7');
    expect(second, second.stderr).toMatchObject({ code: 0, stderr: '' });
    const after = readFileSync(out, 'utf8');
    expect(after.startsWith(before)).toBe(true);
    const added = readChanges(out).slice(firstChanges.length);
    // The changes of one batch come in the hub's merge order, not the file's.
    const mineAdded = mine(added, `${id}P`).map((c) => `${c.operation}:${c.record.permitNo}`);
    expect(mineAdded.sort()).toEqual(
      [
        `UPSERT:${more[0].permitNo}`,
        `UPSERT:${more[1].permitNo}`,
        `UPSERT:${rows[0].permitNo}`,
        `DELETE:${rows[1].permitNo}`,
      ].sort(),
    );
    expectEachOnce(readChanges(out));

    const idle = await pull(state, out);
    expect(idle.code).toBe(0);
    if (idle.stdout.includes('no new changes')) expect(readFileSync(out, 'utf8')).toBe(after);
  });

  it('resumes a killed pull with every change exactly once', { timeout: 180_000 }, async () => {
    const tag = `${id}K`;
    const file = writeNdjson(`many-${id}.ndjson`, permits(tag, 500));
    const pushed = await pushFile(keys.HOUSING, 'constructionPermit', file);
    expect(pushed.stdout).toMatch(/500 inserted/);

    const state = join(folder, `killed-${id}.json`);
    const out = join(folder, `killed-${id}.ndjson`);
    const child = spawn(
      'node',
      [
        'bin/jingtu.js',
        'sync',
        'pull',
        ...hubArgs(keys.HOUSING, 'constructionPermit'),
        '--state',
        state,
        '--out',
        out,
        '--page',
        '10',
      ],
      { env, stdio: 'ignore' },
    );
    running.push(child);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    // Kill it once it has saved a page or two.
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && child.exitCode === null) {
      const saved = existsSync(state) ? readFileSync(state, 'utf8') : '';
      if (saved && JSON.parse(saved).cursor !== null) {
        child.kill('SIGKILL');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
    expect(await exited).toBe('SIGKILL');
    const savedState = JSON.parse(readFileSync(state, 'utf8'));
    expect(savedState.cursor).not.toBeNull();
    // A pull killed after writing lines but before saving its state: they must not appear twice.
    const partial = readChanges(out);
    await appendFile(out, `${JSON.stringify(partial.at(-1))}\n{"cursor":"9`);

    const resumed = await pull(state, out, '--page', '10');
    expect(resumed, resumed.stderr).toMatchObject({ code: 0, stderr: '' });
    const changes = readChanges(out);
    expectEachOnce(changes);
    expect(new Set(changes.map((c) => c.cursor)).size).toBe(changes.length);
    expect(mine(changes, tag)).toHaveLength(500);
    expect(changes.length).toBeGreaterThan(partial.length);

    const fresh = join(folder, `fresh-${id}.ndjson`);
    const full = await pull(join(folder, `fresh-${id}.json`), fresh, '--page', '100000');
    expect(full.code).toBe(0);
    const freshChanges = readChanges(fresh);
    // My rows are nobody else's to change: their cursors match exactly. Other test files may change rows in
    // between (on a server they run in parallel), which moves those rows' changes to later cursors.
    expect(mine(changes, tag).map((c) => c.cursor)).toEqual(mine(freshChanges, tag).map((c) => c.cursor));
    // Every change the fresh pull has up to my last one, the resumed pull has too.
    const lastMine = freshChanges.findIndex((c) => c.cursor === mine(changes, tag).at(-1)?.cursor);
    expect(lastMine).toBeGreaterThan(0);
    const freshUpTo = freshChanges.slice(0, lastMine + 1).map((c) => c.cursor);
    const resumedCursors = new Set(changes.map((c) => c.cursor));
    for (const cursor of freshUpTo) expect(resumedCursors.has(cursor), cursor).toBe(true);
  });

  it('exits 5 for a bad state or output file, 3 for a bad key, 4 when unreachable', async () => {
    const path = (name: string) => join(folder, `${name}-${id}`);
    writeFileSync(path('garbled.json'), 'not json');
    writeFileSync(
      path('other.json'),
      JSON.stringify({ dataset: 'closedEnterprise', cursor: null, outBytes: 0 }),
    );
    writeFileSync(
      path('cut.json'),
      JSON.stringify({ dataset: 'constructionPermit', cursor: '5', outBytes: 99 }),
    );
    writeFileSync(path('cut.ndjson'), '{"cursor":"5"}\n');
    writeFileSync(path('orphan.ndjson'), '{"cursor":"5"}\n');
    const [garbled, other, cut, orphan, denied, unreachable] = await Promise.all([
      pull(path('garbled.json'), path('garbled.ndjson')),
      pull(path('other.json'), path('other.ndjson')),
      pull(path('cut.json'), path('cut.ndjson')),
      pull(path('orphan.json'), path('orphan.ndjson')),
      sync(
        'pull',
        ...hubArgs('jt_not_a_key', 'constructionPermit'),
        '--state',
        path('denied.json'),
        '--out',
        path('denied.ndjson'),
      ),
      sync(
        'pull',
        ...hubArgs(keys.HOUSING, 'constructionPermit', NOWHERE),
        '--state',
        path('down.json'),
        '--out',
        path('down.ndjson'),
      ),
    ]);
    expect(garbled.code).toBe(5);
    expect(garbled.stderr).toMatch(/^jingtu: state file .* is not JSON/);
    expect(other.code).toBe(5);
    expect(other.stderr).toMatch(/^jingtu: .* is for dataset closedEnterprise, not constructionPermit/);
    expect(cut.code).toBe(5);
    expect(cut.stderr).toMatch(/^jingtu: .* has 15 bytes but .* says 99 were written/);
    expect(orphan.code).toBe(5);
    expect(orphan.stderr).toMatch(/^jingtu: .* is not empty but .* does not exist/);
    expect(readFileSync(path('orphan.ndjson'), 'utf8')).toBe('{"cursor":"5"}\n');
    expect(denied.code).toBe(3);
    expect(denied.stderr).toMatch(/^jingtu: pull of constructionPermit refused: HTTP 401 UNAUTHENTICATED/);
    expect(unreachable.code).toBe(4);
    expect(unreachable.stderr).toMatch(/^jingtu: hub unreachable at http:\/\/127\.0\.0\.1:1/);
    for (const run of [garbled, other, cut, orphan, denied, unreachable]) {
      expect(run.stderr.trim().split('\n'), run.stderr).toHaveLength(1);
    }
  });
});

describe('jingtu sync push, retried after its batch was applied', { timeout: 400_000 }, () => {
  const id = uniqueId();

  it('exits 0 on a replay of a file of several MB, also when the first answer was lost after the commit', async () => {
    const tag = `${id}L`;
    const file = writeNdjson(`large-${id}.ndjson`, bulkyRows(tag, 2000));
    expect(statSync(file).size).toBeGreaterThan(6 * 1024 * 1024);
    // A proxy in front of the hub loses the first answer: the batch commits, the answer never arrives.
    const proxy = await startCuttableProxy(Number(new URL(hub.url).port));
    let lost: Run;
    try {
      proxy.cutAfter(1);
      const behindProxy = ['--url', `http://127.0.0.1:${proxy.port}`, '--key', keys.AGRICULTURE];
      lost = await sync('push', ...behindProxy, '--dataset', 'fertiliserUse', '--file', file);
      expect(lost.code, lost.stderr).toBe(4);
      expect(lost.stderr).toMatch(/may or may not have been applied: re-running the same push is safe/);
    } finally {
      await proxy.close();
    }
    expect(await fertiliserCount(tag), lost.stderr).toBe(2000);
    // A cron job that retries until exit 0 stops at the first retry; every retry after it is the same.
    for (let attempt = 0; attempt < 2; attempt++) {
      const retry = await pushFile(keys.AGRICULTURE, 'fertiliserUse', file);
      expect(retry, retry.stderr).toMatchObject({ code: 0, stderr: '' });
      expect(retry.stdout).toMatch(
        /^replayed fertiliserUse: nothing changed now; when first applied: 2000 received, 2000 inserted, 0 updated, 0 unchanged, 0 deleted, 0 rows rejected \(batch fertiliserUse\.delta\.sha256-[0-9a-f]{64}\)\n$/,
      );
    }
    expect(await fertiliserCount(tag)).toBe(2000);
  });
});

describe('jingtu sync pull while the hub loses its database', { timeout: 400_000 }, () => {
  const id = uniqueId();
  // A second hub over the run's database, which it reaches through a proxy that can cut or refuse its
  // connections: a database restart as the hub sees it, the hub itself staying up.
  let proxy: CuttableProxy;
  let proxied: Hub;
  let proxiedUrl: string;
  let closeDatabase: () => Promise<void>;

  beforeAll(async () => {
    proxy = await startCuttableProxy(Number(new URL(hub.database.url).port));
    const database = await openDatabase(
      loadConfig({
        DATABASE_URL: `postgres://postgres@127.0.0.1:${proxy.port}/${new URL(hub.database.url).pathname.slice(1)}`,
        JINGTU_DB_POOL: '2',
      }),
    );
    closeDatabase = () => database.close();
    proxied = await createHub({
      db: database.db,
      sql: database.sql,
      reference: await loadReference(database.db),
      logger: createLogger('silent'),
    });
    await new Promise<void>((resolve) => proxied.httpServer.listen(0, '127.0.0.1', resolve));
    proxiedUrl = `http://127.0.0.1:${(proxied.httpServer.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    await proxied?.stop();
    proxied?.httpServer.close();
    await closeDatabase?.();
    await proxy?.close();
  });

  const pullFrom = (state: string, out: string) =>
    sync(
      'pull',
      ...['--url', proxiedUrl, '--key', keys.AGRICULTURE, '--dataset', 'fertiliserUse'],
      ...['--state', state, '--out', out, '--page', '100000'],
    );

  it('says that the answer was cut off, or what the hub answered, not "hub unreachable"; then resumes', async () => {
    const tag = `${id}D`;
    const pushed = await pushFile(
      keys.AGRICULTURE,
      'fertiliserUse',
      writeNdjson(`source-${id}.ndjson`, bulkyRows(tag, 3000)),
    );
    expect(pushed.code, pushed.stderr).toBe(0);
    // How much the database sends for the whole pull, so that the cut lands in the middle of it.
    const before = proxy.bytesFromTarget();
    const reference = await pullFrom(
      join(folder, `reference-${id}.json`),
      join(folder, `reference-${id}.ndjson`),
    );
    expect(reference.code, reference.stderr).toBe(0);
    const whole = proxy.bytesFromTarget() - before;

    const state = join(folder, `cut-${id}.json`);
    const out = join(folder, `cut-${id}.ndjson`);
    proxy.cutAfter(Math.round(whole * 0.6));
    const cut = await pullFrom(state, out);
    expect(cut.code, cut.stderr).toBe(4);
    expect(cut.stderr).toMatch(/^jingtu: the hub's answer was cut off after [1-9]\d* changes \(/);
    expect(cut.stderr).not.toMatch(/unreachable/);
    expect(cut.stderr.trim().split('\n')).toHaveLength(1);

    proxy.refuse(true);
    const down = await pullFrom(state, out);
    expect(down.code, down.stderr).toBe(4);
    expect(down.stderr).toMatch(/^jingtu: pull of fertiliserUse failed: HTTP 503 SERVICE_UNAVAILABLE: \S/);
    expect(down.stderr).not.toMatch(/unreachable/);
    expect(down.stderr.trim().split('\n')).toHaveLength(1);

    // Back: the pull run again (as cron would) ends with every change once.
    proxy.refuse(false);
    let resumed = await pullFrom(state, out);
    for (let attempt = 0; resumed.code !== 0 && attempt < 10; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 1000));
      resumed = await pullFrom(state, out);
    }
    expect(resumed.code, resumed.stderr).toBe(0);
    const changes = readChanges(out);
    expect(new Set(changes.map((c) => c.cursor)).size).toBe(changes.length);
    const mineNow = changes.filter((c) => String(c.record.sourceId ?? '').startsWith(tag));
    expect(mineNow).toHaveLength(3000);
    const mineBefore = readChanges(join(folder, `reference-${id}.ndjson`)).filter((c) =>
      String(c.record.sourceId ?? '').startsWith(tag),
    );
    expect(mineNow.map((c) => c.cursor)).toEqual(mineBefore.map((c) => c.cursor));
  });
});
