import { describe, expect, it } from 'vitest';
import { demoRecords } from '../../src/demo/rows.js';
import type { GeoPolygon } from '../../src/domain/geometry.js';
import { evaluateRules, findSituations } from '../../src/supervision/evaluate.js';
import { sensitiveUseNearContaminated as rule } from '../../src/supervision/rules/sensitiveUseNearContaminated.js';
import { outgoingRecord, square, uniqueId } from '../support/records.js';
import { seed } from '../support/seed.js';
import {
  boxOf,
  demoSituationIds,
  metresPerDegree,
  recordId,
  sharedArea,
  situationId,
  withDemoDatabase,
} from '../support/supervision.js';

const { db, sql } = withDemoDatabase();

/**
 * The gap between two polygons that share no area, measured here on its own terms: both rings on a plane
 * in metres (WGS84 radii of curvature at the pair's latitude), the least vertex-to-edge distance.
 */
function gapM(a: GeoPolygon, b: GeoPolygon): number {
  const metres = metresPerDegree(a.coordinates[0][0][1]);
  const plane = (p: GeoPolygon) => p.coordinates[0].map(([x, y]) => [x * metres.lon, y * metres.lat]);
  const toEdges = (ring: number[][], points: number[][]) => {
    let best = Number.POSITIVE_INFINITY;
    for (const [px, py] of points) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const [[x1, y1], [x2, y2]] = [ring[i], ring[i + 1]];
        const len2 = (x2 - x1) ** 2 + (y2 - y1) ** 2;
        const t = Math.max(0, Math.min(1, ((px - x1) * (x2 - x1) + (py - y1) * (y2 - y1)) / len2));
        best = Math.min(best, Math.hypot(px - (x1 + t * (x2 - x1)), py - (y1 + t * (y2 - y1))));
      }
    }
    return best;
  };
  const [ra, rb] = [plane(a), plane(b)];
  return Math.min(toEdges(ra, rb), toEdges(rb, ra));
}

/** Pairs of a demo plot and a listed, unremediated demo site within `limit` m, sharing no area. */
function expectedPairs(limit: number): {
  pairs: Map<string, number>;
  unsure: Set<string>;
  remediated: number;
} {
  const records = demoRecords();
  const finished = new Set(
    (records.get('remediationStage') ?? [])
      .filter((r) => (r.stage === 'EFFECT_EVALUATION' || r.stage === 'REMOVED') && r.finishedOn)
      .map((r) => r.plotCode as string),
  );
  const listed = (records.get('contaminatedSite') ?? []).filter((s) => s.status === 'LISTED');
  const plots = records.get('landUseChange') ?? [];
  const margin = limit / 80000;
  const pairs = new Map<string, number>();
  const unsure = new Set<string>();
  let remediated = 0;
  for (const site of listed) {
    const shape = site.boundary as GeoPolygon;
    const [x0, y0, x1, y1] = boxOf(shape);
    for (const plot of plots) {
      const other = plot.boundary as GeoPolygon;
      const [a0, b0, a1, b1] = boxOf(other);
      if (a1 < x0 - margin || a0 > x1 + margin || b1 < y0 - margin || b0 > y1 + margin) continue;
      if (sharedArea(shape, other) > 0) continue;
      const gap = gapM(shape, other);
      const id = [recordId('contaminatedSite', site), recordId('landUseChange', plot)].sort().join(' + ');
      // The rule measures on turf's sphere, this on the ellipsoid: within 0.5% of the limit, either may hold.
      if (Math.abs(gap - limit) <= limit * 0.005) unsure.add(id);
      if (gap > limit) continue;
      if (finished.has(site.siteCode as string)) {
        remediated++;
        continue;
      }
      pairs.set(id, gap);
    }
  }
  for (const id of unsure) pairs.delete(id);
  return { pairs, unsure, remediated };
}

describe('SENSITIVE_USE_NEAR_CONTAMINATED', { timeout: 120_000 }, () => {
  it('finds exactly the demo plots within 500 m of a listed site whose remediation is not finished', async () => {
    const { pairs, unsure, remediated } = expectedPairs(500);
    const found = await findSituations(sql, rule);
    expect(demoSituationIds(found).filter((id) => !unsure.has(id))).toEqual([...pairs.keys()].sort());
    expect(pairs.size).toBeGreaterThan(0);
    // Listed sites whose effect evaluation is done are not situations, however near.
    expect(remediated).toBeGreaterThan(0);

    const checked = found.filter((s) => pairs.has(situationId(s)));
    expect(checked).toHaveLength(pairs.size);
    for (const situation of checked) {
      const plot = situation.evidence.find((e) => e.dataset === 'landUseChange');
      expect(situation.measure?.kind).toBe('DISTANCE_M');
      expect(situation.measure?.value).toBeLessThanOrEqual(500);
      const gap = pairs.get(situationId(situation)) as number;
      expect(Math.abs((situation.measure?.value as number) - gap)).toBeLessThan(Math.max(0.5, gap * 0.005));
      expect(situation.district).toBe(plot?.district);
    }
  });

  it('takes the distance as a parameter', async () => {
    const { pairs, unsure } = expectedPairs(1500);
    const found = await findSituations(sql, rule, { distanceM: 1500 });
    expect(demoSituationIds(found).filter((id) => !unsure.has(id))).toEqual([...pairs.keys()].sort());
    expect(pairs.size).toBeGreaterThan(expectedPairs(500).pairs.size);
  });

  it('opens an alert for a plot 200 m from a listed site and resolves it once the effect evaluation is finished', async () => {
    const id = uniqueId();
    const lon = 115.4 + Math.random() * 0.04;
    const site = outgoingRecord('contaminatedSite', `s${id}`, {
      siteCode: `BJML-110115-${id}`,
      district: '110115',
      boundary: square(lon, 39.43, 0.002),
      status: 'LISTED',
    });
    // 200 m east of the site: 0.002° plus 200 m in degrees of longitude at 39.43°N.
    const plot = outgoingRecord('landUseChange', `p${id}`, {
      parcelCode: `T-${id}`,
      district: '110115',
      boundary: square(lon + 0.002 + 200 / 85995, 39.43, 0.002),
    });
    await seed(db).records('contaminatedSite', [site]).records('landUseChange', [plot]);
    const alertOf = async () =>
      sql<{ state: string; measure_value: number }[]>`
        select state, measure_value from alert
        where rule = ${rule.id} and evidence @> ${JSON.stringify([{ dataset: 'landUseChange', key: { parcelCode: plot.parcelCode } }])}::jsonb`;

    await evaluateRules(sql, [rule]);
    const [opened] = await alertOf();
    expect(opened.state).toBe('OPEN');
    expect(Math.abs(opened.measure_value - 200)).toBeLessThan(2);
    // Not within 150 m.
    const pair = [recordId('contaminatedSite', site), recordId('landUseChange', plot)].sort().join(' + ');
    expect((await findSituations(sql, rule, { distanceM: 150 })).map(situationId)).not.toContain(pair);

    await seed(db).records('remediationStage', [
      outgoingRecord('remediationStage', `r${id}`, {
        plotCode: site.siteCode,
        district: '110115',
        stage: 'EFFECT_EVALUATION',
        startedOn: '2026-03-01',
        finishedOn: '2026-06-30',
      }),
    ]);
    await evaluateRules(sql, [rule]);
    const [resolved] = await alertOf();
    expect(resolved.state).toBe('RESOLVED');
  });
});
