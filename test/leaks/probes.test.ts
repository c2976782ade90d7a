import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/catalog/define.js';
import { datasets } from '../../src/catalog/registry.js';
import {
  asCallers,
  type Caller,
  checkPlan,
  type Fixture,
  fieldMode,
  filterArg,
  filterKind,
  fullQueries,
  LABELS,
  ResponseCheck,
  type Row,
  Tally,
  upperSnake,
  type View,
  visible,
  withLeakWorld,
} from '../support/leaks.js';

/**
 * Exhaustive probes: every principal kind × every field of every dataset, reached (a) in a list, (b) by
 * natural-key lookup, (c) through every cross-link that leads to the dataset, and (d) used as a filter, a
 * sort order, a search term and a geometry filter. Each must get exactly the oracle's verdict: the value,
 * the masked value, or null with FORBIDDEN at its path; filtering or sorting by a field that is not CLEAR
 * for the caller is FORBIDDEN (the whole list field), by a CLEAR one it works.
 */

const { hub, world } = withLeakWorld();
const total = new Tally();
const started = Date.now();

interface Probe {
  what: string;
  dataset: Dataset;
  filter?: Record<string, unknown>;
  orderBy?: { field: string; direction: 'ASC' | 'DESC' };
  /** Field-level fields the probe needs in clear; FORBIDDEN expected unless all are CLEAR. */
  needs: string[];
  /** Fixture rows the probe should return (those visible to the caller). */
  candidates: Row[];
  /** A fixture row outside the candidates is a leak (search) rather than a broken filter. */
  unexpected: 'leak' | 'mismatch';
  /** Check the order of rows by this field's value. */
  orderedBy?: string;
}

function filterProbes(fx: Fixture, v: View): Probe[] {
  const probes: Probe[] = [];
  const search = fx.runId;
  for (const dataset of datasets) {
    const rows = fx.rowsOf(dataset);
    const sample = rows[0];
    for (const [name, field] of Object.entries(dataset.fields)) {
      const kind = filterKind(field);
      if (!kind) continue;
      const value = sample.values[name];
      const given = filterArg(field, value);
      probes.push({
        what: `filter ${dataset.name}.${name}`,
        dataset,
        filter: { search, [name]: given },
        needs: [name],
        candidates: rows.filter((r) => isDeepStrictEqual(r.values[name], value)),
        unexpected: 'mismatch',
      });
    }
    const geometry = dataset.geometryField;
    if (geometry) {
      const shape = sample.values[geometry] as { type: string; coordinates: unknown };
      const points =
        shape.type === 'Point' ? [shape.coordinates as number[]] : (shape.coordinates as number[][][])[0];
      const lons = points.map((p) => p[0]);
      const lats = points.map((p) => p[1]);
      const bbox = [
        Math.min(...lons) - 1e-7,
        Math.min(...lats) - 1e-7,
        Math.max(...lons) + 1e-7,
        Math.max(...lats) + 1e-7,
      ];
      const sameEntity = rows.filter((r) => r.index === sample.index);
      probes.push(
        {
          what: `intersects ${dataset.name}.${geometry}`,
          dataset,
          filter: { search, intersects: shape },
          needs: [geometry],
          candidates: sameEntity,
          unexpected: 'mismatch',
        },
        {
          what: `bbox ${dataset.name}.${geometry}`,
          dataset,
          filter: { search, bbox },
          needs: [geometry],
          candidates: sameEntity,
          unexpected: 'mismatch',
        },
      );
    }
    for (const [name, field] of Object.entries(dataset.fields)) {
      if (!field.sortable) continue;
      probes.push({
        what: `orderBy ${dataset.name}.${name}`,
        dataset,
        filter: { search },
        orderBy: { field: upperSnake(name), direction: 'DESC' },
        needs: [name],
        candidates: rows,
        unexpected: 'mismatch',
        orderedBy: ['integer', 'number', 'date'].includes(field.type) ? name : undefined,
      });
    }
    probes.push({
      what: `orderBy ${dataset.name}.lastChangedAt`,
      dataset,
      filter: { search },
      orderBy: { field: 'LAST_CHANGED_AT', direction: 'ASC' },
      needs: [],
      candidates: rows,
      unexpected: 'mismatch',
    });
    // search: the canary of every searchable field of every row. Only fields the caller reads in clear
    // may match; a hit through any other field is a leak.
    const searchable = Object.entries(dataset.fields).filter(([, f]) => f.search);
    for (const [name] of searchable) {
      for (const row of rows) {
        const term = String(row.values[name]);
        const hits = rows.filter((r) =>
          searchable.some(
            ([other]) =>
              fieldMode(v, dataset, other) === 'CLEAR' &&
              [r.values[other]]
                .flat()
                .some((text) => String(text).toLowerCase().includes(term.toLowerCase())),
          ),
        );
        probes.push({
          what: `search ${dataset.name}.${name}#${row.index}`,
          dataset,
          filter: { search: term },
          needs: [],
          candidates: hits,
          unexpected: 'leak',
        });
      }
    }
  }
  return probes;
}

const ROW = '__src: provenance { sourceRecordId }';

function probeQuery(probes: Probe[]) {
  const vars: string[] = [];
  const fields: string[] = [];
  const variables: Record<string, unknown> = {};
  probes.forEach((p, i) => {
    const type = p.dataset.names.type;
    vars.push(`$f${i}: ${type}Filter`);
    variables[`f${i}`] = p.filter;
    let args = `filter: $f${i}, first: 100`;
    if (p.orderBy) {
      vars.push(`$o${i}: ${type}Order`);
      variables[`o${i}`] = p.orderBy;
      args += `, orderBy: $o${i}`;
    }
    fields.push(`p${i}: ${p.dataset.names.many}(${args}) { totalCount nodes { ${ROW} } }`);
  });
  return { query: `query(${vars.join(', ')}) {\n${fields.join('\n')}\n}`, variables };
}

function checkProbe(check: ResponseCheck, probe: Probe, alias: string, v: View) {
  const hidden = probe.needs.filter((n) => fieldMode(v, probe.dataset, n) !== 'CLEAR');
  const value = check.body.data?.[alias];
  if (hidden.length) {
    check.refused(value, [alias], `${probe.what}: ${hidden.join(', ')} not readable in clear`);
    return;
  }
  const returned = check.list(value, probe.dataset, [alias], probe.candidates, [], probe.unexpected);
  if (probe.orderedBy && value) {
    const field = probe.orderedBy;
    const expected = probe.candidates
      .filter((r) => visible(v, r))
      .sort((a, b) => (String(a.values[field]) < String(b.values[field]) ? 1 : -1));
    const numeric = ['integer', 'number'].includes(probe.dataset.fields[field].type);
    if (numeric) expected.sort((a, b) => (b.values[field] as number) - (a.values[field] as number));
    check.tally.probes++;
    if (!isDeepStrictEqual(returned, expected)) {
      check.mismatch(
        `${v.caller.label} ${probe.what}: order ${returned.map((r) => r.index).join(',')}, expected ${expected.map((r) => r.index).join(',')}`,
      );
    }
  }
}

async function pool<T>(items: T[], size: number, run: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: size }, async () => {
      while (next < items.length) await run(items[next++]);
    }),
  );
}

async function probeCaller(caller: Caller): Promise<Tally> {
  const { fx } = world;
  const { result } = await asCallers(hub, [caller], async (views) => {
    const v = views.get(caller.label) as View;
    const tally = new Tally();
    // (a) lists, (b) lookups, (c) every cross-link with every target field, totalCount
    for (const { query, plan } of fullQueries(fx)) {
      const full = await hub.graphql(caller.key, query);
      const check = new ResponseCheck(tally, fx, v, full.body, 'lists, lookups and links');
      checkPlan(check, plan);
      check.finish();
    }

    // (d) filters, geometry filters, sort orders, search
    const probes = filterProbes(fx, v);
    const allowed = probes.filter((p) => p.needs.every((n) => fieldMode(v, p.dataset, n) === 'CLEAR'));
    const refused = probes.filter((p) => !allowed.includes(p));
    const single = async (probe: Probe) => {
      const { query: q, variables } = probeQuery([probe]);
      const res = await hub.graphql(caller.key, q, variables);
      const c = new ResponseCheck(tally, fx, v, res.body, probe.what);
      checkProbe(c, probe, 'p0', v);
      c.finish();
    };
    for (let i = 0; i < allowed.length; i += 80) {
      const chunk = allowed.slice(i, i + 80);
      const { query: q, variables } = probeQuery(chunk);
      const res = await hub.graphql(caller.key, q, variables);
      if (!res.body.data) {
        // One refused list nulls the whole response: probe one by one to name it.
        await pool(chunk, 8, single);
        continue;
      }
      const c = new ResponseCheck(tally, fx, v, res.body, `probe batch ${i / 80}`);
      chunk.forEach((probe, j) => {
        checkProbe(c, probe, `p${j}`, v);
      });
      c.finish();
    }
    await pool(refused, 8, single);
    return tally;
  });
  return result;
}

describe('exhaustive probes', () => {
  it.each(LABELS)(
    '%s: every field by every route gets the oracle verdict',
    async (label) => {
      const tally = await probeCaller(world.caller(label));
      total.probes += tally.probes;
      total.leaks.push(...tally.leaks);
      total.falseDenials.push(...tally.falseDenials);
      total.mismatches.push(...tally.mismatches);
      console.log(`probes ${label}: ${tally.summary()}`);
      expect(tally.problems(), label).toEqual([]);
      // About 3,000 requests a principal, one at a time: 20–30 s on the embedded database under load.
    },
    180_000,
  );

  it('sums up', () => {
    console.log(
      `${total.probes} probes, ${total.leaks.length} leaks, ${total.falseDenials.length} false denials (${total.mismatches.length} other mismatches) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
    expect(total.probes).toBeGreaterThan(10_000);
    expect(total.leaks.length).toBe(0);
    expect(total.falseDenials.length).toBe(0);
  });
});
