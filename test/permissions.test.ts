import { inArray } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/postgres-js';
import { execute, extendSchema, type GraphQLSchema, isIntrospectionType, isObjectType, parse } from 'graphql';
import { allow } from 'graphql-shield';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Action,
  canActOnAlert,
  canDecideGrant,
  canManageWebhook,
  canPublish,
  canReadAudit,
  canRequestGrant,
  canRevokeGrant,
  canSeeAlert,
  canSeeFreshness,
  canSeeIndicatorsOf,
  canVerifyAudit,
  grantsVisibleTo,
  readsEveryField,
} from '../src/access/actions.js';
import { type ActiveGrant, EffectiveAccess, mandateFor } from '../src/access/effectiveAccess.js';
import { canFollowLink } from '../src/access/fieldActions.js';
import { type Principal, principalFromRow } from '../src/access/principal.js';
import { applyPermissions, authenticated, rootRules, ruleOf, ruleTree } from '../src/access/rules.js';
import { type Dataset, sharingOf } from '../src/catalog/define.js';
import { datasetByName, datasets } from '../src/catalog/registry.js';
import { createContext } from '../src/context.js';
import { principal as principalTable } from '../src/db/hubTables.js';
import { schema } from '../src/graphql/schema.js';
import { indicators } from '../src/supervision/indicators/index.js';
import { fieldsNotClear } from '../src/supervision/indicators/service.js';
import { withTestDatabase } from './support/db.js';

const tree = ruleTree(schema);
const database = withTestDatabase();

/** The demo's principals as the database declares them (capabilities included), by code. */
const DEMO = [
  'ECOLOGY',
  'AGRICULTURE',
  'FORESTRY',
  'PLANNING',
  'HOUSING',
  'ECONOMY',
  'WATER',
  // The departments the plans name that share nothing yet (migrations/0015_plan_departments.sql).
  'EMERGENCY',
  'URBAN_MANAGEMENT',
  'GRAIN',
  '110105',
  'AUDITOR',
];
const demo = new Map<string, Principal>();
beforeAll(async () => {
  const rows = await database.db.select().from(principalTable).where(inArray(principalTable.code, DEMO));
  for (const row of rows) demo.set(row.code, principalFromRow(row, '00000000-0000-0000-0000-000000000000'));
  expect([...demo.keys()].sort()).toEqual([...DEMO].sort());
});
const label = (code: string) => (code === '110105' ? 'district 110105' : code);

/** The object fields of a schema that the rule tree gives no rule (shield denies them). */
function fieldsWithoutRule(of: GraphQLSchema): { missing: string[]; count: number } {
  const rules = ruleTree(of);
  const missing: string[] = [];
  let count = 0;
  for (const type of Object.values(of.getTypeMap())) {
    if (!isObjectType(type) || isIntrospectionType(type)) continue;
    for (const field of Object.keys(type.getFields())) {
      count++;
      if (!ruleOf(rules, type.name, field)) missing.push(`${type.name}.${field}`);
    }
  }
  return { missing, count };
}

describe('permission rules', () => {
  it('give every field of every object type an explicit rule (deny by default)', () => {
    const { missing, count } = fieldsWithoutRule(schema);
    expect(missing).toEqual([]);
    expect(count).toBeGreaterThan(300);
  });

  it('give a root field no rule unless it is named: the walk above fails on a new one, and shield denies it', async () => {
    const extended = extendSchema(
      schema,
      parse('extend type Query { unruled: Int } extend type Mutation { unruledToo: Int }'),
    );
    expect(fieldsWithoutRule(extended).missing.sort()).toEqual(['Mutation.unruledToo', 'Query.unruled']);
    const result = await execute({
      schema: applyPermissions(extended),
      document: parse('{ unruled }'),
      rootValue: { unruled: 1 },
      contextValue: createContext({
        principal: demo.get('AUDITOR') as Principal,
        grants: [],
        requestId: 'test',
        db: database.db,
        reference: { districts: new Map() },
      }),
    });
    expect(result.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(result.data?.unruled ?? null).toBeNull();
  });

  it('allow a dataset field outright only when it is PUBLIC or OPEN', () => {
    for (const dataset of datasets) {
      for (const [name, field] of Object.entries(dataset.fields)) {
        const open = ['PUBLIC', 'OPEN'].includes(sharingOf(field));
        expect(ruleOf(tree, dataset.names.type, name) === allow, `${dataset.name}.${name}`).toBe(open);
      }
    }
  });

  it('give a mandated field to its recipients (reason MANDATE, with the mandate) and to no one else', () => {
    const mandated = datasets.flatMap((dataset) =>
      Object.keys(dataset.fields)
        .map((field) => ({
          dataset,
          field,
          mandates: (dataset.mandates ?? []).filter((m) => m.fields.includes(field)),
        }))
        .filter(({ mandates }) => mandates.length > 0),
    );
    // soilMonitoring's location and metals, farmlandClass's class and boundary, irrigationWell's test result
    expect(mandated.length).toBeGreaterThanOrEqual(12);
    const seen = new Set<string>();
    for (const { dataset, field, mandates } of mandated) {
      for (const code of DEMO) {
        const who = demo.get(code) as Principal;
        // a grant on the field changes nothing for a recipient, and is what others need
        const grant: ActiveGrant = {
          id: 'g',
          dataset: dataset.name,
          fields: [field],
          expiresAt: '2099-01-01',
        };
        const decision = new EffectiveAccess(who, []).field(dataset, field);
        const granted = new EffectiveAccess(who, [grant]).field(dataset, field);
        const recipient = mandates.some(
          (m) => m.to.includes(code) || (who.kind === 'DISTRICT' && m.to.includes('DISTRICT')),
        );
        const where = `${label(code)} on ${dataset.name}.${field}`;
        if (code === dataset.owner || code === 'AUDITOR') {
          expect(decision.reason, where).not.toBe('MANDATE');
        } else if (recipient) {
          seen.add(code);
          expect(decision, where).toEqual({ mode: 'CLEAR', reason: 'MANDATE', mandate: mandates[0] });
          expect(granted.reason, where).toBe('MANDATE');
        } else {
          expect(decision.mode, where).toBe('DENIED');
          expect(decision.mandate, where).toBeUndefined();
          expect(granted.reason, where).not.toBe('MANDATE');
        }
      }
    }
    expect([...seen]).toEqual(['ECOLOGY']);
  });

  it('are a snapshot per principal kind: a diff here is a permission change, review it as one', async () => {
    const grant: ActiveGrant = {
      id: 'grant',
      dataset: 'closedEnterprise',
      fields: ['legalRepresentative'],
      expiresAt: '2099-01-01T00:00:00Z',
    };
    const holders: [string, Principal, ActiveGrant[]][] = [
      ...DEMO.map((code): [string, Principal, ActiveGrant[]] => [
        label(code),
        demo.get(code) as Principal,
        [],
      ]),
      [
        'HOUSING with a grant on closedEnterprise.legalRepresentative',
        demo.get('HOUSING') as Principal,
        [grant],
      ],
    ];
    const map: Record<string, Record<string, string>> = {};
    for (const [label, who, grants] of holders) {
      const access = new EffectiveAccess(who, grants);
      const lines: Record<string, string> = {};
      for (const dataset of datasets) {
        const fields = Object.keys(dataset.fields).map((name) => {
          const { mode, reason, mandate } = access.field(dataset, name);
          // a mandate names its article, so that a review sees which order of which plan shares the field
          return mode === 'CLEAR' && ['PUBLIC', 'OPEN', 'OWNER', 'ALL_FIELDS'].includes(reason)
            ? null
            : `${name}=${mode}(${reason}${mandate ? ` ${mandate.basis.article}` : ''})`;
        });
        const scope = access.rowScope(dataset) ? ' [own district rows only]' : '';
        lines[dataset.name] = `${fields.filter(Boolean).join(' ') || 'all clear'}${scope}`;
      }
      map[label] = lines;
    }
    const header =
      'Effective field access per principal kind, derived from the catalogue. A diff in this file is a PERMISSION CHANGE: review who gains or loses what before accepting it.';
    await expect(JSON.stringify({ _note: header, ...map }, null, 2)).toMatchFileSnapshot(
      './permissions/effective-access.json',
    );
  });

  it('and the actions each demo principal may take are a snapshot too, from its capabilities in the database', async () => {
    const which = (test: (dataset: Dataset) => boolean) => {
      const names = datasets.filter(test).map((d) => d.name);
      return names.length === datasets.length ? 'all datasets' : names.join(' ') || 'none';
    };
    const yes = (allowed: boolean) => (allowed ? 'yes' : 'no');
    /** Who an alert-like decision reaches: all, or those naming the principal and its district's. */
    const reach =
      (decide: (p: Principal, alert: { actors: string[]; district: string | null }) => boolean) =>
      (p: Principal) => {
        if (decide(p, { actors: [], district: null })) return 'all';
        const own = [
          decide(p, { actors: [p.code], district: null }) && 'those naming it',
          decide(p, { actors: [], district: p.code }) && 'its district’s',
        ];
        return own.filter(Boolean).join(', ') || 'none';
      };
    const links = datasets.flatMap((source) =>
      Object.entries(source.links ?? {}).map(([name, link]) => ({
        name: `${source.name}.${name}`,
        follows: (access: EffectiveAccess) =>
          canFollowLink(access, source, link, datasetByName(link.to) as Dataset),
      })),
    );
    // Typed by action: a new action without a line here does not compile.
    const actions: Record<Action, (p: Principal) => string> = {
      readField: (p) => `every field of: ${which((d) => readsEveryField(p, d) !== undefined)}`,
      followLink: (p) => {
        const access = new EffectiveAccess(p, []);
        const not = links.filter((link) => !link.follows(access)).map((link) => link.name);
        return not.length ? `all but ${not.join(' ')}` : 'all';
      },
      useField: () => 'the fields it reads in clear (effective-access.json)',
      publish: (p) => which((d) => canPublish(p, d)),
      // datasets with a CONDITIONAL field to ask for: not one a mandate shares with it already
      requestGrant: (p) =>
        which(
          (d) =>
            canRequestGrant(p, d) &&
            Object.entries(d.fields).some(
              ([name, f]) => sharingOf(f) === 'CONDITIONAL' && !mandateFor(d, p, name),
            ),
        ),
      seeGrant: (p) => {
        const visible = grantsVisibleTo(p);
        return visible === 'ALL' ? 'all' : `its own, and on: ${visible.datasets.join(' ') || 'none'}`;
      },
      decideGrant: (p) => which((d) => canDecideGrant(p, d)),
      revokeGrant: (p) => which((d) => canRevokeGrant(p, d)),
      readAudit: (p) => yes(canReadAudit(p)),
      verifyAudit: (p) => yes(canVerifyAudit(p)),
      seeFreshness: (p) => which((d) => canSeeFreshness(p, d)),
      seeAlert: reach(canSeeAlert),
      actOnAlert: reach(canActOnAlert),
      seeIndicator: (p) => {
        const access = new EffectiveAccess(p, []);
        const seen = indicators.filter((i) => !fieldsNotClear(access, i).length).map((i) => i.id);
        const areas = canSeeIndicatorsOf(p, null) ? 'every district and the city' : 'its district';
        return `${areas}: ${seen.join(' ') || 'none'}`;
      },
      manageWebhook: (p) => (canManageWebhook(p, '') ? 'all' : 'its own'),
    };
    const table: Record<string, Record<string, string>> = {};
    for (const code of DEMO) {
      const who = demo.get(code) as Principal;
      table[label(code)] = {
        capabilities: who.capabilities.join(' ') || 'none',
        ...Object.fromEntries(Object.entries(actions).map(([action, describe]) => [action, describe(who)])),
      };
    }
    const rootFields = Object.fromEntries(
      Object.entries(rootRules()).flatMap(([root, fields]) =>
        Object.entries(fields)
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([field, { rule, action }]) => [
            `${root}.${field}`,
            `${rule === authenticated ? 'authenticated' : 'another rule'}, then ${action ?? 'nothing'}`,
          ]),
      ),
    );
    const header =
      'The actions of src/access/actions.ts each demo principal may take, from its capabilities in the database and the catalogue, and the rule and action of each root field. A diff in this file is a PERMISSION CHANGE: review it as one.';
    await expect(JSON.stringify({ _note: header, ...table, rootFields }, null, 2)).toMatchFileSnapshot(
      './permissions/actions.json',
    );
  });
});

describe('errors', () => {
  const broken = postgres('postgres://postgres@127.0.0.1:1/none', { max: 1, connect_timeout: 1 });
  afterAll(() => broken.end({ timeout: 1 }));

  it('never reports a database failure as FORBIDDEN, nor a denial as an internal error', async () => {
    const context = createContext({
      principal: demo.get('HOUSING') as Principal,
      grants: [],
      requestId: 'test',
      db: drizzle({ client: broken }),
      reference: { districts: new Map() },
    });
    const result = await execute({
      schema: applyPermissions(schema),
      document: parse('{ constructionPermits { nodes { permitNo contactPhone } } }'),
      contextValue: context,
    });
    expect(result.errors).toHaveLength(1);
    expect(result.errors?.[0].extensions?.code).toBeUndefined();
    expect(result.errors?.[0].message).toMatch(/Failed query|ECONNREFUSED/);
    expect(result.errors?.[0].path).toEqual(['constructionPermits']);
  });
});
