import { beforeAll, describe, expect, it } from 'vitest';
import { withTestHub } from './support/hub.js';
import { bowtie } from './support/records.js';

const hub = withTestHub();
let key: string;
beforeAll(async () => {
  key = await hub.key('PLANNING');
});

/** Every bad request gets BAD_USER_INPUT, a readable message, no stack trace and no HTTP 500. */
async function expectBadInput(
  query: string,
  variables: Record<string, unknown> | undefined,
  message: RegExp,
) {
  const response = await hub.graphql(key, query, variables);
  expect(response.status).toBeLessThan(500);
  expect(response.body.errors?.length, JSON.stringify(response.body)).toBeGreaterThan(0);
  const [error] = response.body.errors ?? [];
  expect(error.extensions?.code).toBe('BAD_USER_INPUT');
  expect(error.message).toMatch(message);
  expect(JSON.stringify(response.body)).not.toMatch(/stacktrace|at .*\.ts:\d+|node_modules/);
  return response;
}

describe('bad input', () => {
  it('rejects an unknown enum filter value', async () => {
    await expectBadInput(
      '{ pesticideUses(filter: { landCategory: [MOON] }) { totalCount } }',
      undefined,
      /MOON/,
    );
    await expectBadInput(
      'query($c: [LandCategory!]) { pesticideUses(filter: { landCategory: $c }) { totalCount } }',
      { c: ['MOON'] },
      /MOON/,
    );
  });

  it('rejects an unknown district code', async () => {
    await expectBadInput(
      '{ constructionPermits(filter: { district: ["999999"] }) { totalCount } }',
      undefined,
      /district code "999999"/,
    );
  });

  it('rejects an invalid credit code with the reason', async () => {
    await expectBadInput(
      '{ closedEnterprises(filter: { creditCode: ["91110115MA01ABCDE0"] }) { totalCount } }',
      undefined,
      /check character/,
    );
    await expectBadInput('{ closedEnterprise(creditCode: "short") { name } }', undefined, /18 characters/);
  });

  it('rejects malformed cursors', async () => {
    await expectBadInput(
      '{ landUseChanges(after: "not-a-cursor") { totalCount } }',
      undefined,
      /malformed cursor/,
    );
    const notJson = Buffer.from('{"a":1}').toString('base64url');
    await expectBadInput(
      `{ landUseChanges(after: "${notJson}") { totalCount } }`,
      undefined,
      /malformed cursor/,
    );
  });

  it('rejects a count bound that is not 1 to 1,000,000', async () => {
    for (const atMost of [0, -5, 1_000_001]) {
      const response = await expectBadInput(
        'query($n: Int) { landUseChanges { totalCount(atMost: $n) } }',
        { n: atMost },
        /atMost must be a whole number from 1 to 1000000/,
      );
      expect(response.body.errors?.[0].extensions?.argument).toBe('atMost');
    }
  });

  it('rejects negative and huge page sizes', async () => {
    await expectBadInput('{ landUseChanges(first: -1) { totalCount } }', undefined, /negative/);
    await expectBadInput('{ landUseChanges(first: 100000) { totalCount } }', undefined, /at most 1000/);
  });

  it('rejects malformed GeoJSON, in literals and variables', async () => {
    await expectBadInput(
      '{ landUseChanges(filter: { intersects: { type: "Polygon", coordinates: [[[116, 39], [117, 39]]] } }) { totalCount } }',
      undefined,
      /GeoJSON.*at least 4 positions/,
    );
    await expectBadInput(
      'query($g: GeoJSON) { landUseChanges(filter: { intersects: $g }) { totalCount } }',
      {
        g: bowtie,
      },
      /crosses itself/,
    );
    await expectBadInput(
      'query($g: GeoJSON) { landUseChanges(filter: { intersects: $g }) { totalCount } }',
      { g: { type: 'Point', coordinates: [200, 39] } },
      /outside longitude/,
    );
    await expectBadInput(
      '{ irrigationWells(filter: { bbox: [116, 40, 115, 39] }) { totalCount } }',
      undefined,
      /bbox/,
    );
  });

  it('rejects wrong types and impossible dates', async () => {
    await expectBadInput(
      '{ pesticideUses(filter: { year: { min: "twenty" } }) { totalCount } }',
      undefined,
      /Int/,
    );
    await expectBadInput(
      'query($d: Date) { constructionPermits(filter: { issuedOn: { from: $d } }) { totalCount } }',
      { d: '2023-02-30' },
      /2023-02-30/,
    );
    await expectBadInput(
      '{ constructionPermits(filter: { issuedOn: { from: "2024-05-01", to: "2023-01-01" } }) { totalCount } }',
      undefined,
      /lower bound/,
    );
  });

  it('rejects malformed documents and unknown fields without suggesting names', async () => {
    await expectBadInput('{ constructionPermits { totalCount ', undefined, /Syntax Error/);
    const response = await expectBadInput('{ constructionPermit { projectNam } }', undefined, /projectNam/);
    expect(JSON.stringify(response.body)).not.toMatch(/Did you mean/);
  });
});
