import { describe, expect, it } from 'vitest';
import { datasets } from '../../src/catalog/registry.js';
import {
  asCallers,
  checkPlan,
  describeRow,
  fullQuery,
  HOME,
  LABELS,
  ResponseCheck,
  rowMode,
  scanLeaks,
  Tally,
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
      const caller = world.caller(label);
      const { fx } = world;
      const { query, plan } = fullQuery(fx);
      const { result: res, views } = await asCallers(hub, [caller], () => hub.graphql(caller.key, query));
      const view = views.get(label);
      if (!view) throw new Error('no view');
      const tally = new Tally();
      const check = new ResponseCheck(tally, fx, view, res.body, 'full query');
      checkPlan(check, plan);
      check.finish();

      // No false denial in canary terms either: every canary of a visible row's CLEAR field shows up.
      const raw = JSON.stringify(res.body);
      const missing: string[] = [];
      for (const token of fx.tokens) {
        if (token.match !== 'substring') continue;
        const owner = token.owners.find(
          (o) => visible(view, o.row) && rowMode(view, o.row, o.field) === 'CLEAR',
        );
        if (owner && !raw.includes(token.text)) {
          missing.push(
            `${label}: ${describeRow(owner.row)}.${owner.field} is CLEAR but ${token.text} is absent`,
          );
        }
      }
      // The scan alone (independent of the structural walk) finds nothing either.
      const scanned = scanLeaks(res.body, fx, view);

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
    const res = await hub.graphql(caller.key, fullQuery(fx).query);
    const raw = JSON.stringify(res.body);
    const seen = foreign
      .filter((t) => t.match === 'substring' && raw.includes(t.text))
      .map((t) => `${t.text} (${t.owners.map((o) => `${describeRow(o.row)}.${o.field}`).join(' / ')})`);
    expect(seen).toEqual([]);
  });
});
