import { execFile } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { datasetByName } from '../../src/catalog/registry.js';
import { evaluateChanged, findSituations } from '../../src/supervision/evaluate.js';
import type { Rule } from '../../src/supervision/rule.js';
import { registerSiteSensitiveUse as rule } from '../../src/supervision/rules/registerSiteSensitiveUse.js';
import { onPublished } from '../../src/sync/published.js';
import { publishLockName } from '../../src/sync/publishLock.js';
import { withTestDatabase } from '../support/db.js';
import { outgoingRecord, square, uniqueId } from '../support/records.js';
import { seed } from '../support/seed.js';

/**
 * How evaluation is driven: incrementally after publishes (only the rules whose datasets changed), and on
 * demand from the command line. Other files publish into the same database at the same time, so "nothing
 * changed" is checked against the datasets' change sequence read around the call.
 */

const { db, sql } = withTestDatabase();
const id = uniqueId();
const lon = 115.48 + Math.random() * 0.02;

async function changeSeq(): Promise<number> {
  const [row] = await sql<{ seq: string | null }[]>`
    select greatest((select max(change_seq) from land_use_change), (select max(change_seq) from contaminated_site)) as seq`;
  return Number(row.seq ?? 0);
}

async function markOf(): Promise<number | undefined> {
  const [row] = await sql<
    { seq: string }[]
  >`select evaluated_seq::text as seq from supervision_state where rule = ${rule.id}`;
  return row ? Number(row.seq) : undefined;
}

describe('incremental evaluation', { timeout: 120_000 }, () => {
  it('runs a rule after a publish into one of its datasets, and not again while they stay unchanged', async () => {
    const first = await changeSeq();
    await evaluateChanged(sql, [rule]);
    expect(await markOf()).toBeGreaterThanOrEqual(first);

    const before = await changeSeq();
    const again = await evaluateChanged(sql, [rule]);
    if ((await changeSeq()) === before) expect(again).toEqual([]);

    const site = outgoingRecord('contaminatedSite', `ev${id}`, {
      boundary: square(lon, 39.43, 0.002),
      status: 'LISTED',
    });
    const plot = outgoingRecord('landUseChange', `ev${id}`, {
      parcelCode: `EV-${id}`,
      district: site.district,
      boundary: square(lon + 0.001, 39.431, 0.002),
    });
    const announced: string[] = [];
    const stop = onPublished((dataset) => announced.push(dataset));
    try {
      await seed(db).records('contaminatedSite', [site]).records('landUseChange', [plot]);
      // The same batch again changes nothing: it is not announced.
      await seed(db).records('landUseChange', [plot]);
    } finally {
      stop();
    }
    expect(announced.filter((d) => d === 'landUseChange' || d === 'contaminatedSite')).toEqual([
      'contaminatedSite',
      'landUseChange',
    ]);

    const published = await changeSeq();
    const outcomes = await evaluateChanged(sql, [rule]);
    expect(outcomes.map((o) => o.rule)).toEqual([rule.id]);
    expect(await markOf()).toBeGreaterThanOrEqual(published);
    const [alert] = await sql<{ state: string }[]>`
      select state from alert where rule = ${rule.id}
        and evidence @> ${JSON.stringify([{ dataset: 'landUseChange', key: { parcelCode: plot.parcelCode } }])}::jsonb`;
    expect(alert?.state).toBe('OPEN');
  });
});

// PGlite has no statement_timeout to run past: this is for the server.
describe.skipIf(inject('databaseKind') !== 'server')('a rule slower than a request may be', () => {
  it('is found in a transaction whose statement_timeout it outlasts', async () => {
    const slow: Rule = {
      ...rule,
      id: `SLOW_TEST_${id}`,
      incremental: undefined,
      find: async ({ sql: tx }) => {
        await tx`select pg_sleep(0.4)`;
        return [];
      },
    };
    await sql.begin(async (tx) => {
      await tx`set local statement_timeout = 200`;
      await expect(tx.savepoint((sp) => sp`select pg_sleep(0.4)`)).rejects.toMatchObject({ code: '57014' });
      expect(await findSituations(tx as unknown as typeof sql, slow)).toEqual([]);
    });
  });
});

// Two connections at once: PGlite serves one transaction at a time, so this is for the server.
describe.skipIf(inject('databaseKind') !== 'server')('a publish in flight during an evaluation', () => {
  it("is not skipped by the mark, though another dataset's later change committed first", {
    timeout: 120_000,
  }, async () => {
    const lon2 = 115.5 + Math.random() * 0.02;
    const site = outgoingRecord('contaminatedSite', `fl${id}`, {
      boundary: square(lon2, 39.44, 0.002),
      status: 'REMOVED',
    });
    const plot = outgoingRecord('landUseChange', `fl${id}`, {
      parcelCode: `FL-${id}`,
      district: site.district,
      boundary: square(lon2 + 0.001, 39.441, 0.002),
    });
    await seed(db).records('contaminatedSite', [site]).records('landUseChange', [plot]);
    await evaluateChanged(sql, [rule]);

    // A publish into the sites in flight: it holds the dataset's lock and has drawn its change sequence,
    // as the merge does, but not committed yet; meanwhile a plot elsewhere is published and committed.
    const table = datasetByName('contaminatedSite')?.table as string;
    let commit = () => {};
    const committed = new Promise<void>((resolve) => {
      commit = resolve;
    });
    let inFlight = () => {};
    const drawn = new Promise<void>((resolve) => {
      inFlight = resolve;
    });
    const publishing = sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext(${publishLockName('contaminatedSite')}))`;
      await tx`update ${tx(table)} set status = 'LISTED', change_seq = nextval('hub_change_seq')
        where site_code = ${site.siteCode as string}`;
      inFlight();
      await committed;
    });
    await drawn;
    await seed(db).records('landUseChange', [
      { ...plot, parcelCode: `FL-${id}-2`, boundary: square(lon2 + 0.01, 39.45, 0.001) },
    ]);
    const evaluating = evaluateChanged(sql, [rule]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    commit();
    await publishing;
    await evaluating;
    // The site's change is seen now or by the next run, never skipped.
    await evaluateChanged(sql, [rule]);
    const [alert] = await sql<{ state: string }[]>`
      select state from alert where rule = ${rule.id}
        and evidence @> ${JSON.stringify([{ dataset: 'landUseChange', key: { parcelCode: plot.parcelCode } }])}::jsonb`;
    expect(alert?.state).toBe('OPEN');
  });
});

describe('jingtu supervise run', { timeout: 120_000 }, () => {
  const run = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'node',
        ['bin/jingtu.js', 'supervise', 'run', ...args],
        { env: { ...process.env, DATABASE_URL: inject('databaseUrl'), LOG_LEVEL: 'warn', CI: '1' } },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('evaluates the rules named and prints what each found, opened and resolved', {
    timeout: 120_000,
  }, async () => {
    const result = await run('--rule', rule.id);
    expect(result, result.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toMatch(
      new RegExp(
        `^${rule.id}: \\d+ found, \\d+ opened, \\d+ reopened, \\d+ resolved \\(\\d+ ms\\)\\n1 of 1 rules evaluated\\n$`,
      ),
    );
  });

  it('refuses an unknown rule with one line naming the rules there are', { timeout: 120_000 }, async () => {
    const result = await run('--rule', 'NO_SUCH_RULE');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^jingtu: no rule NO_SUCH_RULE \(rules: REGISTER_SITE_SENSITIVE_USE, /);
  });
});
