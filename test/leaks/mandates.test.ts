import { describe, expect, it, vi } from 'vitest';
import type { Dataset } from '../../src/catalog/define.js';
import { datasetByName } from '../../src/catalog/registry.js';
import type { Mandate } from '../../src/catalog/types.js';
import { canaryRun, fieldMode, HOME, visible, withLeakWorld } from '../support/leaks.js';

/**
 * Mandates through the canary world. The catalogue's mandates name ECOLOGY, which every leak test already
 * checks against the oracle (test/support/leaks.ts fieldMode models mandates on its own). None names the
 * districts, so this file declares one, in this file's catalogue only: key supervised units' anomalies
 * (CONDITIONAL) for `DISTRICT`. The declaration is all it takes (no code change); a district must read the
 * field in clear on its own district's rows and nowhere else, and every other caller as before.
 */

// Hoisted with the mock, which runs before this file's imports.
const { DISTRICT_MANDATE } = vi.hoisted(() => ({
  DISTRICT_MANDATE: {
    to: ['DISTRICT'],
    fields: ['anomalies'],
    basis: { plan: '测试用规划', article: '一(一)1', quote: '各区掌握本区重点监管单位异常情况' },
  } satisfies Mandate,
}));

vi.mock('../../src/catalog/datasets/keySupervisedUnit.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../../src/catalog/datasets/keySupervisedUnit.js')>();
  const { defineDataset } = await import('../../src/catalog/define.js');
  const { drizzle: _table, ...declared } = original.keySupervisedUnit;
  const keySupervisedUnit = defineDataset({
    ...declared,
    mandates: [...(declared.mandates ?? []), DISTRICT_MANDATE],
  });
  return { ...original, keySupervisedUnit, table: keySupervisedUnit.drizzle };
});

const { hub, world } = withLeakWorld();
const unitDataset = () => datasetByName('keySupervisedUnit') as Dataset;
const units = () => world.fx.rowsOf(unitDataset());
const district = () => world.caller(`DISTRICT_${HOME}`);

describe('a mandate to the districts, in the canary world', () => {
  it('is this file’s catalogue, and the oracle gives the field to a district and to no other department', () => {
    const dataset = unitDataset();
    expect(dataset.mandates).toContainEqual(DISTRICT_MANDATE);
    const as = (label: string) => ({ caller: world.caller(label), grants: new Set<string>() });
    expect(fieldMode(as(`DISTRICT_${HOME}`), dataset, 'anomalies')).toBe('CLEAR');
    for (const label of ['HOUSING', 'WATER', 'AGRICULTURE']) {
      expect(fieldMode(as(label), dataset, 'anomalies'), label).toBe('DENIED');
    }
    // the fixture has rows of both districts, so "own rows only" can fail
    expect(units().filter((r) => visible(as(`DISTRICT_${HOME}`), r))).toHaveLength(2);
    expect(units()).toHaveLength(4);
  });

  it.each([`DISTRICT_${HOME}`, 'HOUSING', 'ECOLOGY', 'GRANT_HOLDER', 'AUDITOR'])(
    '%s: every list, lookup, cross-link and count shows exactly what the model allows',
    async (label) => {
      const { tally, missing, scanned } = await canaryRun(hub, world, label);
      console.log(`mandate canary ${label}: ${tally.summary()}, ${missing.length} absent clear canaries`);
      expect({ leaks: tally.leaks, scanned }, `${label}: leaks`).toEqual({ leaks: [], scanned: [] });
      expect(tally.falseDenials.concat(missing), `${label}: false denials`).toEqual([]);
      expect(tally.mismatches, `${label}: mismatches`).toEqual([]);
    },
  );

  it(`gives district ${HOME} the anomalies of its own units with reason MANDATE, none of another district’s`, async () => {
    const { bodies } = await canaryRun(hub, world, `DISTRICT_${HOME}`);
    const raw = JSON.stringify(bodies);
    const [own, foreign] = [true, false].map((mine) =>
      units()
        .filter((r) => (r.values.district === HOME) === mine)
        .map((r) => String(r.values.anomalies)),
    );
    expect(own).toHaveLength(2);
    for (const text of own) expect(raw).toContain(text);
    for (const text of foreign) expect(raw).not.toContain(text);

    const access = await hub.graphql(
      district().key,
      '{ myAccess { dataset fields { field mode reason mandate { recipients basis { article } } } } }',
    );
    const unit = access.body.data.myAccess.find(
      (d: { dataset: string }) => d.dataset === 'keySupervisedUnit',
    );
    expect(unit.fields.find((f: { field: string }) => f.field === 'anomalies')).toEqual({
      field: 'anomalies',
      mode: 'CLEAR',
      reason: 'MANDATE',
      mandate: { recipients: ['DISTRICT'], basis: { article: '一(一)1' } },
    });
  });

  it(`lets district ${HOME} search and group by the field, over its own rows only; HOUSING is refused`, async () => {
    const search = `query($s: String) { keySupervisedUnits(filter: { search: $s }) {
      totalCount nodes { anomalies } } }`;
    for (const row of units()) {
      const text = String(row.values.anomalies);
      const found = await hub.graphql(district().key, search, { s: text });
      expect(found.body.errors).toBeUndefined();
      expect(found.body.data.keySupervisedUnits.nodes).toEqual(
        row.values.district === HOME ? [{ anomalies: text }] : [],
      );
    }
    const grouped = `query($s: String) { keySupervisedUnitAggregate(filter: { search: $s }, groupBy: [ANOMALIES]) {
      groups { keys { anomalies } count } } }`;
    const mine = await hub.graphql(district().key, grouped, { s: world.fx.runId });
    expect(mine.body.errors).toBeUndefined();
    expect(
      mine.body.data.keySupervisedUnitAggregate.groups.map(
        (g: { keys: { anomalies: string } }) => g.keys.anomalies,
      ),
    ).toEqual(
      units()
        .filter((r) => r.values.district === HOME)
        .map((r) => String(r.values.anomalies))
        .sort(),
    );
    const housing = await hub.graphql(world.caller('HOUSING').key, grouped, { s: world.fx.runId });
    expect(housing.body.data?.keySupervisedUnitAggregate ?? null).toBeNull();
    expect(housing.body.errors?.[0].extensions).toMatchObject({ code: 'FORBIDDEN', field: 'anomalies' });
  });
});
