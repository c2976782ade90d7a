import { drizzle } from 'drizzle-orm/postgres-js';
import { execute, isIntrospectionType, isObjectType, parse } from 'graphql';
import { allow } from 'graphql-shield';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import { type ActiveGrant, EffectiveAccess } from '../src/access/effectiveAccess.js';
import { maskValue } from '../src/access/masking.js';
import type { Principal } from '../src/access/principal.js';
import { applyPermissions, ruleOf, ruleTree } from '../src/access/rules.js';
import { sharingOf } from '../src/catalog/define.js';
import { datasets } from '../src/catalog/registry.js';
import { createContext } from '../src/context.js';
import { schema } from '../src/graphql/schema.js';

const tree = ruleTree(schema);

const principal = (code: string, kind: Principal['kind'] = 'DEPARTMENT'): Principal => ({
  code,
  kind,
  nameZh: code,
  nameEn: code,
  keyId: '00000000-0000-0000-0000-000000000000',
});

describe('permission rules', () => {
  it('give every field of every object type an explicit rule (deny by default)', () => {
    const missing: string[] = [];
    let count = 0;
    for (const type of Object.values(schema.getTypeMap())) {
      if (!isObjectType(type) || isIntrospectionType(type)) continue;
      for (const field of Object.keys(type.getFields())) {
        count++;
        if (!ruleOf(tree, type.name, field)) missing.push(`${type.name}.${field}`);
      }
    }
    expect(missing).toEqual([]);
    expect(count).toBeGreaterThan(300);
  });

  it('allow a dataset field outright only when it is OPEN', () => {
    for (const dataset of datasets) {
      for (const [name, field] of Object.entries(dataset.fields)) {
        const open = sharingOf(field) === 'OPEN';
        expect(ruleOf(tree, dataset.names.type, name) === allow, `${dataset.name}.${name}`).toBe(open);
      }
    }
  });

  it('are a snapshot per principal kind: a diff here is a permission change, review it as one', async () => {
    const grant: ActiveGrant = {
      id: 'grant',
      dataset: 'closedEnterprise',
      fields: ['legalRepresentative'],
      expiresAt: '2099-01-01T00:00:00Z',
    };
    const holders: [string, Principal, ActiveGrant[]][] = [
      ...['ECOLOGY', 'AGRICULTURE', 'FORESTRY', 'PLANNING', 'HOUSING', 'ECONOMY', 'WATER'].map(
        (code): [string, Principal, ActiveGrant[]] => [code, principal(code), []],
      ),
      ['district 110105', principal('110105', 'DISTRICT'), []],
      ['AUDITOR', principal('AUDITOR', 'AUDITOR'), []],
      ['HOUSING with a grant on closedEnterprise.legalRepresentative', principal('HOUSING'), [grant]],
    ];
    const map: Record<string, Record<string, string>> = {};
    for (const [label, who, grants] of holders) {
      const access = new EffectiveAccess(who, grants);
      const lines: Record<string, string> = {};
      for (const dataset of datasets) {
        const fields = Object.keys(dataset.fields).map((name) => {
          const { mode, reason } = access.field(dataset, name);
          return mode === 'CLEAR' && (reason === 'OPEN' || reason === 'OWNER' || reason === 'AUDITOR')
            ? null
            : `${name}=${mode}(${reason})`;
        });
        const scope = access.rowScope(dataset) ? ' [own district rows only]' : '';
        const publish = access.canPublish(dataset) ? ' [publishes]' : '';
        lines[dataset.name] = `${fields.filter(Boolean).join(' ') || 'all clear'}${scope}${publish}`;
      }
      map[label] = lines;
    }
    const header =
      'Effective field access per principal kind, derived from the catalogue. A diff in this file is a PERMISSION CHANGE: review who gains or loses what before accepting it.';
    await expect(JSON.stringify({ _note: header, ...map }, null, 2)).toMatchFileSnapshot(
      './permissions/effective-access.json',
    );
  });
});

describe('masking (脱敏)', () => {
  it.each([
    ['name', '张三', '张*'],
    ['name', '欧阳修', '欧**'],
    ['phone', '13812341234', '138****1234'],
    ['idNumber', '110105199001011234', '110105********1234'],
    ['phone', '', ''],
  ] as const)('%s %s → %s', (rule, value, masked) => {
    expect(maskValue(rule, value)).toBe(masked);
  });
});

describe('errors', () => {
  const broken = postgres('postgres://postgres@127.0.0.1:1/none', { max: 1, connect_timeout: 1 });
  afterAll(() => broken.end({ timeout: 1 }));

  it('never reports a database failure as FORBIDDEN, nor a denial as an internal error', async () => {
    const context = createContext({
      principal: principal('HOUSING'),
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
