import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { withTestHub } from './support/hub.js';
import { type HubProcess, postGraphql, spawnHub } from './support/process.js';
import { creditCodeFor, insertRecords, sampleRecord, uniqueId } from './support/records.js';

const hub = withTestHub();
const enterprises = datasetByName('closedEnterprise') as Dataset;
const id = uniqueId();
const record = sampleRecord(enterprises, id, {
  creditCode: creditCodeFor(`grants-${id}`),
  name: `授权测试企业${id}`,
});
const keys: Record<string, string> = {};
let second: HubProcess;

const READ = `query($search: String) { closedEnterprises(filter: { search: $search }) {
  totalCount nodes { creditCode name legalRepresentative legalRepresentativePhone } } }`;
const REQUEST = `mutation($input: AccessRequestInput!) { requestAccess(input: $input) { id status requester fields overdue } }`;

beforeAll(async () => {
  await insertRecords(hub.database.db, enterprises, [record]);
  for (const code of ['ECONOMY', 'HOUSING', 'PLANNING', 'AUDITOR']) keys[code] = await hub.key(code);
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
    const list = `{ accessGrants(dataset: "closedEnterprise", status: [PENDING]) { id } }`;
    for (const [code, sees] of [
      ['HOUSING', true],
      ['ECONOMY', true],
      ['AUDITOR', true],
      ['PLANNING', false],
    ] as const) {
      const ids = (await postGraphql(hub.url, keys[code], list)).body.data.accessGrants.map(
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
      `{ accessGrants(status: [EXPIRED]) { id status } }`,
    );
    expect(listed.body.data.accessGrants).toContainEqual({ id: newId, status: 'EXPIRED' });
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
    const query = `{ accessGrants(overdue: true) { id overdue } }`;
    expect((await postGraphql(hub.url, keys.ECONOMY, query)).body.data.accessGrants).not.toContainEqual({
      id: newId,
      overdue: true,
    });
    // 15 calendar days always hold at least 10 working days.
    await hub.database
      .sql`update access_grant set requested_at = now() - interval '15 days' where id = ${newId}`;
    expect((await postGraphql(hub.url, keys.ECONOMY, query)).body.data.accessGrants).toContainEqual({
      id: newId,
      overdue: true,
    });
  });
});
