/**
 * The supervision benchmark at city scale (issue 14, item 7), on both databases in one run: embedded PGlite,
 * then the PostgreSQL server. The world is the demo world tiled to the issue's volumes (bench/support/city.ts:
 * 100k rezoned plots, 20k register sites and priority plots, ~200k soil monitoring results, ~1M pesticide
 * and ~1M fertiliser rows at scale 1), COPYed into the dataset tables and analysed. Each round measures,
 * side by side:
 *
 *   direct       every rule's own query through `findSituations` (ruleQuery and the rule's JS), no alerts
 *   full         `evaluateRules`: the same queries plus the alert bookkeeping, in one transaction per rule
 *   incremental  a 1,000-row publish through the hub's publish path (`publishBatch`, as the dataset's owner),
 *                then `evaluateChanged`; once for landUseChange, once for pesticideUse
 *
 * Engine overhead = (full − direct) / direct (target ≤ 10%); incremental ÷ full (target ≤ 5%); both as
 * ratios within one round, median and spread over the rounds. Each rule runs directly and through the
 * engine back to back, the order alternating from rule to rule and from round to round (the embedded
 * database's speed drifts over minutes). A full evaluation before the rounds brings the alerts in step
 * (its time is reported: it opens every alert). Checks: each rule's engine finds as many distinct situations as its direct query
 * in the same round; each incremental evaluation runs every rule that reads the published dataset.
 *
 *   npm run bench -- supervision [--scale 0.1]        (or: node --import tsx bench/supervision.ts)
 *
 * Environment: BENCH_SUPERVISION_SCALE (1; --scale wins), BENCH_SUPERVISION_ROUNDS (3),
 * BENCH_SUPERVISION_DATABASES (embedded,server), BENCH_SUPERVISION_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/jt_bench_supervision, created when missing), BENCH_SUPERVISION_DATA_DIR
 * (the embedded database's folder, default <tmp>/jingtu-bench-supervision). A world already loaded at the
 * same scale is reused (the rows a previous run published are removed).
 */
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import postgres from 'postgres';
import { EffectiveAccess } from '../src/access/effectiveAccess.js';
import { authenticate, createKey, revokeKey } from '../src/access/keys.js';
import { datasets } from '../src/catalog/registry.js';
import { loadReference } from '../src/datasets/reference.js';
import { type Database, openDatabase } from '../src/db/connection.js';
import { runMigrations } from '../src/db/migrate.js';
import {
  alertIdentity,
  evaluateChanged,
  evaluateRules,
  findSituations,
} from '../src/supervision/evaluate.js';
import type { Rule } from '../src/supervision/rule.js';
import { rules } from '../src/supervision/rules/index.js';
import { publishBatch } from '../src/sync/ingest.js';
import { copyTiles, templatesOf, tileRecords, tilesAt } from './support/city.js';
import { datasetNamed } from './support/data.js';
import { benchConfig, benchDatabaseUrl, ensureBenchDatabase, redacted } from './support/database.js';
import { envNumber } from './support/env.js';
import { gitState, loadLine, machine, runIfMain, writeResults } from './support/report.js';
import { fixed, pct, type Spread, spread, sum, table, thousands } from './support/stats.js';

const TARGET_INCREMENTAL = 0.05;
const TARGET_OVERHEAD = 0.1;
/** The rows of each incremental publish, and the datasets published to (one scenario each). */
const PUBLISH_ROWS = 1000;
const PUBLISHED = ['landUseChange', 'pesticideUse'] as const;

type Kind = 'embedded' | 'server';

function scaleSetting(): number {
  const at = process.argv.indexOf('--scale');
  if (at !== -1) process.env.BENCH_SUPERVISION_SCALE = process.argv[at + 1];
  return envNumber('BENCH_SUPERVISION_SCALE', 1, { min: 0.001, max: 1 });
}

function kindsSetting(): Kind[] {
  const given = (process.env.BENCH_SUPERVISION_DATABASES || 'embedded,server')
    .split(',')
    .map((k) => k.trim());
  const bad = given.filter((k) => k !== 'embedded' && k !== 'server');
  if (bad.length || !given.length)
    throw new Error(`BENCH_SUPERVISION_DATABASES lists embedded and/or server, not ${JSON.stringify(bad)}`);
  return given as Kind[];
}

const serverUrl = () =>
  benchDatabaseUrl(
    'BENCH_SUPERVISION_DATABASE_URL',
    'postgres://postgres@127.0.0.1:5432/jt_bench_supervision',
  );
const dataDir = () => process.env.BENCH_SUPERVISION_DATA_DIR || join(os.tmpdir(), 'jingtu-bench-supervision');

const seconds = (ms: number) => Math.round(ms) / 1000;

/**
 * The database as the hub opens it (its role and statement timeout on a server), migrated, and a
 * connection that owns the tables for loading them (the login user on a server; on the embedded database,
 * whose one session serves every connection, the hub's own).
 */
async function openKind(kind: Kind): Promise<{ database: Database; owner: postgres.Sql; where: string }> {
  if (kind === 'server') {
    const url = serverUrl();
    await ensureBenchDatabase(url, 'BENCH_SUPERVISION_DATABASE_URL');
    await runMigrations(url);
    const database = await openDatabase(benchConfig(url, 2));
    return { database, owner: postgres(url, { max: 1, onnotice: () => {} }), where: redacted(url) };
  }
  const database = await openDatabase({ ...benchConfig('', 1), databaseUrl: undefined, dataDir: dataDir() });
  await runMigrations(database.url);
  return { database, owner: database.sql, where: dataDir() };
}

interface Load {
  reused: boolean;
  rows: number;
  seconds: number;
  byDataset: Record<string, { rows: number; seconds: number }>;
}

/**
 * The world at this scale: reused when every table holds its tiles from an earlier run (the rows published
 * since are deleted), else the tables and the alerts are emptied and the tiles COPYed in.
 */
async function loadWorld(owner: postgres.Sql, scale: number): Promise<Load> {
  const tiles = tilesAt(
    scale,
    datasets.map((d) => d.name),
  );
  const batch = `bench-supervision-${scale}`;
  const expected = (name: string) => templatesOf(datasetNamed(name)).length * tiles[name];
  let reused = true;
  for (const dataset of datasets) {
    const [row] = await owner<{ n: number }[]>`
      select count(*)::int as n from ${owner(dataset.table)} where sync_batch = ${batch}`;
    if (row.n !== expected(dataset.name)) reused = false;
  }
  const byDataset: Load['byDataset'] = {};
  const started = performance.now();
  if (reused) {
    for (const dataset of datasets)
      await owner`delete from ${owner(dataset.table)} where sync_batch is distinct from ${batch}`;
  } else {
    const tables = datasets.map((d) => d.table);
    await owner`truncate ${owner(tables)}, alert, alert_event, alert_record, supervision_state cascade`;
    for (const dataset of datasets) {
      const t = performance.now();
      const rows = await copyTiles(owner, dataset.name, tiles[dataset.name], batch);
      byDataset[dataset.name] = { rows, seconds: seconds(performance.now() - t) };
      console.log(`  ${dataset.name}: ${thousands(rows)} rows in ${fixed(seconds(performance.now() - t))} s`);
    }
  }
  return {
    reused,
    rows: sum(datasets.map((d) => expected(d.name))),
    seconds: seconds(performance.now() - started),
    byDataset,
  };
}

/** Publishes 1,000 new records of a dataset as its owner, through the hub's publish path. */
function publisherFor(database: Database) {
  const keys: string[] = [];
  return {
    async publish(name: string, tile: number, batchKey: string): Promise<number> {
      const dataset = datasetNamed(name);
      const { id, key } = await createKey(database.db, dataset.owner, 'bench:supervision');
      keys.push(id);
      const who = await authenticate(database.db, key);
      if (!who) throw new Error(`no live key for ${dataset.owner}`);
      const publisher = {
        access: new EffectiveAccess(who.principal, who.grants),
        reference: await loadReference(database.db),
      };
      const records = [...tileRecords(dataset, tile, tile + 1)]
        .filter((record) => record.publisher === dataset.owner)
        .slice(0, PUBLISH_ROWS)
        .map((record, i) => ({ line: i + 1, raw: record.values }));
      if (records.length !== PUBLISH_ROWS)
        throw new Error(`${name}: a tile holds ${records.length} records of its owner, not ${PUBLISH_ROWS}`);
      const started = performance.now();
      const result = await publishBatch(
        database.db,
        publisher,
        dataset,
        { batchKey, mode: 'DELTA', atomic: true },
        records,
      );
      const ms = performance.now() - started;
      if (result.status !== 'APPLIED' || result.inserted !== PUBLISH_ROWS)
        throw new Error(
          `${name}: the publish was ${result.status} with ${result.inserted} inserted: ${JSON.stringify(result.rejections.slice(0, 3))}`,
        );
      return ms;
    },
    revoke: async () => {
      for (const id of keys.splice(0)) await revokeKey(database.db, id);
    },
  };
}

interface Round {
  round: number;
  /** Which of the pair the round's first rule ran first (the order alternates from rule to rule). */
  first: 'direct' | 'full';
  direct: Record<string, { ms: number; found: number }>;
  full: Record<string, { ms: number; found: number }>;
  directMs: number;
  fullMs: number;
  overhead: number;
  incremental: {
    dataset: string;
    publishMs: number;
    ms: number;
    rules: string[];
    /** Each rule's time as evaluateChanged reports it (RuleOutcome.ms). */
    perRule: Record<string, number>;
    ratio: number;
  }[];
}

/** A rule's own query, run directly: what it finds and how long it takes. */
async function direct(sql: postgres.Sql, rule: Rule): Promise<{ ms: number; found: number }> {
  const started = performance.now();
  const situations = await findSituations(sql, rule);
  const ms = performance.now() - started;
  return { ms, found: new Set(situations.map((s) => alertIdentity(rule.id, s))).size };
}

/** The same rule through the engine (`evaluateRules`: its query, the alerts' bookkeeping, the purge). */
async function engine(sql: postgres.Sql, rule: Rule): Promise<{ ms: number; found: number }> {
  const started = performance.now();
  const [outcome] = await evaluateRules(sql, [rule]);
  return { ms: performance.now() - started, found: outcome.found };
}

/**
 * Each rule directly and through the engine, back to back, the order alternating from rule to rule and
 * from round to round: the embedded database's speed drifts by ±10% over minutes (rules with few alerts
 * showed it as much as those with many), so pairs measured far apart compared the drift, not the engine.
 */
async function measureRound(sql: postgres.Sql, round: number) {
  const d: Round['direct'] = {};
  const f: Round['full'] = {};
  for (const [i, rule] of rules.entries()) {
    if ((i + round) % 2 === 0) {
      d[rule.id] = await direct(sql, rule);
      f[rule.id] = await engine(sql, rule);
    } else {
      f[rule.id] = await engine(sql, rule);
      d[rule.id] = await direct(sql, rule);
    }
  }
  return { d, f };
}

async function measureKind(kind: Kind, scale: number, rounds: number, runId: string) {
  console.log(`\n${kind}: opening and migrating`);
  const { database, owner, where } = await openKind(kind);
  const publisher = publisherFor(database);
  try {
    console.log(`${kind}: loading the city at scale ${scale} (${where})`);
    const load = await loadWorld(owner, scale);
    console.log(
      `${kind}: ${thousands(load.rows)} rows ${load.reused ? 'already loaded' : `loaded in ${fixed(load.seconds)} s (${thousands(load.rows / load.seconds)} rows/s)`}`,
    );
    const sql = database.sql;
    const warm = performance.now();
    const first = await evaluateRules(sql);
    const firstMs = performance.now() - warm;
    console.log(
      `${kind}: first full evaluation ${fixed(firstMs / 1000)} s, ${thousands(sum(first.map((o) => o.found)))} situations, ${thousands(sum(first.map((o) => o.opened + o.reopened)))} alerts opened`,
    );
    const tiles = tilesAt(
      scale,
      datasets.map((d) => d.name),
    );
    const measured: Round[] = [];
    for (let r = 0; r < rounds; r++) {
      const order: Round['first'] = r % 2 ? 'full' : 'direct';
      const { d, f } = await measureRound(sql, r);
      for (const rule of rules) {
        if (d[rule.id].found !== f[rule.id]?.found)
          throw new Error(
            `${kind} round ${r + 1}: ${rule.id} found ${f[rule.id]?.found} situations through the engine, ${d[rule.id].found} directly`,
          );
      }
      const directMs = sum(Object.values(d).map((x) => x.ms));
      const fullMs = sum(Object.values(f).map((x) => x.ms));
      const incremental: Round['incremental'] = [];
      for (const name of PUBLISHED) {
        // A tile past the loaded ones: new keys every round.
        const tile = tiles[name] + r;
        const publishMs = await publisher.publish(
          name,
          tile,
          `bench-supervision-${runId}-${kind}-${name}-${r}`,
        );
        const started = performance.now();
        const outcomes = await evaluateChanged(sql);
        const ms = performance.now() - started;
        const ran = outcomes.map((o) => o.rule);
        const missing = rules.filter((rule) => rule.datasets.includes(name) && !ran.includes(rule.id));
        if (missing.length)
          throw new Error(
            `${kind}: after a ${name} publish, evaluateChanged skipped ${missing.map((x) => x.id)}`,
          );
        const perRule = Object.fromEntries(outcomes.map((o) => [o.rule, o.ms]));
        incremental.push({ dataset: name, publishMs, ms, rules: ran, perRule, ratio: ms / fullMs });
      }
      const round: Round = {
        round: r + 1,
        first: order,
        direct: d,
        full: f,
        directMs,
        fullMs,
        overhead: (fullMs - directMs) / directMs,
        incremental,
      };
      measured.push(round);
      console.log(
        `${kind} round ${r + 1}/${rounds} (${order} first for the first rule, alternating): direct ${fixed(directMs / 1000, 2)} s, full ${fixed(fullMs / 1000, 2)} s, overhead ${pct(round.overhead)}; ${incremental.map((i) => `${i.dataset} +${PUBLISH_ROWS}: publish ${fixed(i.publishMs)} ms, evaluateChanged ${fixed(i.ms)} ms (${i.rules.length} rules, ${pct(i.ratio)} of full)`).join('; ')}`,
      );
    }
    return summarise(kind, where, load, firstMs, measured);
  } finally {
    await publisher.revoke().catch((error: Error) => console.error(`revoking keys: ${error.message}`));
    if (owner !== database.sql) await owner.end({ timeout: 5 });
    await database.close();
  }
}

const spreadOf = (values: number[], digits = 1): Spread => {
  const s = spread(values);
  const r = (v: number) => Number(v.toFixed(digits));
  return { median: r(s.median), min: r(s.min), max: r(s.max) };
};

function summarise(kind: Kind, where: string, load: Load, firstMs: number, measured: Round[]) {
  const perRule = rules.map((rule) => {
    const directMs = spreadOf(measured.map((r) => r.direct[rule.id].ms));
    const fullMs = spreadOf(measured.map((r) => r.full[rule.id].ms));
    const overhead = spreadOf(
      measured.map((r) => (r.full[rule.id].ms - r.direct[rule.id].ms) / r.direct[rule.id].ms),
      3,
    );
    return { rule: rule.id, found: measured.at(-1)?.direct[rule.id].found ?? 0, directMs, fullMs, overhead };
  });
  const incremental = PUBLISHED.map((dataset) => {
    const of = measured.flatMap((r) => r.incremental.filter((i) => i.dataset === dataset));
    return {
      dataset,
      rows: PUBLISH_ROWS,
      rules: of[0]?.rules ?? [],
      publishMs: spreadOf(of.map((i) => i.publishMs)),
      evaluateChangedMs: spreadOf(of.map((i) => i.ms)),
      ratio: spreadOf(
        of.map((i) => i.ratio),
        4,
      ),
      perRuleMs: Object.fromEntries(
        (of[0]?.rules ?? []).map((rule) => [rule, spreadOf(of.map((i) => i.perRule[rule] ?? Number.NaN))]),
      ),
    };
  });
  const summary = {
    kind,
    where,
    load,
    firstFullEvaluationMs: Math.round(firstMs),
    directMs: spreadOf(measured.map((r) => r.directMs)),
    fullMs: spreadOf(measured.map((r) => r.fullMs)),
    overhead: spreadOf(
      measured.map((r) => r.overhead),
      4,
    ),
    incremental,
    perRule,
    rounds: measured,
  };
  const range = (s: Spread, f: (v: number) => string) => `${f(s.median)} [${f(s.min)}–${f(s.max)}]`;
  console.log(`\n${kind} (${where}): median [min–max] over ${measured.length} rounds`);
  console.log(
    table(
      ['rule', 'situations', 'direct ms', 'engine ms', 'overhead'],
      perRule.map((p) => [
        p.rule,
        thousands(p.found),
        range(p.directMs, (v) => fixed(v, 0)),
        range(p.fullMs, (v) => fixed(v, 0)),
        range(p.overhead, pct),
      ]),
      1,
    ),
  );
  console.log(
    `all rules: direct ${range(summary.directMs, (v) => fixed(v / 1000, 2))} s, full ${range(summary.fullMs, (v) => fixed(v / 1000, 2))} s, engine overhead ${range(summary.overhead, pct)} (target ≤ ${pct(TARGET_OVERHEAD)})`,
  );
  for (const i of incremental) {
    console.log(
      `incremental after ${PUBLISH_ROWS} ${i.dataset} rows: publish ${range(i.publishMs, (v) => fixed(v, 0))} ms, evaluateChanged ${range(i.evaluateChangedMs, (v) => fixed(v, 0))} ms over ${i.rules.length} rules, ${range(i.ratio, pct)} of full (target ≤ ${pct(TARGET_INCREMENTAL)})`,
    );
    console.log(
      `  per rule (median ms): ${Object.entries(i.perRuleMs)
        .map(([rule, ms]) => `${rule} ${fixed(ms.median, 0)}`)
        .join(', ')}`,
    );
  }
  return summary;
}

export async function run(): Promise<void> {
  const scale = scaleSetting();
  const rounds = Math.min(envNumber('BENCH_SUPERVISION_ROUNDS', 3, { integer: true }), 20);
  const kinds = kindsSetting();
  const loadBefore = os.loadavg();
  const started = Date.now();
  const runId = Date.now().toString(36);
  console.log(
    `supervision benchmark: scale ${scale}, ${rounds} rounds, ${kinds.join(' and ')}; ${rules.length} rules`,
  );
  const results = [];
  for (const kind of kinds) results.push(await measureKind(kind, scale, rounds, runId));
  const loadAfter = os.loadavg();
  console.log(`\n${loadLine(loadBefore, loadAfter)}`);
  writeResults('supervision', {
    benchmark: 'supervision',
    when: new Date().toISOString(),
    machine: machine(loadBefore, loadAfter),
    code: await gitState(),
    settings: { scale, rounds, publishRows: PUBLISH_ROWS, published: PUBLISHED, kinds },
    targets: { incrementalOfFull: TARGET_INCREMENTAL, engineOverhead: TARGET_OVERHEAD },
    databases: results,
    seconds: Math.round((Date.now() - started) / 1000),
  });
}

runIfMain(import.meta.url, run);
