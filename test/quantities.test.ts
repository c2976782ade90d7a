import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTestHub } from './support/hub.js';
import { outgoingRecord, uniqueId } from './support/records.js';

/**
 * Quantities at their declared precision (issue 12): soil monitoring's metals in mg/kg at 3 decimal places,
 * its pH at 2. Sums are exact, averages rounded at the scale, more decimals than the scale are refused, and
 * every way a value leaves the hub carries it as a JSON number (or its text in CSV), not as numeric's text.
 */

const hub = withTestHub();
let agriculture: string;

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of the hub's answers, checked by the assertions
type Json = any;

const id = uniqueId();
const code = (n: number) => `QTY${id}-${n}`;
/** A sample of this run at point n, sampled on the same day, with the values given. */
const sample = (n: number, values: Record<string, number>) =>
  outgoingRecord('soilMonitoring', `${id}-${n}`, { pointCode: code(n), sampledOn: '2024-05-01', ...values });
const samples = [
  sample(0, { cadmium: 0.1, ph: 7.1, zinc: 1234567.891 }),
  sample(1, { cadmium: 0.2, ph: 7.2, zinc: 0.001 }),
  sample(2, { cadmium: 0.2, ph: 7.2, zinc: 88.5 }),
];

const PUBLISH = `mutation($batchKey: String!, $records: [JSONObject!]!) {
  publish(dataset: "soilMonitoring", batchKey: $batchKey, atomic: false, records: $records) {
    status accepted rejections { line field reason } } }`;

async function publish(records: Record<string, unknown>[]) {
  const response = await hub.graphql(agriculture, PUBLISH, { batchKey: `qty-${uniqueId()}`, records });
  expect(response.body.errors).toBeUndefined();
  return response.body.data.publish;
}

async function get(path: string): Promise<string> {
  const response = await fetch(`${hub.url}${path}`, { headers: { authorization: `Bearer ${agriculture}` } });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return text;
}

const ndjson = (text: string): Json[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line));

/** The published samples' values as an answer holds them, by point code. */
const expected = Object.fromEntries(
  samples.map((s) => [s.pointCode, { cadmium: s.cadmium, ph: s.ph, zinc: s.zinc }]),
);

function mine(records: Json[]) {
  return Object.fromEntries(
    records
      .filter((r) => Object.hasOwn(expected, r.pointCode))
      .map((r) => [r.pointCode, { cadmium: r.cadmium, ph: r.ph, zinc: r.zinc }]),
  );
}

let feedStart: string;

beforeAll(async () => {
  agriculture = await hub.key('AGRICULTURE');
  // The GraphQL change feed's end before the samples are published.
  let after: string | null = null;
  for (let more = true; more; ) {
    const response = await hub.graphql(
      agriculture,
      `query($a: String) { changes(dataset: "soilMonitoring", after: $a, first: 1000) { endCursor hasMore } }`,
      { a: after },
    );
    ({ endCursor: after, hasMore: more } = response.body.data.changes);
  }
  feedStart = after as string;
  expect(await publish(samples)).toMatchObject({ status: 'APPLIED', accepted: 3, rejections: [] });
});

describe('quantities', () => {
  it('sum exactly and average at the scale (double precision summed 0.1 + 0.2 to 0.30000000000000004)', async () => {
    const aggregate = async (points: string[]) => {
      const response = await hub.graphql(
        agriculture,
        `query($f: SoilMonitoringFilter) { soilMonitoringAggregate(filter: $f) {
          groups { count sum { cadmium ph zinc } avg { cadmium ph } min { zinc } max { zinc } } } }`,
        { f: { pointCode: points } },
      );
      expect(response.body.errors).toBeUndefined();
      return response.body.data.soilMonitoringAggregate.groups;
    };
    expect(await aggregate([code(0), code(1)])).toEqual([
      {
        count: 2,
        sum: { cadmium: 0.3, ph: 14.3, zinc: 1234567.892 },
        avg: { cadmium: 0.15, ph: 7.15 },
        min: { zinc: 0.001 },
        max: { zinc: 1234567.891 },
      },
    ]);
    // 0.5 / 3 and 21.5 / 3, rounded at 3 and 2 places
    const [all] = await aggregate([code(0), code(1), code(2)]);
    expect(all.avg).toEqual({ cadmium: 0.167, ph: 7.17 });
    expect(all.sum.zinc).toBe(1234656.392);
  });

  it('refuse more decimals than the scale, from JSON and from CSV, and take a double’s binary noise', async () => {
    const more = [
      sample(11, { cadmium: 0.1234 }),
      sample(12, { ph: 7.125 }),
      sample(13, { zinc: 1e12 }),
      sample(14, { cadmium: 0.1 + 0.2 }),
    ];
    const result = await publish(more);
    expect(result.accepted).toBe(1);
    expect(result.rejections).toEqual([
      { line: 1, field: 'cadmium', reason: 'must have at most 3 decimal places, got 0.1234' },
      { line: 2, field: 'ph', reason: 'must have at most 2 decimal places, got 7.125' },
      { line: 3, field: 'zinc', reason: 'is out of range (at most 999999999999.999), got 1000000000000' },
    ]);
    const lookup = await hub.graphql(
      agriculture,
      `{ soilMonitoring(pointCode: "${code(14)}", sampledOn: "2024-05-01") { cadmium } }`,
    );
    expect(lookup.body.data.soilMonitoring.cadmium).toBe(0.3);

    const record: Json = { ...more[0], pointCode: code(15) };
    const csv = stringify([
      Object.keys(record),
      Object.values(record).map((v) => (typeof v === 'object' ? JSON.stringify(v) : String(v))),
    ]);
    expect(csv).toContain(',0.1234,');
    const response = await fetch(`${hub.url}/datasets/soilMonitoring/batches/qty-csv-${id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${agriculture}`, 'content-type': 'text/csv' },
      body: csv,
    });
    const body = (await response.json()) as Json;
    expect(body.rejections).toContainEqual({
      line: 2,
      field: 'cadmium',
      reason: 'must have at most 3 decimal places, got 0.1234',
    });
  });

  it('leave as JSON numbers in lists, lookups, exports and both change feeds', async () => {
    const list = await hub.graphql(
      agriculture,
      `query($f: SoilMonitoringFilter) { soilMonitorings(filter: $f, first: 10) {
        nodes { pointCode cadmium ph zinc } } }`,
      { f: { pointCode: samples.map((s) => s.pointCode) } },
    );
    expect(mine(list.body.data.soilMonitorings.nodes)).toEqual(expected);
    const one = await hub.graphql(
      agriculture,
      `{ soilMonitoring(pointCode: "${code(0)}", sampledOn: "2024-05-01") { cadmium ph zinc } }`,
    );
    expect(one.body.data.soilMonitoring).toEqual({ cadmium: 0.1, ph: 7.1, zinc: 1234567.891 });

    expect(mine(ndjson(await get('/datasets/soilMonitoring/export?format=ndjson')))).toEqual(expected);
    const geojson = JSON.parse(await get('/datasets/soilMonitoring/export?format=geojson'));
    expect(mine(geojson.features.map((f: Json) => f.properties))).toEqual(expected);
    const [header, ...rows] = parse(await get('/datasets/soilMonitoring/export?format=csv')) as string[][];
    const cells = rows
      .map((row) => Object.fromEntries(header.map((name, i) => [name, row[i]])))
      .filter((row) => row.pointCode === code(0));
    expect(cells.map((row) => [row.cadmium, row.ph, row.zinc])).toEqual([['0.1', '7.1', '1234567.891']]);

    const rest = ndjson(await get('/datasets/soilMonitoring/changes?limit=100000'));
    expect(mine(rest.filter((line) => line.record).map((line) => line.record))).toEqual(expected);
    const feed = await hub.graphql(
      agriculture,
      `query($a: String) { changes(dataset: "soilMonitoring", after: $a, first: 1000) {
        changes { record { ... on SoilMonitoring { pointCode cadmium ph zinc } } } } }`,
      { a: feedStart },
    );
    expect(mine(feed.body.data.changes.changes.map((c: Json) => c.record))).toEqual(expected);
  });
});
