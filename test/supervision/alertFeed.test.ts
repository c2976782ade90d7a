import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { evaluateRules } from '../../src/supervision/evaluate.js';
import { registerSiteSensitiveUse as rule } from '../../src/supervision/rules/registerSiteSensitiveUse.js';
import { withTestHub } from '../support/hub.js';
import { outgoingRecord, square, uniqueId } from '../support/records.js';
import { withSeed } from '../support/seed.js';

/**
 * The alert feed (GET /alerts/changes, `jingtu sync pull --dataset alerts`): each change a receiver cares
 * about once, in order, resumable without gap or repeat, as the caller may see the alerts, audited.
 */

const hub = withTestHub();
const id = uniqueId();
const lon = 115.5 + Math.random() * 0.05;
/** Two listed sites under plots rezoned to housing: one in 房山 (110111), one in 朝阳 (110105). */
const PAIRS = [
  { district: '110111', at: 0 },
  { district: '110105', at: 0.01 },
];
const sites = PAIRS.map(({ district, at }, i) =>
  outgoingRecord('contaminatedSite', `af${id}${i}`, {
    district,
    boundary: square(lon + at, 39.45, 0.002),
    status: 'LISTED',
  }),
);
const plots = PAIRS.map(({ district, at }, i) =>
  outgoingRecord('landUseChange', `af${id}${i}`, {
    parcelCode: `AF-${id}-${i}`,
    district,
    boundary: square(lon + at + 0.001, 39.451, 0.002),
  }),
);

const { keys } = withSeed(hub, (s) =>
  s
    .keys('ECOLOGY', 'PLANNING', 'HOUSING', '110111', '110105')
    .records('contaminatedSite', sites)
    .records('landUseChange', plots)
    .run(async () => {
      await evaluateRules(hub.database.sql, [rule]);
    }),
);

const folder = mkdtempSync(join(tmpdir(), 'jingtu-alert-feed-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));
const { JINGTU_KEY: _key, ...inherited } = process.env;

/** `jingtu sync pull --dataset alerts` as a cron job runs it. */
function pullAlerts(
  key: string,
  name: string,
  // Pages of 200: the shared test database holds other files' alerts (thousands), which pages of 3 would
  // read past the per-principal rate limit.
  page = 200,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const args = ['bin/jingtu.js', 'sync', 'pull', '--url', hub.url, '--key', key, '--dataset', 'alerts'];
  args.push('--state', join(folder, `${name}.state.json`), '--out', join(folder, `${name}.ndjson`));
  args.push('--page', String(page));
  return new Promise((resolve) => {
    execFile('node', args, { env: { ...inherited, CI: '1' } }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface FeedLine {
  cursor: string;
  event: string;
  alert: { id: string; district: string; state: string; evidence: { dataset: string; key: any }[] };
}

const linesOf = (name: string): FeedLine[] =>
  readFileSync(join(folder, `${name}.ndjson`), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

/** This file's plot of an alert line, or undefined for others' alerts. */
const plotOf = (line: FeedLine): string | undefined => {
  const code = line.alert.evidence.find((e) => e.dataset === 'landUseChange')?.key.parcelCode;
  return String(code ?? '').startsWith(`AF-${id}`) ? code : undefined;
};
const mine = (lines: FeedLine[]) => lines.filter((l) => plotOf(l) !== undefined);

async function alertIdOf(parcelCode: string): Promise<string> {
  const [row] = await hub.database.sql<{ id: string }[]>`
    select id from alert where rule = ${rule.id} and evidence @> ${JSON.stringify([{ key: { parcelCode } }])}::jsonb`;
  return row.id;
}

async function act(key: string, mutation: string, alertId: string, note?: string) {
  const body = (
    await hub.graphql(
      key,
      `mutation($id: ID!, $note: String) { ${mutation}(id: $id, note: $note) { state } }`,
      {
        id: alertId,
        note,
      },
    )
  ).body;
  expect(body.errors, JSON.stringify(body.errors)).toBeUndefined();
}

describe('the alert feed', { timeout: 120_000 }, () => {
  it('pulled twice by the CLI gives each change once, no gap, no repeat; re-evaluation alone adds nothing', async () => {
    const first = await pullAlerts(keys.ECOLOGY, 'ecology');
    expect(first.code, first.stderr).toBe(0);
    const before = linesOf('ecology');
    expect(
      mine(before)
        .map((l) => [plotOf(l), l.event, l.alert.state])
        .sort(),
    ).toEqual(plots.map((p) => [p.parcelCode, 'OPENED', 'OPEN']).sort());

    // Seen again only (last_seen_at moves): no change for a receiver.
    await evaluateRules(hub.database.sql, [rule]);
    const plot0 = await alertIdOf(plots[0].parcelCode);
    await act(keys.PLANNING, 'acknowledgeAlert', plot0);
    await act(keys['110111'], 'commentAlert', plot0, '已安排现场核查');
    await evaluateRules(hub.database.sql, [rule]);

    const second = await pullAlerts(keys.ECOLOGY, 'ecology');
    expect(second.code, second.stderr).toBe(0);
    const after = linesOf('ecology');
    // The first pull's lines are kept as they were; the new ones follow.
    expect(after.slice(0, before.length)).toEqual(before);
    const added = mine(after.slice(before.length));
    // The alert acknowledged then commented is sent once, at its latest state: no line for plot 1.
    expect(added.map((l) => [plotOf(l), l.event, l.alert.state])).toEqual([
      [plots[0].parcelCode, 'COMMENTED', 'ACKNOWLEDGED'],
    ]);
    // No cursor twice in the whole file.
    expect(new Set(after.map((l) => l.cursor)).size).toBe(after.length);

    // Each line was sent once: the feed read afresh from the beginning has every alert once, and this
    // file's alerts as the pulls left them.
    // Page by page: in the whole suite the shared test database holds more changes than one page.
    const wholeLines: any[] = [];
    for (let after = '', hasMore = true; hasMore; ) {
      const page = await fetch(`${hub.url}/alerts/changes?limit=10000&after=${encodeURIComponent(after)}`, {
        headers: { authorization: `Bearer ${keys.ECOLOGY}` },
      });
      expect(page.status).toBe(200);
      const lines = (await page.text())
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
      const end = lines.pop();
      wholeLines.push(...lines);
      ({ endCursor: after, hasMore } = end);
    }
    const wholeIds = wholeLines.filter((l) => l.alert).map((l) => l.alert.id);
    expect(new Set(wholeIds).size).toBe(wholeIds.length);
    expect(
      mine(wholeLines.filter((l) => l.alert))
        .map((l) => [plotOf(l), l.event])
        .sort(),
    ).toEqual(
      [
        [plots[0].parcelCode, 'COMMENTED'],
        [plots[1].parcelCode, 'OPENED'],
      ].sort(),
    );

    const third = await pullAlerts(keys.ECOLOGY, 'ecology');
    expect(third.code, third.stderr).toBe(0);
    expect(mine(linesOf('ecology').slice(after.length))).toEqual([]);

    const audit = await hub.database.sql<{ detail: any }[]>`
      select detail from audit_log where principal = 'ECOLOGY' and event = 'BULK_ALERT_CHANGES'`;
    expect(audit.length).toBeGreaterThanOrEqual(3);
    expect(audit.some((a) => (a.detail.rows.alert ?? 0) >= 2)).toBe(true);
  });

  it('gives a district only its district’s alerts, and a department that need not act none', async () => {
    const district = await pullAlerts(keys['110111'], 'district');
    expect(district.code, district.stderr).toBe(0);
    const lines = linesOf('district');
    expect(new Set(lines.map((l) => l.alert.district))).toEqual(new Set(['110111']));
    expect(mine(lines).map(plotOf)).toEqual([plots[0].parcelCode]);

    const housing = await pullAlerts(keys.HOUSING, 'housing');
    expect(housing.code, housing.stderr).toBe(0);
    expect(mine(linesOf('housing'))).toEqual([]);
  });

  it('the CLI refuses a page larger than the alert feed gives, before it asks or writes anything', async () => {
    const refused = await pullAlerts(keys.ECOLOGY, 'too-large', 20_000);
    expect(refused.code).toBe(5);
    expect(refused.stderr.trim().split('\n')).toEqual([
      'jingtu: --page: the alert feed gives at most 10000 changes per request (got 20000)',
    ]);
    expect(existsSync(join(folder, 'too-large.ndjson'))).toBe(false);
    expect(existsSync(join(folder, 'too-large.state.json'))).toBe(false);
  });

  it('refuses a cursor it did not give, a dataset feed’s cursor, and a bad limit, with a clear error', async () => {
    const get = (query: string, key = keys.ECOLOGY) =>
      fetch(`${hub.url}/alerts/changes?${query}`, { headers: { authorization: `Bearer ${key}` } });
    const [line] = (await (await get('limit=1')).text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));
    const datasetCursor = (
      await (
        await fetch(`${hub.url}/datasets/contaminatedSite/changes?limit=1`, {
          headers: { authorization: `Bearer ${keys.ECOLOGY}` },
        })
      ).text()
    )
      .split('\n')
      .map((l) => (l ? JSON.parse(l) : {}))[0].cursor;
    for (const query of [
      'after=12345',
      'after=garbage',
      `after=${encodeURIComponent(datasetCursor)}`,
      'limit=0',
      'limit=100001',
      'limit=x',
      `after=${line.cursor}&after=${line.cursor}`,
    ]) {
      const response = await get(query);
      expect(response.status, query).toBe(400);
      const body = (await response.json()) as any;
      expect(body.errors[0].extensions.code, query).toBe('BAD_USER_INPUT');
    }
    // Without a key: refused at the edge.
    expect((await fetch(`${hub.url}/alerts/changes`)).status).toBe(401);
  });

  it.skipIf(inject('databaseKind') === 'embedded')(
    'never skips a change committed after a later one was read: positions are taken under the feed lock, in commit order',
    async () => {
      const plot0 = await alertIdOf(plots[0].parcelCode);
      const plot1 = await alertIdOf(plots[1].parcelCode);
      const read = async (after: string) => {
        const text = await (
          await fetch(`${hub.url}/alerts/changes?limit=10000&after=${after}`, {
            headers: { authorization: `Bearer ${keys.ECOLOGY}` },
          })
        ).text();
        return text
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l));
      };
      /** Every change after `after`, page after page: other test files change alerts meanwhile (shared database). */
      const readAll = async (after: string) => {
        const lines: any[] = [];
        for (let cursor = after; ; ) {
          const page = await read(cursor);
          lines.push(...page.slice(0, -1));
          const { endCursor, hasMore } = page.at(-1);
          if (!hasMore) return { lines, endCursor: endCursor as string };
          cursor = endCursor;
        }
      };
      const { endCursor: start } = await readAll('');
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let taken!: () => void;
      const lockTaken = new Promise<void>((resolve) => {
        taken = resolve;
      });
      // A slow change: takes its position first and commits last.
      const slow = hub.database.sql.begin(async (tx) => {
        await tx`select pg_advisory_xact_lock(hashtext('jingtu:alert-feed'))`;
        await tx`update alert set change_seq = nextval('alert_change_seq') where id = ${plot1}`;
        taken();
        await held;
      });
      await lockTaken;
      // A quick one meanwhile waits for the lock, so its position comes after the slow one's.
      const quick = act(keys.ECOLOGY, 'commentAlert', plot0, '并发测试');
      await new Promise((resolve) => setTimeout(resolve, 300));
      const { lines: during } = await readAll(start);
      expect(during.filter((l) => l.alert && [plot0, plot1].includes(l.alert.id))).toEqual([]);
      release();
      await slow;
      await quick;
      const later = (await readAll(start)).lines.filter(
        (l) => l.alert && [plot0, plot1].includes(l.alert.id),
      );
      expect(later.map((l) => l.alert.id)).toEqual([plot1, plot0]);
    },
  );
});
