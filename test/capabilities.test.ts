import { eq } from 'drizzle-orm';
import { execute, parse } from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { ACTIONS, canActOnAlert, canSeeAlert } from '../src/access/actions.js';
import { type Capability, capabilityNames } from '../src/access/capabilities.js';
import { type Principal, principalFromRow } from '../src/access/principal.js';
import { applyPermissions } from '../src/access/rules.js';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName, datasets } from '../src/catalog/registry.js';
import { createContext } from '../src/context.js';
import { datasetFreshness, principal } from '../src/db/hubTables.js';
import { schema } from '../src/graphql/schema.js';
import { withTestHub } from './support/hub.js';
import { sampleRecord, uniqueId } from './support/records.js';
import { withSeed } from './support/seed.js';

/**
 * Capabilities are data: a principal given one in the principal table can do what it allows, whatever its
 * code, and one without it cannot, ECOLOGY and AUDITOR included. Each test principal here is this file's
 * own (unique codes), so other files running at once on the same database see no change.
 */

const hub = withTestHub();
const db = () => hub.database.db;
const id = uniqueId();
/** One department per capability holding only it, and one holding none. */
const holder = (capability: Capability) => `T_${capability.toUpperCase()}_${id}`;
const NONE = `T_NONE_${id}`;
const REQUESTER = `T_REQUESTER_${id}`;
const enterprise = sampleRecord(datasetByName('closedEnterprise') as Dataset, `cap-${id}`);
const seeded = withSeed(hub, (chain) => {
  for (const capability of capabilityNames)
    chain.testPrincipal(holder(capability), 'DEPARTMENT', [capability]);
  return (
    chain
      .keys(...capabilityNames.map(holder))
      .testPrincipal(NONE)
      .key()
      // An approved grant that none of the other test principals owns, for seeAllGrants and revokeAnyGrant.
      .testPrincipal(REQUESTER)
      .grant({ dataset: 'closedEnterprise', fields: ['legalRepresentative'] })
      .stored('closedEnterprise', [enterprise])
  );
});
const keys = seeded.keys;
// A freshness row for each dataset that has none: overwriting the others would race with test/jobs.test.ts.
beforeAll(() =>
  db()
    .insert(datasetFreshness)
    .values(datasets.map((d) => ({ dataset: d.name, stale: true, checkedAt: new Date().toISOString() })))
    .onConflictDoNothing(),
);

async function principalOf(code: string): Promise<Principal> {
  const [row] = await db().select().from(principal).where(eq(principal.code, code));
  return principalFromRow(row, 'test');
}

const errorCodes = (body: { errors?: { extensions?: Record<string, unknown> }[] }) =>
  (body.errors ?? []).map((e) => e.extensions?.code);

describe('a capability given by data', () => {
  it('readAudit: a department holding it reads the audit trail, one without it does not', async () => {
    const query = '{ auditLog(first: 1) { records { seq } } }';
    const reader = await hub.graphql(keys[holder('readAudit')], query);
    expect(reader.body.errors).toBeUndefined();
    expect(reader.body.data.auditLog.records).toBeInstanceOf(Array);
    expect(errorCodes((await hub.graphql(keys[NONE], query)).body)).toEqual(['FORBIDDEN']);
    // reading is not verifying
    const verify = await hub.graphql(keys[holder('readAudit')], '{ auditVerify { intact } }');
    expect(errorCodes(verify.body)).toEqual(['FORBIDDEN']);
  });

  it('verifyAudit: verifies the chain', async () => {
    const query = '{ auditVerify { intact } }';
    const verifier = await hub.graphql(keys[holder('verifyAudit')], query);
    expect(verifier.body.errors).toBeUndefined();
    expect(typeof verifier.body.data.auditVerify.intact).toBe('boolean');
    expect(errorCodes((await hub.graphql(keys[NONE], query)).body)).toEqual(['FORBIDDEN']);
  });

  it('readAllFields: reads a PRIVATE field of a dataset it does not own, in clear', async () => {
    const query = `{ closedEnterprise(creditCode: "${enterprise.creditCode}") { legalRepresentativePhone } }`;
    const reader = await hub.graphql(keys[holder('readAllFields')], query);
    expect(reader.body.errors).toBeUndefined();
    expect(reader.body.data.closedEnterprise.legalRepresentativePhone).toBe(
      enterprise.legalRepresentativePhone,
    );
    expect(errorCodes((await hub.graphql(keys[NONE], query)).body)).toEqual(['FORBIDDEN']);
    const access = await hub.graphql(
      keys[holder('readAllFields')],
      '{ myAccess { dataset fields { field mode reason } } }',
    );
    const fields = access.body.data.myAccess.flatMap((d: { fields: unknown[] }) => d.fields);
    expect(new Set(fields.map((f: { mode: string; reason: string }) => `${f.mode} ${f.reason}`))).toEqual(
      new Set(['CLEAR ALL_FIELDS']),
    );
  });

  it('seeAllGrants: sees a request it neither made nor decides', async () => {
    const query = '{ accessGrants(dataset: "closedEnterprise", first: 1000) { nodes { id } } }';
    const ids = async (code: string) =>
      (await hub.graphql(keys[code], query)).body.data.accessGrants.nodes.map((n: { id: string }) => n.id);
    expect(await ids(holder('seeAllGrants'))).toContain(seeded.grants[0]);
    expect(await ids(NONE)).not.toContain(seeded.grants[0]);
  });

  it('revokeAnyGrant: revokes a grant on a dataset it does not own', async () => {
    const revoke = `mutation { revokeAccess(id: "${seeded.grants[0]}", reason: "测试撤销") { status revokedBy } }`;
    // without the capability, another department's grant is not there at all
    expect(errorCodes((await hub.graphql(keys[NONE], revoke)).body)).toEqual(['NOT_FOUND']);
    const revoked = await hub.graphql(keys[holder('revokeAnyGrant')], revoke);
    expect(revoked.body.errors).toBeUndefined();
    expect(revoked.body.data.revokeAccess).toEqual({
      status: 'REVOKED',
      revokedBy: holder('revokeAnyGrant'),
    });
  });

  it('seeAllFreshness: sees the freshness of datasets it neither owns nor publishes', async () => {
    const query = '{ catalog { name freshness { stale } } }';
    const seen = async (code: string) =>
      (await hub.graphql(keys[code], query)).body.data.catalog.filter(
        (d: { freshness: unknown }) => d.freshness,
      ).length;
    expect(await seen(holder('seeAllFreshness'))).toBeGreaterThan(10);
    expect(await seen(NONE)).toBe(0);
  });

  it('seeAllAlerts and actOnAllAlerts: reach alerts that name someone else (the alerts arrive with issue 14)', async () => {
    const alert = { actors: ['ECONOMY'], district: '110105' };
    const [seer, actor, none] = await Promise.all(
      [holder('seeAllAlerts'), holder('actOnAllAlerts'), NONE].map(principalOf),
    );
    expect([canSeeAlert(seer, alert), canActOnAlert(seer, alert)]).toEqual([true, false]);
    expect([canSeeAlert(actor, alert), canActOnAlert(actor, alert)]).toEqual([true, true]);
    expect([canSeeAlert(none, alert), canActOnAlert(none, alert)]).toEqual([false, false]);
    const named = { actors: [NONE], district: null };
    expect([canSeeAlert(none, named), canActOnAlert(none, named)]).toEqual([true, true]);
  });

  it('takes effect on the next request, taken away as given', async () => {
    const code = holder('readAudit');
    const query = '{ auditLog(first: 1) { records { seq } } }';
    await db().update(principal).set({ capabilities: [] }).where(eq(principal.code, code));
    try {
      expect(errorCodes((await hub.graphql(keys[code], query)).body)).toEqual(['FORBIDDEN']);
    } finally {
      await db()
        .update(principal)
        .set({ capabilities: ['readAudit'] })
        .where(eq(principal.code, code));
    }
    expect((await hub.graphql(keys[code], query)).body.errors).toBeUndefined();
  });

  it('is refused by the database unless declared: a misspelt one grants nothing silently', async () => {
    await expect(
      db()
        .update(principal)
        .set({ capabilities: ['readAuditTrail'] })
        .where(eq(principal.code, NONE)),
    ).rejects.toMatchObject({ cause: { constraint_name: 'principal_capabilities' } });
  });
});

describe('the catalogue', () => {
  it('has every declared capability extend an action', () => {
    const extending = new Set(Object.values(ACTIONS).map((action) => action.capability));
    expect(capabilityNames.filter((capability) => !extending.has(capability))).toEqual([]);
  });
});

describe('a principal code decides nothing', () => {
  it('ECOLOGY without readAudit may not read the audit trail, nor AUDITOR without verifyAudit verify it', async () => {
    const run = async (who: Principal, query: string) =>
      execute({
        schema: applyPermissions(schema),
        document: parse(query),
        contextValue: createContext({
          principal: who,
          grants: [],
          requestId: 'test',
          db: db(),
          reference: { districts: new Map() },
        }),
      });
    const ecology = await principalOf('ECOLOGY');
    const auditor = await principalOf('AUDITOR');
    expect(ecology.capabilities).toContain('readAudit');
    const without = (who: Principal, capability: Capability) => ({
      ...who,
      capabilities: who.capabilities.filter((c) => c !== capability),
    });
    const read = '{ auditLog(first: 1) { records { seq } } }';
    expect((await run(ecology, read)).errors).toBeUndefined();
    expect((await run(without(ecology, 'readAudit'), read)).errors?.map((e) => e.extensions?.code)).toEqual([
      'FORBIDDEN',
    ]);
    const verify = '{ auditVerify { intact } }';
    expect((await run(auditor, verify)).errors).toBeUndefined();
    expect(
      (await run(without(auditor, 'verifyAudit'), verify)).errors?.map((e) => e.extensions?.code),
    ).toEqual(['FORBIDDEN']);
  });
});
