import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { type HubProcess, postGraphql, spawnHub } from './support/process.js';
import { creditCodeFor, outgoingRecord, uniqueId } from './support/records.js';

/**
 * The restore drill of issue 17 (part 5): back up the embedded database while the hub runs and publishes,
 * change it, restore, and find the audit chain intact and every batch either whole or absent, once.
 */

const onServer = inject('databaseKind') === 'server';
const execFileAsync = promisify(execFile);
const scratch = mkdtempSync(join(tmpdir(), 'jingtu-backup-'));
const dataDir = join(scratch, 'data');
const env = { ...process.env, JINGTU_DATA_DIR: dataDir, DATABASE_URL: '', LOG_LEVEL: 'warn' };
const id = uniqueId();
const hubs: HubProcess[] = [];

afterAll(async () => {
  for (const hub of hubs) await hub.stop();
  rmSync(scratch, { recursive: true, force: true });
});

type Outcome = { code: number; stdout: string; stderr: string };

async function jingtu(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Outcome> {
  return execFileAsync('node', ['bin/jingtu.js', ...args], { env: { ...env, ...extraEnv } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: Outcome) => error,
  );
}

async function startHub(): Promise<HubProcess> {
  const hub = await spawnHub(env, 180_000);
  hubs.push(hub);
  return hub;
}

const PUBLISH = `mutation($batchKey: String!, $records: [JSONObject!]!) {
  publish(dataset: "closedEnterprise", batchKey: $batchKey, records: $records) { status } }`;
const COUNT = `query($codes: [String!]) { closedEnterprises(filter: { creditCode: $codes }) { totalCount } }`;
const AUDIT = `query($event: String) { auditLog(filter: { event: $event }) { records { event operationName detail } } }`;
const CHANGES = `query($a: String) { changes(dataset: "closedEnterprise", after: $a, first: 1000) { endCursor } }`;

/** A batch of closed enterprises, its credit codes named after the batch. */
function batch(name: string, size: number) {
  return Array.from({ length: size }, (_, n) =>
    outgoingRecord('closedEnterprise', `${id}-${name}-${n}`, {
      creditCode: creditCodeFor(`backup-${id}-${name}-${n}`),
      name: `备份演练企业${id}-${name}-${n}`,
    }),
  );
}
const codesOf = (records: Record<string, unknown>[]) => records.map((r) => r.creditCode as string);

async function publish(url: string, key: string, batchKey: string, records: object[]) {
  const { body } = await postGraphql(url, key, PUBLISH, { batchKey, records });
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data.publish.status as string;
}

async function count(url: string, key: string, records: Record<string, unknown>[]): Promise<number> {
  const { body } = await postGraphql(url, key, COUNT, { codes: codesOf(records) });
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
  return body.data.closedEnterprises.totalCount;
}

describe.skipIf(onServer)('backup and restore of the embedded database', () => {
  it('backs up while the hub publishes, restores to exactly that point, audit chain intact, nothing doubled', {
    timeout: 600_000,
  }, async () => {
    let hub = await startHub();
    const keyOf = (code: string) =>
      hub
        .output()
        .match(new RegExp(`^${code}\\s.*\\n\\s+Authorization: Bearer (jt_\\S+)`, 'm'))?.[1] as string;
    const economy = keyOf('ECONOMY');
    const auditor = keyOf('AUDITOR');
    expect(economy).toMatch(/^jt_/);
    expect(auditor).toMatch(/^jt_/);
    const before = batch('before', 5);
    expect(await publish(hub.url, economy, `before-${id}`, before)).toBe('APPLIED');
    const cursor = (await postGraphql(hub.url, economy, CHANGES)).body.data.changes.endCursor as string;
    expect(cursor).toBeTruthy();

    // Batches published one after another while the backup is taken: each must be in the copy whole or not at all.
    const during: Record<string, unknown>[][] = [];
    let writing = true;
    const writer = (async () => {
      for (let n = 0; writing && n < 200; n++) {
        const records = batch(`during${n}`, 20);
        during.push(records);
        expect(await publish(hub.url, economy, `during${n}-${id}`, records)).toBe('APPLIED');
      }
    })();
    await new Promise((resolve) => setTimeout(resolve, 300)); // a few batches in
    const file = join(scratch, 'hub.tar.gz');
    const backedUp = await jingtu(['backup', file]);
    expect(backedUp.code, backedUp.stderr).toBe(0);
    expect(backedUp.stdout).toMatch(/backed up .* MiB in .* s \(taken by the running hub\)/);
    writing = false;
    await writer;
    expect(during.length).toBeGreaterThan(1);

    // A backup never replaces a file unless asked to.
    const again = await jingtu(['backup', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`${file} exists: give another file, or --force to replace it`);

    // Changes after the backup, which the restore takes back.
    const after = batch('after', 5);
    expect(await publish(hub.url, economy, `after-${id}`, after)).toBe('APPLIED');
    expect(await count(hub.url, economy, after)).toBe(5);

    // A restore needs the hub stopped.
    const refused = await jingtu(['restore', file]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the hub is running on .*: stop it first/);
    expect(await hub.stop()).toBe(0);

    const restored = await jingtu(['restore', file]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stdout).toMatch(/audit chain intact, \d+ records/);
    expect(readdirSync(dataDir).filter((name) => name.startsWith('pgdata.before-restore-'))).toHaveLength(1);
    const verified = await jingtu(['audit', 'verify']);
    expect(verified.code, verified.stderr).toBe(0);
    expect(verified.stdout).toMatch(/audit chain intact/);

    hub = await startHub();
    expect(await count(hub.url, economy, before)).toBe(5);
    expect(await count(hub.url, economy, after)).toBe(0);
    const found = await Promise.all(during.map((records) => count(hub.url, economy, records)));
    // Whole or absent, never part of a batch; and, as they were sent one after another, those in the copy
    // are the first ones.
    const whole = found.filter((n) => n === 20).length;
    expect(found).toEqual([...Array(whole).fill(20), ...Array(found.length - whole).fill(0)]);
    expect(whole).toBeGreaterThan(0); // the copy was taken after the first batch

    // Sent again after the restore, every batch is applied once: the lost one comes back, none is doubled.
    expect(await publish(hub.url, economy, `after-${id}`, after)).toBe('APPLIED');
    expect(await publish(hub.url, economy, `before-${id}`, before)).toBe('APPLIED');
    expect(await count(hub.url, economy, after)).toBe(5);
    expect(await count(hub.url, economy, before)).toBe(5);

    // A change cursor given out before the restore no longer opens: the puller starts again.
    const stale = await postGraphql(hub.url, economy, CHANGES, { a: cursor });
    expect(stale.body.errors?.[0]?.message).toMatch(
      /Malformed change cursor: .*\(or none, to start from the beginning\)/,
    );

    // The backup (in the copy) and the restore are in the audit, by who ran them on this machine.
    const audited = async (event: string) => {
      const { body } = await postGraphql(hub.url, auditor, AUDIT, { event });
      expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
      return body.data.auditLog.records as { operationName: string; detail: object }[];
    };
    const [backupRecord, ...otherBackups] = await audited('BACKUP');
    expect(otherBackups).toEqual([]); // the refused second backup wrote nothing
    expect(backupRecord.detail).toMatchObject({ file, hubRunning: true });
    const [restoreRecord, ...otherRestores] = await audited('RESTORE');
    expect(otherRestores).toEqual([]);
    expect(restoreRecord.detail).toMatchObject({ file, dataDir, cursorsInvalidated: true });
    expect(restoreRecord.operationName).toMatch(/^jingtu restore \(.+@cli\)$/);
    expect(await hub.stop()).toBe(0);
  });

  it('refuses what is not a backup, and leaves the database as it was', { timeout: 120_000 }, async () => {
    const folder = join(scratch, 'refusals');
    const own = { JINGTU_DATA_DIR: folder };
    const missing = await jingtu(['backup', join(scratch, 'none.tar.gz')], own);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`no embedded database in ${folder} to back up`);

    const text = join(scratch, 'not-gzip.tar.gz');
    writeFileSync(text, 'not a backup');
    const notGzip = await jingtu(['restore', text], own);
    expect(notGzip.code).toBe(1);
    expect(notGzip.stderr).toContain(`${text} is not a backup of the embedded database (not gzip)`);

    const gzipped = join(scratch, 'gzip-of-text.tar.gz');
    writeFileSync(gzipped, gzipSync(Buffer.from('hello')));
    const notTar = await jingtu(['restore', gzipped], own);
    expect(notTar.code).toBe(1);
    expect(notTar.stderr).toContain(`${gzipped} is not a backup of the embedded database`);
    expect(existsSync(join(folder, 'pgdata'))).toBe(false);
    expect(existsSync(join(folder, 'pgdata.restoring'))).toBe(false);

    const nowhere = await jingtu(['backup', join(scratch, 'no-such-folder', 'x.tar.gz')], own);
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('no folder');
  });
});

describe.skipIf(!onServer)('backup on a server', () => {
  it('points to PostgreSQL’s own tools', async () => {
    for (const command of ['backup', 'restore']) {
      const outcome = await jingtu([command, join(scratch, 'x.tar.gz')], {
        DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/test',
      });
      expect(outcome.code).toBe(1);
      expect(outcome.stderr).toContain(
        `${command} is for the embedded database; with DATABASE_URL set, use pg_dump`,
      );
    }
  });
});
