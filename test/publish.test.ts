import { describe, expect, it } from 'vitest';
import {
  MAX_LIST_ITEM_LENGTH,
  MAX_LIST_ITEMS,
  MAX_SOURCE_ID_LENGTH,
  MAX_TEXT_LENGTH,
} from '../src/sync/validate.js';
import { withTestHub } from './support/hub.js';
import { bowtie, creditCodeFor, outgoingRecord as outgoing, uniqueId } from './support/records.js';
import { withSeed } from './support/seed.js';

const hub = withTestHub();
const { keys } = withSeed(hub, (s) =>
  s.keys('HOUSING', 'PLANNING', 'ECONOMY', 'AGRICULTURE', 'FORESTRY', 'ECOLOGY', '110105'),
);

const PUBLISH = `mutation($dataset: String!, $batchKey: String!, $mode: PublishMode, $atomic: Boolean, $records: [JSONObject!]!) {
  publish(dataset: $dataset, batchKey: $batchKey, mode: $mode, atomic: $atomic, records: $records) {
    status replayed received accepted inserted updated unchanged deleted takenOver rejectedCount errorCount note
    rejections { line field reason } } }`;

async function publish(key: string, variables: Record<string, unknown>) {
  const response = await hub.graphql(key, PUBLISH, variables);
  expect(response.body.errors, JSON.stringify(response.body.errors)).toBeUndefined();
  return response.body.data.publish;
}

describe('publishing a batch', () => {
  const id = uniqueId();
  const permits = [1, 2, 3].map((n) =>
    outgoing('constructionPermit', `${id}-${n}`, { projectName: `发布测试 ${id} ${n}` }),
  );
  const count = async () =>
    (
      await hub.graphql(
        keys.HOUSING,
        `query($s: String) { constructionPermits(filter: { search: $s }) { totalCount } }`,
        {
          s: id,
        },
      )
    ).body.data.constructionPermits.totalCount;

  it('inserts, and a batch sent again changes nothing and returns the first result', async () => {
    const first = await publish(keys.HOUSING, {
      dataset: 'constructionPermit',
      batchKey: `b1-${id}`,
      records: permits,
    });
    expect(first).toMatchObject({
      status: 'APPLIED',
      replayed: false,
      received: 3,
      inserted: 3,
      rejectedCount: 0,
    });
    for (let i = 0; i < 3; i++) {
      const again = await publish(keys.HOUSING, {
        dataset: 'constructionPermit',
        batchKey: `b1-${id}`,
        records: permits,
      });
      expect(again).toEqual({ ...first, replayed: true });
    }
    expect(await count()).toBe(3);
  });

  it('updates what changed, leaves the rest, and tombstones what is sent as deleted', async () => {
    const changed = [
      { ...permits[0], floorAreaM2: 999 },
      permits[1],
      { permitNo: permits[2].permitNo, deleted: true },
    ];
    const result = await publish(keys.HOUSING, {
      dataset: 'constructionPermit',
      batchKey: `b2-${id}`,
      records: changed,
    });
    expect(result).toMatchObject({ status: 'APPLIED', inserted: 0, updated: 1, unchanged: 1, deleted: 1 });
    expect(await count()).toBe(2);
    const { body } = await hub.graphql(
      keys.HOUSING,
      `query($p: String!) { constructionPermit(permitNo: $p) { floorAreaM2 provenance { version syncBatch } } }`,
      { p: permits[0].permitNo },
    );
    expect(body.data.constructionPermit).toEqual({
      floorAreaM2: 999,
      provenance: { version: 2, syncBatch: `b2-${id}` },
    });
  });

  it('rejects bad rows with line, field and reason, and applies nothing by default', async () => {
    const good = outgoing('closedEnterprise', `${id}-good`, { creditCode: creditCodeFor(`${id}good`) });
    const bad = [
      good,
      { ...outgoing('closedEnterprise', `${id}-b1`), creditCode: '91110115MA01ABCDE0' },
      {
        ...outgoing('closedEnterprise', `${id}-b2`, { creditCode: creditCodeFor(`${id}b2`) }),
        closedOn: '2023-02-30',
      },
      {
        ...outgoing('closedEnterprise', `${id}-b3`, { creditCode: creditCodeFor(`${id}b3`) }),
        siteBoundary: bowtie,
      },
      {
        ...outgoing('closedEnterprise', `${id}-b4`, { creditCode: creditCodeFor(`${id}b4`) }),
        closureType: 'VANISHED',
      },
      {
        ...outgoing('closedEnterprise', `${id}-b5`, { creditCode: creditCodeFor(`${id}b5`) }),
        name: '',
        colour: 'red',
      },
      {
        ...outgoing('closedEnterprise', `${id}-b6`, { creditCode: creditCodeFor(`${id}b6`) }),
        district: '999999',
      },
    ];
    const result = await publish(keys.ECONOMY, {
      dataset: 'closedEnterprise',
      batchKey: `bad-${id}`,
      records: bad,
    });
    // Six rows are rejected (line 6 twice over): rows counted once, every error listed.
    expect(result).toMatchObject({ status: 'REJECTED', inserted: 0, rejectedCount: 6, errorCount: 7 });
    const byLine = result.rejections.map((r: { line: number; field: string; reason: string }) => [
      r.line,
      r.field,
    ]);
    expect(byLine).toEqual([
      [2, 'creditCode'],
      [3, 'closedOn'],
      [4, 'siteBoundary'],
      [5, 'closureType'],
      [6, 'colour'],
      [6, 'name'],
      [7, 'district'],
    ]);
    expect(result.rejections[0].reason).toMatch(/check character/);
    expect(result.rejections[1].reason).toMatch(/not a real date/);
    expect(result.rejections[2].reason).toMatch(/crosses itself/);
    const lookup = `query($c: String!) { closedEnterprise(creditCode: $c) { name } }`;
    expect(
      (await hub.graphql(keys.ECONOMY, lookup, { c: good.creditCode })).body.data.closedEnterprise,
    ).toBeNull();

    const partial = await publish(keys.ECONOMY, {
      dataset: 'closedEnterprise',
      batchKey: `bad-${id}`,
      atomic: false,
      records: bad,
    });
    expect(partial).toMatchObject({
      status: 'APPLIED',
      inserted: 1,
      rejectedCount: 6,
      errorCount: 7,
      replayed: false,
    });
    expect(
      (await hub.graphql(keys.ECONOMY, lookup, { c: good.creditCode })).body.data.closedEnterprise,
    ).toEqual({
      name: good.name,
    });
  });

  it('stores text and lists exactly as sent (staging goes through COPY), and rejects what COPY could not take', async () => {
    const tricky = `"引号", 逗号\n换行\t制表 \\ 反斜杠 \\N {大括号} ${id}`;
    const site = outgoing('contaminatedSite', `${id}-tricky`, {
      name: tricky,
      pollutants: ['镉, "Cd"', 'a\\b', '{x}', 'NULL'],
    });
    const applied = await publish(keys.ECOLOGY, {
      dataset: 'contaminatedSite',
      batchKey: `tricky-${id}`,
      records: [site],
    });
    expect(applied).toMatchObject({ status: 'APPLIED', inserted: 1, rejectedCount: 0 });
    const read = await hub.graphql(
      keys.ECOLOGY,
      `query($c: String!) { contaminatedSite(siteCode: $c) { name pollutants } }`,
      { c: site.siteCode },
    );
    expect(read.body.data.contaminatedSite).toEqual({
      name: tricky,
      pollutants: ['镉, "Cd"', 'a\\b', '{x}', 'NULL'],
    });

    const refused = await publish(keys.ECOLOGY, {
      dataset: 'contaminatedSite',
      batchKey: `nul-${id}`,
      records: [
        outgoing('contaminatedSite', `${id}-nul`, { name: `空字符\u0000${id}` }),
        outgoing('contaminatedSite', `${id}-nul2`, { pollutants: ['\u0000'] }),
      ],
    });
    expect(refused.rejections).toEqual([
      { line: 1, field: 'name', reason: 'must not contain the NUL character (\\u0000)' },
      { line: 2, field: 'pollutants', reason: expect.stringMatching(/list of text/) },
    ]);
  });

  it('rejects negative amounts', async () => {
    const row = outgoing('pesticideUse', `${id}-neg`, { amountKg: -3 });
    const result = await publish(keys.AGRICULTURE, {
      dataset: 'pesticideUse',
      batchKey: `neg-${id}`,
      records: [row],
    });
    expect(result.rejections).toEqual([
      { line: 1, field: 'amountKg', reason: 'must not be negative, got -3' },
    ]);
  });

  it('tombstones the publisher’s rows missing from a snapshot, and nobody else’s', async () => {
    const wells = [1, 2, 3].map((n) => outgoing('irrigationWell', `${id}-w${n}`, { town: `快照镇${id}` }));
    await publish(keys.ECOLOGY, {
      dataset: 'contaminatedSite',
      batchKey: `site-${id}`,
      records: [outgoing('contaminatedSite', `${id}-site`)],
    }).catch(() => {});
    const water = await hub.key('WATER');
    await publish(water, { dataset: 'irrigationWell', batchKey: `w1-${id}`, records: wells });
    const snapshot = await publish(water, {
      dataset: 'irrigationWell',
      batchKey: `w2-${id}`,
      mode: 'SNAPSHOT',
      records: wells.slice(0, 2),
    });
    expect(snapshot.deleted).toBeGreaterThanOrEqual(1);
    const { body } = await hub.graphql(
      water,
      `query($s: String) { irrigationWells(filter: { search: $s }) { totalCount } }`,
      {
        s: `快照镇${id}`,
      },
    );
    expect(body.data.irrigationWells.totalCount).toBe(2);
  });
});

describe('bounds of published values', () => {
  it('refuses text, lists and source ids beyond their bounds, by row and field', async () => {
    const id = uniqueId();
    const site = (n: number, overrides: Record<string, unknown>) =>
      outgoing('contaminatedSite', `${id}-${n}`, overrides);
    const result = await publish(keys.ECOLOGY, {
      dataset: 'contaminatedSite',
      batchKey: `bounds-${id}`,
      atomic: false,
      records: [
        site(1, { name: '名'.repeat(MAX_TEXT_LENGTH + 1) }),
        site(2, { pollutants: Array.from({ length: MAX_LIST_ITEMS + 1 }, (_, i) => `镉${i}`) }),
        site(3, { pollutants: ['铅'.repeat(MAX_LIST_ITEM_LENGTH + 1)] }),
        { ...site(4, {}), sourceRecordId: 'x'.repeat(MAX_SOURCE_ID_LENGTH + 1) },
        site(5, { name: '名'.repeat(MAX_TEXT_LENGTH) }),
      ],
    });
    expect(result).toMatchObject({ status: 'APPLIED', inserted: 1, rejectedCount: 4 });
    expect(result.rejections.map((r: { line: number; field: string }) => [r.line, r.field])).toEqual([
      [1, 'name'],
      [2, 'pollutants'],
      [3, 'pollutants'],
      [4, 'sourceRecordId'],
    ]);
  });
});

describe('who may publish what', () => {
  const id = uniqueId();

  it('refuses a department publishing another’s dataset', async () => {
    const { body } = await hub.graphql(keys.PLANNING, PUBLISH, {
      dataset: 'constructionPermit',
      batchKey: `x-${id}`,
      records: [outgoing('constructionPermit', id)],
    });
    expect(body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  });

  it('lets a district publish its own district’s rows only', async () => {
    await publish(keys.ECONOMY, {
      dataset: 'closedEnterprise',
      batchKey: `d-${id}`,
      records: [
        outgoing('closedEnterprise', `${id}-a`, { district: '110105', creditCode: creditCodeFor(`${id}a`) }),
        outgoing('closedEnterprise', `${id}-b`, { district: '110108', creditCode: creditCodeFor(`${id}b`) }),
      ],
    });
    const rows = [
      outgoing('siteScreening', `${id}-a`, { district: '110105', creditCode: creditCodeFor(`${id}a`) }),
      outgoing('siteScreening', `${id}-b`, { district: '110108', creditCode: creditCodeFor(`${id}b`) }),
    ];
    const result = await publish(keys['110105'], {
      dataset: 'siteScreening',
      batchKey: `d-${id}`,
      atomic: false,
      records: rows,
    });
    expect(result).toMatchObject({ inserted: 1, rejectedCount: 1 });
    expect(result.rejections[0]).toMatchObject({ line: 2, field: 'district' });
  });

  it('refuses to overwrite a record another publisher owns', async () => {
    const row = outgoing('pesticideUse', `${id}-own`);
    await publish(keys.AGRICULTURE, { dataset: 'pesticideUse', batchKey: `a-${id}`, records: [row] });
    const result = await publish(keys.FORESTRY, {
      dataset: 'pesticideUse',
      batchKey: `f-${id}`,
      records: [{ ...row, amountKg: 1 }],
    });
    expect(result.status).toBe('REJECTED');
    expect(result.rejections[0].reason).toMatch(/belongs to publisher AGRICULTURE/);
  });
});

describe('the change feed', () => {
  it('returns inserts, updates and tombstones in order, with no gap and no repeat, masked per reader', async () => {
    const id = uniqueId();
    // From the end of the feed as it stands.
    let after: string | null = null;
    for (;;) {
      const { body } = await hub.graphql(
        keys.HOUSING,
        `query($a: String) { changes(dataset: "constructionPermit", after: $a, first: 1000) { endCursor hasMore } }`,
        { a: after },
      );
      after = body.data.changes.endCursor;
      if (!body.data.changes.hasMore) break;
    }
    const rows = [1, 2, 3, 4, 5].map((n) =>
      outgoing('constructionPermit', `${id}-${n}`, { contactPerson: '李四' }),
    );
    await publish(keys.HOUSING, { dataset: 'constructionPermit', batchKey: `c1-${id}`, records: rows });
    await publish(keys.HOUSING, {
      dataset: 'constructionPermit',
      batchKey: `c2-${id}`,
      records: [
        { ...rows[0], floorAreaM2: 1 },
        { permitNo: rows[1].permitNo, deleted: true },
      ],
    });
    const seen: string[] = [];
    for (let page = 0; page < 20; page++) {
      const { body } = await hub.graphql(
        keys.PLANNING,
        `query($a: String) { changes(dataset: "constructionPermit", after: $a, first: 2) {
          endCursor hasMore changes { cursor operation record { ... on ConstructionPermit { permitNo contactPerson floorAreaM2 } } } } }`,
        { a: after },
      );
      expect(body.errors).toBeUndefined();
      for (const change of body.data.changes.changes) {
        if (change.record.permitNo.includes(id))
          seen.push(`${change.operation}:${change.record.permitNo}:${change.record.contactPerson}`);
      }
      after = body.data.changes.endCursor;
      if (!body.data.changes.hasMore) break;
    }
    const permit = (n: number) => rows[n - 1].permitNo;
    expect(seen).toEqual([
      `UPSERT:${permit(3)}:李*`,
      `UPSERT:${permit(4)}:李*`,
      `UPSERT:${permit(5)}:李*`,
      `UPSERT:${permit(1)}:李*`,
      `DELETE:${permit(2)}:李*`,
    ]);
  });

  it('refuses a malformed change cursor', async () => {
    const { body } = await hub.graphql(
      keys.HOUSING,
      `{ changes(dataset: "constructionPermit", after: "abc") { endCursor } }`,
    );
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});
