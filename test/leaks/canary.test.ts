import { describe, expect, it } from 'vitest';
import { datasets } from '../../src/catalog/registry.js';
import {
  asCallers,
  canaryRun,
  describeRow,
  fullQueries,
  HOME,
  LABELS,
  visible,
  withLeakWorld,
} from '../support/leaks.js';

/**
 * Canary oracle. Every text value of the fixture embeds `CANARY~<dataset>~<field>~<row>~`; numbers, dates,
 * coordinates, credit codes and industry codes are unique per row and tracked exactly. Enums, booleans and
 * district codes cannot be told apart: they are checked field by field at their path instead. The whole
 * raw response (data, errors, extensions, decoded cursors) may only hold a canary where the oracle says
 * the caller reads that field of that row in clear.
 */

const { hub, world } = withLeakWorld();

describe('canary oracle', () => {
  it('sets up the grant holders as intended', async () => {
    const holders = ['GRANT_HOLDER', 'EXPIRED_GRANT', 'REVOKED_GRANT'].map((l) => world.caller(l));
    const { views } = await asCallers(hub, holders, async () => undefined);
    expect(views.get('GRANT_HOLDER')?.grants.size).toBeGreaterThan(5);
    expect(views.get('EXPIRED_GRANT')?.grants.size).toBe(0);
    expect(views.get('REVOKED_GRANT')?.grants.size).toBe(0);
    // myAccess agrees that the grants are in force (a sanity check of the fixture, not the oracle)
    const res = await hub.graphql(
      world.caller('GRANT_HOLDER').key,
      '{ myAccess { dataset fields { field reason } } }',
    );
    const granted = res.body.data.myAccess.flatMap(
      (d: { dataset: string; fields: { field: string; reason: string }[] }) =>
        d.fields.filter((f) => f.reason === 'GRANT').map((f) => `${d.dataset}.${f.field}`),
    );
    expect(new Set(granted)).toEqual(views.get('GRANT_HOLDER')?.grants);
  });

  it.each(LABELS)(
    '%s: every list, lookup, cross-link and count shows exactly what the model allows',
    async (label) => {
      // No false denial in canary terms either (`missing`), and the scan alone finds nothing (`scanned`).
      const { tally, missing, scanned } = await canaryRun(hub, world, label);
      console.log(`canary ${label}: ${tally.summary()}, ${missing.length} absent clear canaries`);
      expect({ leaks: tally.leaks, scanned }, `${label}: leaks`).toEqual({ leaks: [], scanned: [] });
      expect(tally.falseDenials.concat(missing), `${label}: false denials`).toEqual([]);
      expect(tally.mismatches, `${label}: mismatches`).toEqual([]);
    },
  );

  it(`district ${HOME} never sees a canary of another district's rows, in any dataset`, async () => {
    const caller = world.caller(`DISTRICT_${HOME}`);
    const { fx } = world;
    const foreign = fx.tokens.filter((t) =>
      t.owners.every((o) => !visible({ caller, grants: new Set() }, o.row)),
    );
    expect(foreign.length).toBeGreaterThan(datasets.length);
    const bodies = [];
    for (const { query } of fullQueries(fx)) bodies.push((await hub.graphql(caller.key, query)).body);
    const raw = JSON.stringify(bodies);
    const seen = foreign
      .filter((t) => t.match === 'substring' && raw.includes(t.text))
      .map((t) => `${t.text} (${t.owners.map((o) => `${describeRow(o.row)}.${o.field}`).join(' / ')})`);
    expect(seen).toEqual([]);
  });
});
