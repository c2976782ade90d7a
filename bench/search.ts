/**
 * Cost that grows with the data (issue 16): free-text search and `totalCount` on the pesticide rows, at
 * 100,000 and 1,000,000 rows, against the same page without them, through the hub (GraphQL over HTTP,
 * the owner's key: every searchable field in clear), with and without the trigram indexes, in one run:
 *
 *   page            pesticideUses(first: 100) { nodes }
 *   search          the same with filter: { search } (lower(field) LIKE lower(pattern) on each searchable field)
 *   search + count  the same with totalCount
 *   count           the page with totalCount, no search
 *   … ≤ 1,000       the same with totalCount(atMost: 1000): the count stops at 1,000
 *
 * Each figure is the median of BENCH_SEARCH_REQUESTS requests, the four kinds interleaved; the ratio to
 * the page is the target's (≤ 3 at 1M rows). At each size the rows are loaded without the trigram
 * indexes and measured; then the indexes are built (how long that takes is printed) and the same
 * requests measured again.
 *
 *   npm run bench -- search        (or: node --import tsx bench/search.ts)
 *
 * Environment: BENCH_SEARCH_REQUESTS (20), BENCH_SEARCH_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/jt_bench_search, created when missing and emptied of pesticide rows).
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { columnName } from '../src/db/datasetTable.js';
import { copyTiles, templatesOf } from './support/city.js';
import { datasetNamed } from './support/data.js';
import { benchDatabaseUrl, prepareBenchDatabase, redacted } from './support/database.js';
import { envNumber } from './support/env.js';
import { graphql } from './support/http.js';
import { forkHub } from './support/hub.js';
import { type BenchKey, createKeys, revokeKeys } from './support/keys.js';
import { gitState, loadLine, machine, ROOT, runIfMain, writeResults } from './support/report.js';
import { fixed, spread, table, thousands } from './support/stats.js';

const SIZES = [100_000, 1_000_000] as const;
const DATASET = 'pesticideUse';

const QUERIES = {
  page: '{ pesticideUses(first: 100) { nodes { sourceId } } }',
  search: 'query($s: String) { pesticideUses(first: 100, filter: { search: $s }) { nodes { sourceId } } }',
  'search + count':
    'query($s: String) { pesticideUses(first: 100, filter: { search: $s }) { totalCount nodes { sourceId } } }',
  count: '{ pesticideUses(first: 100) { totalCount nodes { sourceId } } }',
  'search + count ≤ 1,000':
    'query($s: String) { pesticideUses(first: 100, filter: { search: $s }) { totalCount(atMost: 1000) nodes { sourceId } } }',
  'count ≤ 1,000': '{ pesticideUses(first: 100) { totalCount(atMost: 1000) nodes { sourceId } } }',
} as const;
type Kind = keyof typeof QUERIES;
const KINDS = Object.keys(QUERIES) as Kind[];

/** Each kind's median ms over `requests` requests, the kinds interleaved (the order rotating). */
async function measure(base: string, key: string, term: string, requests: number) {
  const ms = new Map<Kind, number[]>(KINDS.map((k) => [k, []]));
  const hits: Record<string, number> = {};
  for (let r = 0; r < requests + 2; r++)
    for (let i = 0; i < KINDS.length; i++) {
      const kind = KINDS[(i + r) % KINDS.length];
      const started = performance.now();
      const { body } = await graphql<{ pesticideUses: { totalCount?: number; nodes: unknown[] } }>(
        base,
        key,
        QUERIES[kind],
        kind.startsWith('search') ? { s: term } : {},
      );
      const elapsed = performance.now() - started;
      if (body.errors?.length || !body.data) throw new Error(`${kind}: ${JSON.stringify(body.errors)}`);
      if (body.data.pesticideUses.totalCount !== undefined) hits[kind] = body.data.pesticideUses.totalCount;
      if (r >= 2) ms.get(kind)?.push(elapsed); // two rounds to warm up
    }
  return { medians: Object.fromEntries(KINDS.map((k) => [k, spread(ms.get(k) ?? []).median])), hits };
}

export async function run(): Promise<void> {
  const requests = envNumber('BENCH_SEARCH_REQUESTS', 20, { integer: true, min: 3, max: 1000 });
  const url = benchDatabaseUrl(
    'BENCH_SEARCH_DATABASE_URL',
    'postgres://postgres@127.0.0.1:5432/jt_bench_search',
  );
  const loadBefore = os.loadavg();
  console.log(
    `\n== search and count: ${SIZES.map(thousands).join(' and ')} pesticide rows, ${redacted(url)}`,
  );
  await prepareBenchDatabase(url, 'BENCH_SEARCH_DATABASE_URL');
  const dataset = datasetNamed(DATASET);
  const owner = postgres(url, { max: 1, onnotice: () => {} });
  // The trigram indexes as the migrations created them, one per searchable field (src/db/datasetTable.ts).
  const names = Object.entries(dataset.fields)
    .filter(([, field]) => field.search)
    .map(([name]) => `${dataset.table}_${columnName(name)}_trgm`);
  const trigram = await owner<{ name: string; definition: string }[]>`
    select indexname as name, indexdef as definition from pg_indexes where indexname in ${owner(names)}`;
  if (trigram.length !== names.length) throw new Error(`trigram indexes missing: ${names.join(', ')}`);
  let keys: Record<string, BenchKey> = {};
  const results: Record<number, Record<string, unknown>> = {};
  const rows: string[][] = [];
  try {
    keys = await createKeys(url, ['AGRICULTURE'], 'bench:search');
    for (const size of SIZES) {
      // Loaded without the trigram indexes (measured so first), which are then built and measured.
      await owner`truncate ${owner(dataset.table)}`;
      for (const index of trigram) await owner.unsafe(`drop index if exists ${index.name}`);
      const started = performance.now();
      const tiles = Math.ceil(size / templatesOf(dataset).length);
      const loaded = await copyTiles(owner, DATASET, tiles, 'bench-search');
      console.log(`  ${thousands(loaded)} rows loaded in ${fixed((performance.now() - started) / 1000)} s`);
      // A search term as a user types it: a product name, of the middling ones by frequency.
      const [{ product }] = await owner<{ product: string }[]>`
        select product from ${owner(dataset.table)} where product is not null group by product
        order by count(*), product offset (select count(distinct product) / 2 from ${owner(dataset.table)}) limit 1`;
      const hub = await forkHub({
        databaseUrl: url,
        pool: 4,
        logLevel: 'warn',
        rateLimit: false,
        name: 'the hub',
      });
      try {
        const without = await measure(hub.base, keys.AGRICULTURE.key, product, requests);
        const buildStarted = performance.now();
        await owner.begin(async (tx) => {
          await tx`set local statement_timeout = 0`;
          for (const index of trigram) await tx.unsafe(index.definition);
        });
        await owner`analyze ${owner(dataset.table)}`;
        const indexBuildMs = performance.now() - buildStarted;
        const withIndex = await measure(hub.base, keys.AGRICULTURE.key, product, requests);
        results[size] = {
          rows: loaded,
          term: product,
          hits: withIndex.hits,
          trigram: withIndex.medians,
          noTrigram: without.medians,
          indexBuildMs,
        };
        for (const kind of KINDS)
          rows.push([
            `${thousands(loaded)} ${kind}`,
            fixed(withIndex.medians[kind]),
            fixed(withIndex.medians[kind] / withIndex.medians.page, 2),
            fixed(without.medians[kind]),
            fixed(without.medians[kind] / without.medians.page, 2),
          ]);
        console.log(
          `  "${product}" in ${thousands(withIndex.hits['search + count'] ?? 0)} of ${thousands(loaded)} rows; the trigram indexes built in ${fixed(indexBuildMs / 1000)} s`,
        );
      } finally {
        await hub.stop();
      }
    }
  } finally {
    await revokeKeys(url, Object.values(keys));
    await owner`truncate ${owner(dataset.table)}`.catch(() => {});
    await owner.end({ timeout: 5 });
  }
  console.log(`\nmedian of ${requests} requests (ms)`);
  console.log(table(['', 'trigram', '÷ page', 'no trigram', '÷ page'], rows, 1));
  const loadAfter = os.loadavg();
  console.log(loadLine(loadBefore, loadAfter));
  writeResults('search', {
    benchmark: 'search',
    when: new Date().toISOString(),
    machine: machine(loadBefore, loadAfter),
    code: await gitState(ROOT, ['src', 'migrations']),
    requests,
    results,
  });
}

runIfMain(import.meta.url, run);
