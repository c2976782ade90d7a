import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Dataset, fieldOf } from '../../src/catalog/define.js';
import { datasetByName, datasets } from '../../src/catalog/registry.js';
import { DEFAULT_LIMITS } from '../../src/config.js';
import {
  asCallers,
  fieldMode,
  filterArg,
  filterKind,
  keyArgs,
  LABELS,
  linkTarget,
  ResponseCheck,
  ROW_ID,
  type Sel,
  Tally,
  upperSnake,
  type View,
  withLeakWorld,
} from '../support/leaks.js';
import { subSelection } from '../support/records.js';

/**
 * Random queries over the schema: aliases, named and inline fragments, @include/@skip on variables,
 * nesting through cross-links up to depth 3, random filters and orders, for random principals. Every
 * response is checked against the oracle (field by field, and the canary scan of the whole body).
 * Replay a failure with FUZZ_SEED=<seed printed below>.
 */

// No rate limit: a failure is shrunk by running its query again and again as the same principal, and the
// limit's refusal would then hide the failure it shrinks.
const { hub, world } = withLeakWorld({ limits: { ...DEFAULT_LIMITS, ratePerMinute: 0 } });
const NUM_RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const MAX_DEPTH = 3;

// -------------------------------------------------------------------------------------------------------
// the query model and its arbitraries
// -------------------------------------------------------------------------------------------------------

type Dir = { kind: 'include' | 'skip'; v: number } | null;
type Node =
  | { t: 'field'; name: string; alias: number | null; dir: Dir }
  | { t: 'link'; name: string; alias: number | null; dir: Dir; children: Node[] }
  | { t: 'inline'; typed: boolean; dir: Dir; children: Node[] }
  | { t: 'spread'; pick: number; dir: Dir };

interface Root {
  kind: 'list' | 'lookup';
  dataset: string;
  row: number;
  edges: boolean;
  filter: string | null;
  order: string | null;
  dir: Dir;
  selection: Node[];
}

interface Fragment {
  dataset: string;
  selection: Node[];
}

interface Query {
  caller: string;
  roots: Root[];
  fragments: Fragment[];
  vars: boolean[];
}

const ds = (name: string) => datasetByName(name) as Dataset;
const dirArb: fc.Arbitrary<Dir> = fc.option(
  fc.record({ kind: fc.constantFrom('include' as const, 'skip' as const), v: fc.nat(3) }),
  { freq: 2 },
);
const aliasArb = fc.option(fc.nat(2), { freq: 2 });

const memo = new Map<string, fc.Arbitrary<Node[]>>();

/** Selections on a dataset type at a link depth; `plain` ones hold no fragments (fragment bodies). */
function selection(name: string, depth: number, plain: boolean): fc.Arbitrary<Node[]> {
  const id = `${name}:${depth}:${plain}`;
  const known = memo.get(id);
  if (known) return known;
  const dataset = ds(name);
  const field = fc.record({
    t: fc.constant('field' as const),
    name: fc.constantFrom(...Object.keys(dataset.fields)),
    alias: aliasArb,
    dir: dirArb,
  });
  const choices: fc.WeightedArbitrary<Node>[] = [{ weight: 6, arbitrary: field }];
  const links = Object.keys(dataset.links ?? {});
  if (depth < MAX_DEPTH && links.length) {
    const link = fc.constantFrom(...links).chain((linkName) =>
      fc.record({
        t: fc.constant('link' as const),
        name: fc.constant(linkName),
        alias: aliasArb,
        dir: dirArb,
        children: selection(linkTarget(dataset, linkName).name, depth + 1, plain),
      }),
    );
    choices.push({ weight: 2, arbitrary: link });
  }
  if (!plain) {
    const inline = fc.record({
      t: fc.constant('inline' as const),
      typed: fc.boolean(),
      dir: dirArb,
      children: selection(name, depth, true),
    });
    const spread = fc.record({ t: fc.constant('spread' as const), pick: fc.nat(3), dir: dirArb });
    choices.push({ weight: 1, arbitrary: inline }, { weight: 1, arbitrary: spread });
  }
  const arb = fc.array(fc.oneof(...choices), { minLength: 1, maxLength: plain ? 5 : depth === 1 ? 10 : 6 });
  memo.set(id, arb);
  return arb;
}

const names = datasets.map((d) => d.name);

const rootArb: fc.Arbitrary<Root> = fc.constantFrom(...names).chain((name) => {
  const dataset = ds(name);
  const filterable = Object.entries(dataset.fields)
    .filter(([, f]) => filterKind(f))
    .map(([n]) => n);
  const sortable = Object.entries(dataset.fields)
    .filter(([, f]) => f.sortable)
    .map(([n]) => n);
  return fc.record({
    kind: fc.constantFrom('list' as const, 'lookup' as const),
    dataset: fc.constant(name),
    row: fc.nat(3),
    edges: fc.boolean(),
    filter: filterable.length ? fc.option(fc.constantFrom(...filterable), { freq: 4 }) : fc.constant(null),
    order: sortable.length ? fc.option(fc.constantFrom(...sortable), { freq: 4 }) : fc.constant(null),
    dir: fc.option(dirArb, { freq: 4 }).map((d) => d ?? null),
    selection: selection(name, 1, false),
  });
});

const fragmentArb: fc.Arbitrary<Fragment> = fc
  .constantFrom(...names)
  .chain((name) => selection(name, 2, true).map((sel) => ({ dataset: name, selection: sel })));

const queryArb: fc.Arbitrary<Query> = fc.record({
  caller: fc.constantFrom(...LABELS),
  roots: fc.array(rootArb, { minLength: 1, maxLength: 3 }),
  fragments: fc.array(fragmentArb, { maxLength: 4 }),
  vars: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
});

// -------------------------------------------------------------------------------------------------------
// rendering, and the selection the server must answer (the GraphQL CollectFields algorithm)
// -------------------------------------------------------------------------------------------------------

const fragmentsOf = (q: Query, name: string) => q.fragments.filter((f) => f.dataset === name);
const fragmentFor = (q: Query, name: string, pick: number) => {
  const list = fragmentsOf(q, name);
  return list.length ? list[pick % list.length] : undefined;
};
const keyOf = (n: { name: string; alias: number | null }) =>
  n.alias === null ? n.name : `${n.name}_${n.alias}`;

function render(q: Query): { text: string; variables: Record<string, unknown> } {
  const usedVars = new Set<number>();
  const usedFragments = new Set<Fragment>();
  const variables: Record<string, unknown> = {};
  const decls: string[] = [];
  const dir = (d: Dir) => {
    if (!d) return '';
    usedVars.add(d.v);
    return ` @${d.kind}(if: $v${d.v})`;
  };
  const nodes = (list: Node[], name: string): string => {
    const dataset = ds(name);
    const parts = list.map((n): string => {
      const head =
        n.t === 'field' || n.t === 'link' ? `${n.alias === null ? '' : `${keyOf(n)}: `}${n.name}` : '';
      if (n.t === 'field') return `${head}${dir(n.dir)}${subSelection(fieldOf(dataset, n.name))}`;
      if (n.t === 'link') {
        return `${head}${dir(n.dir)} { ${nodes(n.children, linkTarget(dataset, n.name).name)} }`;
      }
      if (n.t === 'inline') {
        return `...${n.typed ? ` on ${dataset.names.type}` : ''}${dir(n.dir)} { ${nodes(n.children, name)} }`;
      }
      const fragment = fragmentFor(q, name, n.pick);
      if (!fragment) return '';
      usedFragments.add(fragment);
      return `...F${q.fragments.indexOf(fragment)}${dir(n.dir)}`;
    });
    return [...parts.filter(Boolean), ROW_ID].join(' ');
  };
  const roots = q.roots.map((root, i) => {
    const dataset = ds(root.dataset);
    const row = world.fx.rowsOf(dataset)[root.row];
    const body = nodes(root.selection, root.dataset);
    if (root.kind === 'lookup')
      return `r${i}: ${dataset.names.one}(${keyArgs(row)})${dir(root.dir)} { ${body} }`;
    const filter: Record<string, unknown> = { search: world.fx.runId };
    if (root.filter) filter[root.filter] = filterArg(dataset.fields[root.filter], row.values[root.filter]);
    variables[`f${i}`] = filter;
    decls.push(`$f${i}: ${dataset.names.type}Filter`);
    let args = `filter: $f${i}, first: 100`;
    if (root.order) {
      variables[`o${i}`] = { field: upperSnake(root.order), direction: i % 2 ? 'ASC' : 'DESC' };
      decls.push(`$o${i}: ${dataset.names.type}Order`);
      args += `, orderBy: $o${i}`;
    }
    const page = root.edges
      ? `edges { cursor node { ${body} } } pageInfo { endCursor }`
      : `nodes { ${body} }`;
    return `r${i}: ${dataset.names.many}(${args})${dir(root.dir)} { totalCount ${page} }`;
  });
  // Fragment bodies may use variables and are rendered before the declarations are written.
  const fragments = q.fragments
    .map((f, i) =>
      usedFragments.has(f)
        ? `fragment F${i} on ${ds(f.dataset).names.type} { ${nodes(f.selection, f.dataset)} }`
        : '',
    )
    .filter(Boolean);
  for (const v of [...usedVars].sort()) {
    decls.push(`$v${v}: Boolean!`);
    variables[`v${v}`] = q.vars[v];
  }
  const head = decls.length ? `query Fuzz(${decls.join(', ')})` : 'query Fuzz';
  return { text: `${head} {\n${roots.join('\n')}\n}\n${fragments.join('\n')}`, variables };
}

/** The fields the server must answer for an object of `name`, merged by response key. */
function selsOf(q: Query, lists: Node[][], name: string): Sel[] {
  const active = (d: Dir) => !d || (d.kind === 'include' ? q.vars[d.v] : !q.vars[d.v]);
  const out = new Map<string, { name: string; children?: Node[][] }>();
  const collect = (list: Node[]) => {
    for (const n of list) {
      if (!active(n.dir)) continue;
      if (n.t === 'field') out.set(keyOf(n), { name: n.name });
      else if (n.t === 'link') {
        const entry = out.get(keyOf(n)) ?? { name: n.name, children: [] };
        entry.children?.push(n.children);
        out.set(keyOf(n), entry);
      } else if (n.t === 'inline') collect(n.children);
      else {
        const fragment = fragmentFor(q, name, n.pick);
        if (fragment) collect(fragment.selection);
      }
    }
  };
  for (const list of lists) collect(list);
  const dataset = ds(name);
  return [...out].map(([key, entry]) =>
    entry.children
      ? { key, name: entry.name, children: selsOf(q, entry.children, linkTarget(dataset, entry.name).name) }
      : { key, name: entry.name },
  );
}

function check(q: Query, body: ResponseCheck['body'], v: View, tally: Tally, what: string) {
  const c = new ResponseCheck(tally, world.fx, v, body, what);
  const active = (d: Dir) => !d || (d.kind === 'include' ? q.vars[d.v] : !q.vars[d.v]);
  const roots = q.roots.map((root, i) => ({ root, alias: `r${i}` })).filter(({ root }) => active(root.dir));
  const refused = roots.filter(({ root }) => {
    const dataset = ds(root.dataset);
    if (root.kind === 'lookup') return dataset.key.some((k) => fieldMode(v, dataset, k) !== 'CLEAR');
    return [root.filter, root.order].some((f) => f && fieldMode(v, dataset, f) !== 'CLEAR');
  });
  const listRefused = refused.filter(({ root }) => root.kind === 'list');
  if (listRefused.length) {
    // A refused list is a non-null root field: the whole data is null, with FORBIDDEN at that root.
    tally.probes++;
    if (body.data != null) c.leak(`${v.caller.label} ${what}: a refused filter or order answered with data`);
    else if (!listRefused.some(({ alias }) => c.forbiddenAt([alias]))) {
      c.mismatch(
        `${v.caller.label} ${what}: no FORBIDDEN error at ${listRefused.map((r) => r.alias).join(', ')}`,
      );
    }
    c.expectAnyErrors();
    c.finish();
    return;
  }
  if (!body.data) {
    c.mismatch(`${v.caller.label} ${what}: no data: ${JSON.stringify(body.errors)?.slice(0, 300)}`);
    c.finish();
    return;
  }
  for (const { root, alias } of roots) {
    const dataset = ds(root.dataset);
    const rows = world.fx.rowsOf(dataset);
    const row = rows[root.row];
    const sels = selsOf(q, [root.selection], root.dataset);
    if (root.kind === 'lookup') c.lookup(body.data[alias], row, [alias], sels);
    else {
      const candidates = root.filter
        ? rows.filter((r) =>
            isDeepStrictEqual(r.values[root.filter as string], row.values[root.filter as string]),
          )
        : rows;
      c.list(body.data[alias], dataset, [alias], candidates, sels);
    }
  }
  for (const { alias } of q.roots
    .map((_, i) => ({ alias: `r${i}` }))
    .filter((_, i) => !active(q.roots[i].dir))) {
    if (alias in body.data) c.mismatch(`${v.caller.label} ${what}: skipped root ${alias} answered`);
  }
  c.finish();
}

describe('fuzzed queries', () => {
  it(`${NUM_RUNS} random queries leak nothing`, async () => {
    const seed = Number(process.env.FUZZ_SEED ?? Date.now());
    console.log(
      `fuzz seed ${seed}, ${NUM_RUNS} runs (replay: FUZZ_SEED=${seed} npx vitest run test/leaks/fuzz.test.ts)`,
    );
    const total = new Tally();
    let runs = 0;
    let answered = 0;
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(queryArb, async (q) => {
        runs++;
        const caller = world.caller(q.caller);
        const { text, variables } = render(q);
        const { result: res } = await asCallers(hub, [caller], async (views) => {
          const local = new Tally();
          const response = await hub.graphql(caller.key, text, variables);
          check(q, response.body, views.get(caller.label) as View, local, 'fuzz query');
          return { response, local };
        });
        const tally = res.local;
        total.probes += tally.probes;
        total.leaks.push(...tally.leaks);
        total.falseDenials.push(...tally.falseDenials);
        if (res.response.body.data) answered++;
        const problems = tally.problems(20);
        if (problems.length) {
          throw new Error(
            `${q.caller} (${caller.code}):\n${problems.join('\n')}\n--- query ---\n${text}\n--- variables ---\n${JSON.stringify(variables)}`,
          );
        }
      }),
      // every run must happen: a slow machine fails loudly rather than passing on a handful of queries
      { seed, numRuns: NUM_RUNS, interruptAfterTimeLimit: 100_000, markInterruptAsFailure: true },
    );
    console.log(
      `fuzz: ${runs} queries (${answered} with data), ${total.probes} probes, ${total.leaks.length} leaks, ${total.falseDenials.length} false denials in ${((Date.now() - started) / 1000).toFixed(1)} s, seed ${seed}`,
    );
    expect(runs).toBe(NUM_RUNS);
  }, 120_000);
});
