import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/catalog/define.js';
import { datasetByName } from '../../src/catalog/registry.js';
import { DEFAULT_LIMITS } from '../../src/config.js';
import type { GraphqlResponse } from '../support/hub.js';
import {
  asCallers,
  type Caller,
  checkPlan,
  fullQuery,
  HOME,
  type PlanItem,
  ResponseCheck,
  Tally,
  type View,
  withLeakWorld,
} from '../support/leaks.js';

/**
 * Interleaved concurrent requests of different principals on the same rows: every response must equal what
 * that principal gets when it asks alone. Anything that bleeds across requests (context, DataLoader
 * caches, graphql-shield caches, per-request access decisions, masking) shows up as a difference.
 */

// 200 requests at once wait their turn on embedded PGlite's one session: on a loaded machine the last ones
// pass the default 30 s request deadline (408), which is not what this test is about.
const { hub, world } = withLeakWorld({ limits: { ...DEFAULT_LIMITS, requestTimeoutMs: 200_000 } });

const ds = (name: string) => datasetByName(name) as Dataset;

/** Queries over rows with masked, conditional, private, publisher-owned and district-scoped values. */
const QUERY_SETS: Record<string, string[]> = {
  permits: ['constructionPermit'],
  plots: ['landUseChange'],
  enterprises: ['closedEnterprise', 'siteScreening'],
  ledger: ['siteScreening', 'priorityPlot'],
  soil: ['soilMonitoring'],
  pesticide: ['pesticideUse'],
  units: ['keySupervisedUnit', 'landRightChange'],
};

/** The body without what differs by design between two identical requests (request id, error order). */
function normalise(body: GraphqlResponse['body']) {
  const { extensions, ...rest } = body;
  const { requestId: _ignored, ...otherExtensions } = extensions ?? {};
  const errors = body.errors?.map((e) => JSON.stringify(e)).sort();
  return { ...rest, errors, extensions: otherExtensions };
}

/** A deterministic shuffle (mulberry32). */
function shuffle<T>(items: T[], seed: number): T[] {
  let a = seed >>> 0;
  const random = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

describe('concurrent requests', () => {
  it('200 interleaved requests of owners, consumers, a grant holder and a district equal their solo answers', async () => {
    const labels = ['HOUSING', 'PLANNING', 'FORESTRY', 'WATER', 'GRANT_HOLDER', `DISTRICT_${HOME}`];
    const callers: Caller[] = labels.map((l) => world.caller(l));
    const queries = Object.entries(QUERY_SETS).map(([name, sets]) => ({
      name,
      ...fullQuery(
        world.fx,
        sets.map((s) => ds(s)),
      ),
    }));
    const pairs = callers.flatMap((caller) => queries.map((query) => ({ caller, query })));

    const { result } = await asCallers(hub, callers, async (views) => {
      /** Checks an answer against the oracle, into a tally. */
      const checkAnswer = (tally: Tally, { caller, query }: (typeof pairs)[number], res: GraphqlResponse) => {
        const check = new ResponseCheck(
          tally,
          world.fx,
          views.get(caller.label) as View,
          res.body,
          query.name,
        );
        checkPlan(check, query.plan as PlanItem[]);
        check.finish();
      };
      // Solo answers, one request at a time, each checked against the oracle as well.
      const tally = new Tally();
      const solo = new Map<string, ReturnType<typeof normalise>>();
      for (const { caller, query } of pairs) {
        const res = await hub.graphql(caller.key, query.query);
        checkAnswer(tally, { caller, query }, res);
        solo.set(`${caller.label}|${query.name}`, normalise(res.body));
      }
      // The same requests, 200 in flight at once, interleaved.
      const burst = shuffle(
        Array.from({ length: 200 }, (_, i) => pairs[i % pairs.length]),
        20_240_611,
      );
      const answers = await Promise.all(
        burst.map(({ caller, query }) => hub.graphql(caller.key, query.query)),
      );
      const differences: string[] = [];
      const concurrent = new Tally();
      answers.forEach((res, i) => {
        const { caller, query } = burst[i];
        checkAnswer(concurrent, burst[i], res);
        const expected = solo.get(`${caller.label}|${query.name}`);
        const got = normalise(res.body);
        if (!isDeepStrictEqual(got, expected)) {
          const a = JSON.stringify(expected);
          const b = JSON.stringify(got);
          let at = 0;
          while (at < a.length && a[at] === b[at]) at++;
          differences.push(
            `request ${i} (${caller.label}, ${query.name}) differs from its solo answer at char ${at}: solo …${a.slice(Math.max(0, at - 80), at + 120)}… concurrent …${b.slice(Math.max(0, at - 80), at + 120)}…`,
          );
        }
      });
      return { tally, concurrent, differences, statuses: answers.map((a) => a.status) };
    });
    console.log(
      `concurrency: ${pairs.length} solo answers (${result.tally.summary()}), 200 concurrent requests (${result.concurrent.summary()}), ${result.differences.length} differences`,
    );
    expect([...new Set(result.statuses)], JSON.stringify(result.statuses)).toEqual([200]);
    expect(result.tally.problems(), 'solo answers against the oracle').toEqual([]);
    expect(result.differences.slice(0, 10)).toEqual([]);
    expect(result.concurrent.problems(), 'concurrent answers against the oracle').toEqual([]);
  }, 300_000);
});
