import { readFileSync } from 'node:fs';
import { Kind, parse, validate } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { schema } from '../src/graphql/schema.js';
import { withTestHub } from './support/hub.js';
import { type HubProcess, postGraphql, spawnHub } from './support/process.js';
import { creditCodeFor, sampleRecord, uniqueId } from './support/records.js';
import { withSeed } from './support/seed.js';

const hub = withTestHub();
const enterprises = datasetByName('closedEnterprise') as Dataset;
const id = uniqueId();
const record = sampleRecord(enterprises, id, {
  creditCode: creditCodeFor(`grants-${id}`),
  name: `授权测试企业${id}`,
});
const { keys } = withSeed(hub, (s) =>
  s.records('closedEnterprise', [record]).keys('ECONOMY', 'HOUSING', 'PLANNING', 'AUDITOR'),
);
let second: HubProcess;

const READ = `query($search: String) { closedEnterprises(filter: { search: $search }) {
  totalCount nodes { creditCode name legalRepresentative legalRepresentativePhone } } }`;
const REQUEST = `mutation($input: AccessRequestInput!) { requestAccess(input: $input) { id status requester fields overdue } }`;

beforeAll(async () => {
  // A second hub process on the same database: decisions must reach it on its next request.
  second = await spawnHub({ DATABASE_URL: hub.database.url });
}, 120_000);

afterAll(async () => {
  await second?.stop();
});

const readAsHousing = (url: string) => postGraphql(url, keys.HOUSING, READ, { search: id });

describe('the 有条件共享 grant workflow', () => {
  let grantId: string;

  it('denies a CONDITIONAL field without a grant, with FORBIDDEN at its path, and answers the rest', async () => {
    const { body } = await readAsHousing(hub.url);
    expect(body.data.closedEnterprises.totalCount).toBe(1);
    expect(body.data.closedEnterprises.nodes[0]).toEqual({
      creditCode: record.creditCode,
      name: record.name,
      legalRepresentative: null,
      legalRepresentativePhone: null,
    });
    const paths = body.errors?.map((e) => [e.extensions.code, e.path.join('.')]);
    expect(paths).toEqual(
      expect.arrayContaining([
        ['FORBIDDEN', 'closedEnterprises.nodes.0.legalRepresentative'],
        ['FORBIDDEN', 'closedEnterprises.nodes.0.legalRepresentativePhone'],
      ]),
    );
  });

  it.each([
    ['a PRIVATE field', { fields: ['legalRepresentativePhone'] }, /PRIVATE/],
    ['an OPEN field', { fields: ['name'] }, /OPEN/],
    ['an unknown field', { fields: ['salary'] }, /no field "salary"/],
    ['an unknown dataset', { dataset: 'nuclearSites' }, /unknown dataset/],
    ['no purpose', { purpose: ' ' }, /purpose/],
    ['a zero term', { termDays: 0 }, /termDays/],
  ])('refuses a request for %s', async (_case, change, message) => {
    const input = {
      dataset: 'closedEnterprise',
      fields: ['legalRepresentative'],
      purpose: '核查建设用地准入',
      termDays: 30,
      ...change,
    };
    const { body } = await postGraphql(hub.url, keys.HOUSING, REQUEST, { input });
    expect(body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(body.errors?.[0].message).toMatch(message);
  });

  it('does not let the owner request its own fields', async () => {
    const input = {
      dataset: 'closedEnterprise',
      fields: ['legalRepresentative'],
      purpose: '自查',
      termDays: 30,
    };
    const { body } = await postGraphql(hub.url, keys.ECONOMY, REQUEST, { input });
    expect(body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it('records a request that the requester, the owner and auditors see, and nobody else', async () => {
    const input = {
      dataset: 'closedEnterprise',
      fields: ['legalRepresentative'],
      purpose: '核查建设用地准入',
      termDays: 30,
    };
    const { body } = await postGraphql(hub.url, keys.HOUSING, REQUEST, { input });
    expect(body.errors).toBeUndefined();
    expect(body.data.requestAccess).toMatchObject({
      status: 'PENDING',
      requester: 'HOUSING',
      overdue: false,
    });
    grantId = body.data.requestAccess.id;
    const list = `{ accessGrants(dataset: "closedEnterprise", status: [PENDING], first: 1000) { nodes { id } } }`;
    for (const [code, sees] of [
      ['HOUSING', true],
      ['ECONOMY', true],
      ['AUDITOR', true],
      ['PLANNING', false],
    ] as const) {
      const ids = (await postGraphql(hub.url, keys[code], list)).body.data.accessGrants.nodes.map(
        (g: { id: string }) => g.id,
      );
      expect(ids.includes(grantId), code).toBe(sees);
    }
  });

  it('lets only the owner decide', async () => {
    const approve = `mutation($id: ID!) { approveAccess(id: $id) { status } }`;
    const byRequester = await postGraphql(hub.url, keys.HOUSING, approve, { id: grantId });
    expect(byRequester.body.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const byStranger = await postGraphql(hub.url, keys.PLANNING, approve, { id: grantId });
    expect(byStranger.body.errors?.[0].extensions.code).toBe('NOT_FOUND');
    const refuse = `mutation($id: ID!) { refuseAccess(id: $id, reason: "") { status } }`;
    const noReason = await postGraphql(hub.url, keys.ECONOMY, refuse, { id: grantId });
    expect(noReason.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    expect(noReason.body.errors?.[0].message).toMatch(/reason/);
  });

  it('approves with an expiry, and the grant works on the other hub process at once, masked', async () => {
    const expiresAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const approve = `mutation($id: ID!, $expiresAt: DateTime) { approveAccess(id: $id, expiresAt: $expiresAt) { status expiresAt decidedBy } }`;
    const { body } = await postGraphql(hub.url, keys.ECONOMY, approve, { id: grantId, expiresAt });
    expect(body.data.approveAccess).toMatchObject({ status: 'APPROVED', decidedBy: 'ECONOMY', expiresAt });
    const again = await postGraphql(hub.url, keys.ECONOMY, approve, { id: grantId, expiresAt });
    expect(again.body.errors?.[0].extensions.code).toBe('CONFLICT');

    const read = await readAsHousing(second.url);
    const node = read.body.data.closedEnterprises.nodes[0];
    const name = record.legalRepresentative as string;
    expect(node.legalRepresentative).toBe(`${name[0]}${'*'.repeat(name.length - 1)}`);
    expect(node.legalRepresentativePhone).toBeNull();
    expect(JSON.stringify(read.body)).not.toContain(name);

    const access = await postGraphql(
      second.url,
      keys.HOUSING,
      '{ myAccess { dataset fields { field mode reason grantId grantExpiresAt } } }',
    );
    const fields = access.body.data.myAccess.find(
      (d: { dataset: string }) => d.dataset === 'closedEnterprise',
    ).fields;
    expect(fields.find((f: { field: string }) => f.field === 'legalRepresentative')).toEqual({
      field: 'legalRepresentative',
      mode: 'MASKED',
      reason: 'GRANT',
      grantId,
      grantExpiresAt: expiresAt,
    });
    expect(fields.find((f: { field: string }) => f.field === 'legalRepresentativePhone')).toMatchObject({
      mode: 'DENIED',
      reason: 'PRIVATE',
    });
  });

  it('stops the grant on the next request once revoked on the other process', async () => {
    const revoke = `mutation($id: ID!) { revokeAccess(id: $id, reason: "用途已完成") { status revokedBy } }`;
    const byRequester = await postGraphql(second.url, keys.HOUSING, revoke, { id: grantId });
    expect(byRequester.body.errors?.[0].extensions.code).toBe('FORBIDDEN');
    const { body } = await postGraphql(second.url, keys.ECONOMY, revoke, { id: grantId });
    expect(body.data.revokeAccess).toEqual({ status: 'REVOKED', revokedBy: 'ECONOMY' });
    const read = await readAsHousing(hub.url);
    expect(read.body.data.closedEnterprises.nodes[0].legalRepresentative).toBeNull();
  });

  it('stops an expired grant, and auditors may revoke', async () => {
    const input = {
      dataset: 'closedEnterprise',
      fields: ['legalRepresentative'],
      purpose: '复核',
      termDays: 1,
    };
    const requested = await postGraphql(hub.url, keys.HOUSING, REQUEST, { input });
    const newId = requested.body.data.requestAccess.id;
    await postGraphql(hub.url, keys.ECONOMY, 'mutation($id: ID!) { approveAccess(id: $id) { status } }', {
      id: newId,
    });
    expect(
      (await readAsHousing(hub.url)).body.data.closedEnterprises.nodes[0].legalRepresentative,
    ).not.toBeNull();
    await hub.database
      .sql`update access_grant set expires_at = now() - interval '1 second' where id = ${newId}`;
    expect(
      (await readAsHousing(second.url)).body.data.closedEnterprises.nodes[0].legalRepresentative,
    ).toBeNull();
    const listed = await postGraphql(
      hub.url,
      keys.HOUSING,
      `{ accessGrants(status: [EXPIRED], first: 1000) { nodes { id status } } }`,
    );
    expect(listed.body.data.accessGrants.nodes).toContainEqual({ id: newId, status: 'EXPIRED' });
    const revoke = `mutation($id: ID!) { revokeAccess(id: $id, reason: "审计发现") { status revokedBy } }`;
    const byAuditor = await postGraphql(hub.url, keys.AUDITOR, revoke, { id: newId });
    expect(byAuditor.body.data.revokeAccess).toEqual({ status: 'REVOKED', revokedBy: 'AUDITOR' });
  });

  it('flags a request unanswered after 10 working days as overdue', async () => {
    const input = {
      dataset: 'closedEnterprise',
      fields: ['legalRepresentative'],
      purpose: '逾期测试',
      termDays: 5,
    };
    const requested = await postGraphql(hub.url, keys.HOUSING, REQUEST, { input });
    const newId = requested.body.data.requestAccess.id;
    const query = `{ accessGrants(overdue: true, first: 1000) { nodes { id overdue } } }`;
    expect((await postGraphql(hub.url, keys.ECONOMY, query)).body.data.accessGrants.nodes).not.toContainEqual(
      {
        id: newId,
        overdue: true,
      },
    );
    // 15 calendar days always hold at least 10 working days.
    await hub.database
      .sql`update access_grant set requested_at = now() - interval '15 days' where id = ${newId}`;
    expect((await postGraphql(hub.url, keys.ECONOMY, query)).body.data.accessGrants.nodes).toContainEqual({
      id: newId,
      overdue: true,
    });
  });
});

describe('grant inputs, expiry, paging and errors (issue 11)', () => {
  const CHINESE = /[\u4e00-\u9fff]/;
  const ENGLISH = /[A-Za-z]{3}/;
  const APPROVE = `mutation($id: ID!, $expiresAt: DateTime) { approveAccess(id: $id, expiresAt: $expiresAt) { status expiresAt } }`;
  const REFUSE = `mutation($id: ID!, $reason: String!) { refuseAccess(id: $id, reason: $reason) { status } }`;
  const REVOKE = `mutation($id: ID!, $reason: String!) { revokeAccess(id: $id, reason: $reason) { status } }`;
  const LIST = `query($after: String, $first: Int, $status: [GrantStatus!], $overdue: Boolean) {
    accessGrants(dataset: "closedEnterprise", status: $status, overdue: $overdue, first: $first, after: $after) {
      totalCount pageInfo { hasNextPage hasPreviousPage endCursor } edges { cursor node { id purpose } } } }`;
  const ask = (key: string, change: Record<string, unknown> = {}) =>
    postGraphql(hub.url, key, REQUEST, {
      input: {
        dataset: 'closedEnterprise',
        fields: ['legalRepresentative'],
        purpose: '核查建设用地准入',
        termDays: 30,
        ...change,
      },
    });
  const newRequest = async (change: Record<string, unknown> = {}) => {
    const { body } = await ask(keys.HOUSING, change);
    expect(body.errors).toBeUndefined();
    return body.data.requestAccess.id as string;
  };
  const statusOf = async (grant: string) =>
    (await hub.database.sql`select status from access_grant where id = ${grant}`)[0].status;
  const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString();

  it('refuses a 7 MiB purpose with a short BAD_USER_INPUT answer, and stores nothing', async () => {
    const marker = `超长用途${id}`;
    const started = Date.now();
    const response = await ask(keys.HOUSING, { purpose: `${marker}${'x'.repeat(7 * 1024 * 1024)}` });
    const error = response.body.errors?.[0];
    expect(error?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'input.purpose' });
    expect(error?.extensions.limit).toBeLessThanOrEqual(10_000);
    expect(error?.message).toMatch(CHINESE);
    expect(JSON.stringify(response.body).length).toBeLessThan(2_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    const stored = await hub.database
      .sql`select count(*)::int as n from access_grant where purpose like ${`${marker}%`}`;
    expect(stored[0].n).toBe(0);
  });

  it('bounds the reasons of refusals and revocations, and the dataset of the list', async () => {
    const grant = await newRequest();
    const long = '理由'.repeat(50_000);
    for (const [mutation, key] of [
      [REFUSE, keys.ECONOMY],
      [REVOKE, keys.AUDITOR],
    ] as const) {
      const { body } = await postGraphql(hub.url, key, mutation, { id: grant, reason: long });
      expect(body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'reason' });
    }
    expect(await statusOf(grant)).toBe('PENDING');
    const list = await postGraphql(
      hub.url,
      keys.HOUSING,
      'query($d: String) { accessGrants(dataset: $d) { totalCount } }',
      {
        d: 'x'.repeat(100_000),
      },
    );
    expect(list.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'dataset' });
  });

  it('refuses an expiry beyond the requested term, or in the past, and approves within it', async () => {
    const grant = await newRequest({ termDays: 30 });
    for (const expiresAt of ['9999-12-31T00:00:00Z', inDays(31), inDays(-1)]) {
      const { body } = await postGraphql(hub.url, keys.ECONOMY, APPROVE, { id: grant, expiresAt });
      expect(body.errors?.[0].extensions, expiresAt).toMatchObject({
        code: 'BAD_USER_INPUT',
        field: 'expiresAt',
      });
      expect(body.errors?.[0].message).toMatch(CHINESE);
    }
    expect(await statusOf(grant)).toBe('PENDING');
    const within = inDays(29);
    const { body } = await postGraphql(hub.url, keys.ECONOMY, APPROVE, { id: grant, expiresAt: within });
    expect(body.data.approveAccess).toEqual({ status: 'APPROVED', expiresAt: within });
    // Without an expiry, the requested term from now.
    const byDefault = await newRequest({ termDays: 30 });
    const approved = await postGraphql(hub.url, keys.ECONOMY, APPROVE, { id: byDefault });
    const expires = new Date(approved.body.data.approveAccess.expiresAt).getTime();
    expect(Math.abs(expires - Date.parse(inDays(30)))).toBeLessThan(60_000);
  });

  it("answers for another department's request exactly as for an unknown id", async () => {
    const pending = await newRequest();
    const decided = await newRequest();
    await postGraphql(hub.url, keys.ECONOMY, APPROVE, { id: decided });
    const unknown = '00000000-0000-4000-8000-000000000000';
    const answer = async (mutation: string, grant: string) => {
      const { body } = await postGraphql(hub.url, keys.PLANNING, mutation, { id: grant, reason: '无关单位' });
      return JSON.stringify({ data: body.data, errors: body.errors }).replaceAll(grant, '<id>');
    };
    for (const mutation of [APPROVE, REFUSE, REVOKE]) {
      const expected = await answer(mutation, unknown);
      expect(expected).toContain('NOT_FOUND');
      for (const grant of [pending, decided, '------------------------------------', 'not-a-request'])
        expect(await answer(mutation, grant), `${mutation} ${grant}`).toBe(expected);
    }
    // A request id used as a page cursor answers alike too.
    const page = async (after: string) => {
      const { body } = await postGraphql(hub.url, keys.PLANNING, LIST, { after });
      return JSON.stringify({ data: body.data, errors: body.errors }).replaceAll(after, '<c>');
    };
    expect(await page(pending)).toBe(await page(unknown));
  });

  it('pages accessGrants like the other lists, newest first, and keeps its filters', async () => {
    const mine: string[] = [];
    for (let i = 0; i < 5; i++) mine.push(await newRequest({ purpose: `分页${id}-${i}` }));
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    let total = 0;
    do {
      const { body } = await postGraphql(hub.url, keys.HOUSING, LIST, {
        first: 2,
        after,
        status: ['PENDING'],
      });
      expect(body.errors).toBeUndefined();
      const { edges, pageInfo, totalCount } = body.data.accessGrants;
      expect(edges.length).toBeLessThanOrEqual(2);
      expect(pageInfo.hasPreviousPage).toBe(after !== null);
      if (edges.length) expect(pageInfo.endCursor).toBe(edges.at(-1).cursor);
      seen.push(...edges.map((e: { node: { id: string } }) => e.node.id));
      after = pageInfo.hasNextPage ? pageInfo.endCursor : null;
      total = totalCount;
    } while (after && ++pages < 500);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.filter((g) => mine.includes(g))).toEqual([...mine].reverse());
    expect(total).toBeGreaterThanOrEqual(5);
    // The filters still narrow it: none of these is overdue or approved.
    for (const variables of [{ overdue: true }, { status: ['APPROVED'] }]) {
      const { body } = await postGraphql(hub.url, keys.HOUSING, LIST, { first: 1000, ...variables });
      const ids = body.data.accessGrants.edges.map((e: { node: { id: string } }) => e.node.id);
      expect(ids.filter((g: string) => mine.includes(g))).toEqual([]);
    }
    const tooMany = await postGraphql(hub.url, keys.HOUSING, LIST, { first: 5000 });
    expect(tooMany.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
    const forged = await postGraphql(hub.url, keys.HOUSING, LIST, { after: 'eyJub3QiOiJhIGN1cnNvciJ9' });
    expect(forged.body.errors?.[0].extensions.code).toBe('BAD_USER_INPUT');
  });

  it("keeps the README's grant workflow valid against the schema", () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const block =
      [...readme.matchAll(/```graphql workflow[^\n]*\n([\s\S]*?)```/g)]
        .map(([, text]) => text)
        .find((text) => text.includes('requestAccess(')) ?? '';
    const operations = parse(block).definitions;
    expect(operations.length).toBeGreaterThanOrEqual(5);
    for (const operation of operations) {
      expect(validate(schema, { kind: Kind.DOCUMENT, definitions: [operation] })).toEqual([]);
    }
  });

  it('says every error of the workflow in Chinese and English', async () => {
    const pending = await newRequest();
    const approved = await newRequest();
    await postGraphql(hub.url, keys.ECONOMY, APPROVE, { id: approved });
    const cases: [string, () => ReturnType<typeof postGraphql>, string][] = [
      ['unknown dataset', () => ask(keys.HOUSING, { dataset: 'nuclearSites' }), 'BAD_USER_INPUT'],
      ['the owner asking', () => ask(keys.ECONOMY), 'BAD_USER_INPUT'],
      ['no field', () => ask(keys.HOUSING, { fields: [] }), 'BAD_USER_INPUT'],
      ['an unknown field', () => ask(keys.HOUSING, { fields: ['salary'] }), 'BAD_USER_INPUT'],
      [
        'a PRIVATE field',
        () => ask(keys.HOUSING, { fields: ['legalRepresentativePhone'] }),
        'BAD_USER_INPUT',
      ],
      ['no purpose', () => ask(keys.HOUSING, { purpose: ' ' }), 'BAD_USER_INPUT'],
      ['a term of 0 days', () => ask(keys.HOUSING, { termDays: 0 }), 'BAD_USER_INPUT'],
      ['an unknown id', () => postGraphql(hub.url, keys.ECONOMY, APPROVE, { id: 'x' }), 'NOT_FOUND'],
      [
        'approval by the requester',
        () => postGraphql(hub.url, keys.HOUSING, APPROVE, { id: pending }),
        'FORBIDDEN',
      ],
      ['approval twice', () => postGraphql(hub.url, keys.ECONOMY, APPROVE, { id: approved }), 'CONFLICT'],
      [
        'a past expiry',
        () => postGraphql(hub.url, keys.ECONOMY, APPROVE, { id: pending, expiresAt: inDays(-1) }),
        'BAD_USER_INPUT',
      ],
      [
        'an expiry beyond the term',
        () => postGraphql(hub.url, keys.ECONOMY, APPROVE, { id: pending, expiresAt: inDays(400) }),
        'BAD_USER_INPUT',
      ],
      [
        'a refusal without reason',
        () => postGraphql(hub.url, keys.ECONOMY, REFUSE, { id: pending, reason: '' }),
        'BAD_USER_INPUT',
      ],
      [
        'a revocation without reason',
        () => postGraphql(hub.url, keys.ECONOMY, REVOKE, { id: approved, reason: '' }),
        'BAD_USER_INPUT',
      ],
      [
        'revocation by the requester',
        () => postGraphql(hub.url, keys.HOUSING, REVOKE, { id: approved, reason: '不用了' }),
        'FORBIDDEN',
      ],
      [
        'revoking a pending request',
        () => postGraphql(hub.url, keys.ECONOMY, REVOKE, { id: pending, reason: '撤销' }),
        'CONFLICT',
      ],
      ['a page too large', () => postGraphql(hub.url, keys.HOUSING, LIST, { first: 5000 }), 'BAD_USER_INPUT'],
      [
        'a malformed cursor',
        () => postGraphql(hub.url, keys.HOUSING, LIST, { after: 'abc' }),
        'BAD_USER_INPUT',
      ],
    ];
    const failures: string[] = [];
    for (const [label, run, code] of cases) {
      const error = (await run()).body.errors?.[0];
      if (error?.extensions.code !== code || !CHINESE.test(error.message) || !ENGLISH.test(error.message))
        failures.push(`${label}: ${error?.extensions.code} ${error?.message}`);
    }
    expect(failures).toEqual([]);
  });
});
