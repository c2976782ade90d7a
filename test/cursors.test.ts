import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { CursorSeal } from '../src/datasets/cursorSeal.js';
import { changeCursor, changePosition } from '../src/sync/changes.js';
import { withTestHub } from './support/hub.js';
import { outgoingRecord, uniqueId } from './support/records.js';
import { withSeed } from './support/seed.js';

/**
 * Cursors (issue 11 item 8): sealed, so that a district's cursors say nothing of other districts' changes
 * (the change sequence and record ids are global counters), and a cursor the hub did not make, or made for
 * another dataset, kind or order, is the caller's error (BAD_USER_INPUT), never an internal one.
 */

const hub = withTestHub();
const permits = datasetByName('constructionPermit') as Dataset;
// Districts no other test file writes construction permits for.
const MINE = '110109';
const OTHER = '110112';

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of the hub's answers, checked by the assertions
type Json = any;

const { keys } = withSeed(hub, (s) => s.keys('HOUSING', 'PLANNING', MINE));

const permit = (id: string, district: string) => outgoingRecord('constructionPermit', id, { district });

async function publish(batchKey: string, records: Record<string, unknown>[]) {
  const response = await fetch(`${hub.url}/datasets/constructionPermit/batches/${batchKey}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys.HOUSING}`, 'content-type': 'application/x-ndjson' },
    body: records.map((r) => JSON.stringify(r)).join('\n'),
  });
  expect(response.status, await response.clone().text()).toBe(200);
  expect(((await response.json()) as Json).status).toBe('APPLIED');
}

const CHANGES = `query($d: String!, $a: String, $f: Int) { changes(dataset: $d, after: $a, first: $f) {
  endCursor hasMore changes { cursor operation record { ... on ConstructionPermit { permitNo district } } } } }`;

async function changes(key: string, after: string | null, first = 1000, dataset = 'constructionPermit') {
  return hub.graphql(key, CHANGES, { d: dataset, a: after, f: first });
}

/** The cursor after which the caller has read every change so far. */
async function endOfFeed(key: string): Promise<string> {
  let after: string | null = null;
  for (;;) {
    const { body } = await changes(key, after);
    expect(body.errors).toBeUndefined();
    after = body.data.changes.endCursor as string;
    if (!body.data.changes.hasMore) return after;
  }
}

const codeOf = (response: { body: Json }) => response.body.errors?.[0]?.extensions?.code;

describe("a district's change cursors", () => {
  /**
   * One round: the district's permits 1, 2, 3 published one batch each, with `others` permits of another
   * district published before each of them; then what the district reads of them, page by page.
   */
  async function round(others: number) {
    const id = uniqueId();
    const start = await endOfFeed(keys[MINE]);
    for (const n of [1, 2, 3]) {
      for (let o = 0; o < others; o++) await publish(`o${n}${o}-${id}`, [permit(`${id}-o${n}${o}`, OTHER)]);
      await publish(`m${n}-${id}`, [permit(`${id}-m${n}`, MINE)]);
    }
    const pages: Json[] = [];
    let after = start;
    for (let page = 0; page < 10; page++) {
      const { body } = await changes(keys[MINE], after, 1);
      expect(body.errors).toBeUndefined();
      pages.push(body.data.changes);
      after = body.data.changes.endCursor;
      if (!body.data.changes.hasMore) break;
    }
    const mine = pages.flatMap((p) => p.changes).filter((c: Json) => c.record.permitNo.includes(id));
    return { id, start, pages, mine };
  }

  it('are opaque: the same whatever other districts published in between', async () => {
    const alone = await round(0);
    const interleaved = await round(3);
    for (const { id, pages, mine } of [alone, interleaved]) {
      expect(mine.map((c: Json) => c.record.permitNo.replace(id, 'ID'))).toEqual([
        'permitNo-ID-m1',
        'permitNo-ID-m2',
        'permitNo-ID-m3',
      ]);
      expect(pages.flatMap((p) => p.changes).every((c: Json) => c.record.district === MINE)).toBe(true);
      for (const page of pages) {
        if (page.changes.length) expect(page.endCursor).toBe(page.changes[0].cursor);
      }
    }
    // What the district reads is the same in both rounds, but for the cursors' texts, which are of one length
    // and show nothing: no number, no JSON.
    const shape = (r: typeof alone) =>
      r.pages
        .filter((p: Json) => p.changes.some((c: Json) => c.record.permitNo.includes(r.id)))
        .map((p: Json) => ({ rows: p.changes.length, cursorLength: p.endCursor.length }));
    expect(shape(interleaved)).toEqual(shape(alone));
    expect(shape(alone)).toHaveLength(3);
    const cursors = [...alone.mine, ...interleaved.mine].map((c: Json) => c.cursor as string);
    expect(new Set(cursors.map((c) => c.length))).toEqual(new Set([cursors[0].length]));
    for (const cursor of cursors) {
      expect(cursor).not.toMatch(/^\d+$/);
      expect(() => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))).toThrow();
    }
  });

  it('end where they began when only changes the district may not read follow', async () => {
    const id = uniqueId();
    const start = await endOfFeed(keys[MINE]);
    await publish(`hidden-${id}`, [permit(`${id}-h1`, OTHER), permit(`${id}-h2`, OTHER)]);
    const { body } = await changes(keys[MINE], start);
    expect(body.data.changes).toEqual({ endCursor: start, hasMore: false, changes: [] });
    const bulk = await fetch(`${hub.url}/datasets/constructionPermit/changes?after=${start}`, {
      headers: { authorization: `Bearer ${keys[MINE]}` },
    });
    expect(await bulk.text()).toBe(`${JSON.stringify({ endCursor: start, hasMore: false })}\n`);
  });

  it('are the same over GraphQL and the bulk feed', async () => {
    const id = uniqueId();
    const start = await endOfFeed(keys.PLANNING);
    await publish(`same-${id}`, [permit(`${id}-s1`, MINE), permit(`${id}-s2`, OTHER)]);
    const { body } = await changes(keys.PLANNING, start);
    const bulk = await fetch(`${hub.url}/datasets/constructionPermit/changes?after=${start}`, {
      headers: { authorization: `Bearer ${keys.PLANNING}` },
    });
    const lines = (await bulk.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    const end = lines.pop();
    expect(lines.map((l) => l.cursor)).toEqual(body.data.changes.changes.map((c: Json) => c.cursor));
    expect(end.endCursor).toBe(body.data.changes.endCursor);
  });
});

describe('cursors the hub did not make', () => {
  it('forged, tampered, of another order or another dataset: BAD_USER_INPUT', async () => {
    // The cursor form before sealing ([sort value, record id] in base64url JSON), with a sort value that is
    // no date: it reached SQL and failed as INTERNAL_SERVER_ERROR.
    const forged = Buffer.from(JSON.stringify(['not-a-date', 1])).toString('base64url');
    const list = (after: string, args = '') =>
      hub.graphql(
        keys.PLANNING,
        `query($a: String) { constructionPermits(after: $a${args}) { edges { cursor } pageInfo { endCursor } } }`,
        { a: after },
      );
    expect(codeOf(await list(forged))).toBe('BAD_USER_INPUT');
    const first = await hub.graphql(
      keys.PLANNING,
      '{ constructionPermits(first: 2) { pageInfo { endCursor } } }',
    );
    const cursor = first.body.data.constructionPermits.pageInfo.endCursor as string;
    expect((await list(cursor)).body.errors).toBeUndefined();
    const tampered = `${cursor.slice(0, -1)}${cursor.endsWith('A') ? 'B' : 'A'}`;
    expect(codeOf(await list(tampered))).toBe('BAD_USER_INPUT');
    expect(codeOf(await list('x'.repeat(40_001)))).toBe('BAD_USER_INPUT');
    const otherOrder = await list(cursor, ', orderBy: { field: FLOOR_AREA_M2 }');
    expect(codeOf(otherOrder)).toBe('BAD_USER_INPUT');
    expect(otherOrder.body.errors?.[0].message).toMatch(/another order/);
    const otherDataset = await hub.graphql(
      keys.PLANNING,
      'query($a: String) { closedEnterprises(after: $a) { totalCount } }',
      { a: cursor },
    );
    expect(codeOf(otherDataset)).toBe('BAD_USER_INPUT');
    // A list cursor is no change cursor, and a change cursor is one dataset's.
    expect(codeOf(await changes(keys.PLANNING, cursor))).toBe('BAD_USER_INPUT');
    const changeCursorText = await endOfFeed(keys.PLANNING);
    expect(codeOf(await changes(keys.PLANNING, changeCursorText, 10, 'closedEnterprise'))).toBe(
      'BAD_USER_INPUT',
    );
    const bulk = await fetch(`${hub.url}/datasets/closedEnterprise/changes?after=${changeCursorText}`, {
      headers: { authorization: `Bearer ${keys.PLANNING}` },
    });
    expect(bulk.status).toBe(400);
    expect(((await bulk.json()) as Json).errors[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('a list cursor of the longest sort value continues its list', async () => {
    const id = uniqueId();
    const permitNo = `${id}${'许'.repeat(4000 - id.length)}`;
    await publish(`long-${id}`, [{ ...permit(`${id}-l`, MINE), permitNo, projectName: `项目 ${id}` }]);
    const page = (after: string | null) =>
      hub.graphql(
        keys.PLANNING,
        `query($s: String, $a: String) { constructionPermits(filter: { search: $s }, after: $a,
          orderBy: { field: PERMIT_NO }) { edges { cursor node { permitNo } } } }`,
        { s: id, a: after },
      );
    const first = await page(null);
    const [edge] = first.body.data.constructionPermits.edges;
    expect(edge.node.permitNo).toBe(permitNo);
    const next = await page(edge.cursor);
    expect(next.body.errors).toBeUndefined();
    expect(next.body.data.constructionPermits.edges).toEqual([]);
  });

  it('a list cursor does not hold the record id in clear', async () => {
    const id = uniqueId();
    await publish(`id-${id}`, [permit(`${id}-i`, MINE)]);
    const { body } = await hub.graphql(
      keys.PLANNING,
      'query($s: String) { constructionPermits(filter: { search: $s }) { edges { cursor } } }',
      { s: id },
    );
    const [{ cursor }] = body.data.constructionPermits.edges;
    const [{ rowId }] = await hub.database.sql`
      select id::text as "rowId" from construction_permit where permit_no = ${`permitNo-${id}-i`}`;
    expect(Buffer.from(cursor, 'base64url').toString('latin1')).not.toContain(rowId);
  });

  it('numeric change cursors: up to the last one given out before sealing, then the beginning only', async () => {
    // This database was migrated empty: 0 (the beginning) is the only number ever given out.
    expect(codeOf(await changes(keys.PLANNING, '0', 1))).toBeUndefined();
    const refused = await changes(keys.PLANNING, '5', 1);
    expect(codeOf(refused)).toBe('BAD_USER_INPUT');
    expect(refused.body.errors?.[0].message).toMatch(/start again from the beginning/);
    // A hub upgraded when its sequence stood at 100 accepts the numbers it gave out up to then.
    const upgraded = new CursorSeal(Buffer.alloc(32, 7), 100);
    expect(changePosition(upgraded, permits, '100')).toBe(100n);
    expect(changePosition(upgraded, permits, '')).toBe(0n);
    expect(() => changePosition(upgraded, permits, '101')).toThrow(/start again from the beginning/);
    const sealed = changeCursor(upgraded, permits, 12345);
    expect(changePosition(upgraded, permits, sealed)).toBe(12345n);
    expect(() => changePosition(new CursorSeal(Buffer.alloc(32, 8), 100), permits, sealed)).toThrow(
      /Malformed change cursor/,
    );
  });
});

describe('the audit of a change feed read', () => {
  it('counts the rows sent, not the one more read to tell whether more follow', async () => {
    const id = uniqueId();
    const start = await endOfFeed(keys.PLANNING);
    await publish(
      `audit-${id}`,
      [1, 2, 3, 4, 5, 6, 7].map((n) => permit(`${id}-a${n}`, MINE)),
    );
    const requestId = `changes-${id}`;
    const response = await fetch(`${hub.url}/datasets/constructionPermit/changes?after=${start}&limit=5`, {
      headers: { authorization: `Bearer ${keys.PLANNING}`, 'x-request-id': requestId },
    });
    const lines = (await response.text()).trim().split('\n');
    expect(lines).toHaveLength(6); // 5 changes and the end line
    let detail: Json;
    for (let wait = 0; wait < 100 && !detail; wait++) {
      [detail] = await hub.database.sql`select detail from audit_log where request_id = ${requestId}`;
      if (!detail) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(detail.detail.rows).toEqual({ constructionPermit: 5 });
  });
});
