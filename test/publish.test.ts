import { describe, expect, it } from 'vitest';
import { evaluateChanged } from '../src/supervision/evaluate.js';
import {
  MAX_LIST_ITEM_LENGTH,
  MAX_LIST_ITEMS,
  MAX_SOURCE_ID_LENGTH,
  MAX_TEXT_LENGTH,
} from '../src/sync/validate.js';
import { withTestHub } from './support/hub.js';
import {
  bowtie,
  creditCodeFor,
  outgoingRecord as outgoing,
  permitFeedScenario,
  square,
  uniqueId,
} from './support/records.js';
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
    // A district that publishes no demo filing (西城区): a snapshot tombstones the publisher's rows in the
    // whole shared database, so an owner's snapshot would withdraw every other file's rows too.
    const district = '110102';
    const filings = [1, 2, 3].map((n) => outgoing('demolitionFiling', `${id}W${n}`, { district }));
    await publish(keys.ECOLOGY, {
      dataset: 'demolitionFiling',
      batchKey: `ecology-${id}`,
      records: [outgoing('demolitionFiling', `${id}E`, { district })],
    });
    const publisher = await hub.key(district);
    await publish(publisher, { dataset: 'demolitionFiling', batchKey: `f1-${id}`, records: filings });
    const snapshot = await publish(publisher, {
      dataset: 'demolitionFiling',
      batchKey: `f2-${id}`,
      mode: 'SNAPSHOT',
      records: filings.slice(0, 2),
    });
    expect(snapshot.deleted).toBe(1);
    const { body } = await hub.graphql(
      keys.ECOLOGY,
      `query($s: String) { demolitionFilings(filter: { search: $s }) { totalCount nodes { provenance { publisher } } } }`,
      { s: id },
    );
    // The publisher's two rows and ECOLOGY's, which the district's snapshot leaves alone.
    expect(body.data.demolitionFilings.totalCount).toBe(3);
    expect(
      body.data.demolitionFilings.nodes
        .map((n: { provenance: { publisher: string } }) => n.provenance.publisher)
        .sort(),
    ).toEqual(['110102', '110102', 'ECOLOGY']);
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
    const scenario = permitFeedScenario(id);
    await publish(keys.HOUSING, {
      dataset: 'constructionPermit',
      batchKey: `c1-${id}`,
      records: scenario.rows,
    });
    await publish(keys.HOUSING, {
      dataset: 'constructionPermit',
      batchKey: `c2-${id}`,
      records: scenario.second,
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
    expect(seen).toEqual(scenario.expected);
  });

  it('refuses a malformed change cursor', async () => {
    const { body } = await hub.graphql(
      keys.HOUSING,
      `{ changes(dataset: "constructionPermit", after: "abc") { endCursor } }`,
    );
    expect(body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
  });
});

describe('a publish that moves an area', () => {
  it('keeps the area it moved from (record_area_before), and nothing for an unchanged area or a withdrawal', async () => {
    const id = uniqueId();
    // A corner of its own: other files move plots at the same time (the shared database).
    const lat = 41.3 + Math.random() * 0.1;
    const plot = (lon: number) =>
      outgoing('landUseChange', `${id}-mv`, { boundary: square(116.9 + lon, lat, 0.002) });
    const moved = async () =>
      hub.database.sql<{ area: string; change_seq: string }[]>`
        select area::text, change_seq::text from record_area_before
        where dataset = 'landUseChange' and field = 'boundary' and change_seq > ${before}
          and area && polygon(box(point(116.89, ${lat - 0.001}), point(116.95, ${lat + 0.003})))
        order by change_seq`;
    const [{ before }] = await hub.database.sql<
      { before: string }[]
    >`select last_value::text as before from hub_change_seq`;
    const at = (lon: number, batch: string) =>
      publish(keys.PLANNING, {
        dataset: 'landUseChange',
        batchKey: `mv-${id}-${batch}`,
        records: [plot(lon)],
      });
    await at(0, 'a');
    expect(await moved()).toEqual([]);
    await at(0.01, 'b');
    const [first, ...rest] = await moved();
    expect(rest).toEqual([]);
    // The old square, as PostgreSQL prints a polygon: its first corner is the old one.
    expect(first.area).toContain(`(116.9,${lat})`);
    // The same area again, then a withdrawal (its tombstone keeps the area): nothing more is kept.
    await at(0.01, 'c');
    await publish(keys.PLANNING, {
      dataset: 'landUseChange',
      batchKey: `mv-${id}-d`,
      records: [{ parcelCode: plot(0).parcelCode, deleted: true }],
    });
    expect(await moved()).toHaveLength(1);
    // A refused publish moves nothing.
    const refused = await hub.graphql(keys['110105'], PUBLISH, {
      dataset: 'landUseChange',
      batchKey: `mv-${id}-e`,
      records: [plot(0.02)],
    });
    expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(await moved()).toHaveLength(1);
    // Once every rule reading plots has evaluated past it, it is forgotten.
    await evaluateChanged(hub.database.sql);
    expect(await moved()).toEqual([]);
  }, 120_000);
});
