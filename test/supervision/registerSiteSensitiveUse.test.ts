import { describe, expect, it } from 'vitest';
import { EffectiveAccess } from '../../src/access/effectiveAccess.js';
import { type Authenticated, principalByCode } from '../../src/access/keys.js';
import { demoRecords } from '../../src/demo/rows.js';
import { demoStories } from '../../src/demo/stories.js';
import type { GeoPolygon } from '../../src/domain/geometry.js';
import { Alerts } from '../../src/supervision/alerts.js';
import { evaluateRules, findSituations } from '../../src/supervision/evaluate.js';
import { registerSiteSensitiveUse as rule } from '../../src/supervision/rules/registerSiteSensitiveUse.js';
import { outgoingRecord, square, uniqueId } from '../support/records.js';
import { seed } from '../support/seed.js';
import {
  demoSituationIds,
  expectMeasures,
  recordId,
  sharedArea,
  situationId,
  withDemoDatabase,
} from '../support/supervision.js';

const { db, sql } = withDemoDatabase();

describe('REGISTER_SITE_SENSITIVE_USE', { timeout: 120_000 }, () => {
  it('finds exactly the demo plots rezoned onto a listed site: every pair of records compared here', async () => {
    const plots = demoRecords().get('landUseChange') ?? [];
    const listed = (demoRecords().get('contaminatedSite') ?? []).filter((s) => s.status === 'LISTED');
    const expected = new Map<string, number>();
    for (const plot of plots) {
      for (const site of listed) {
        const area = sharedArea(plot.boundary as GeoPolygon, site.boundary as GeoPolygon);
        if (area > 0) {
          const id = [recordId('contaminatedSite', site), recordId('landUseChange', plot)].sort().join(' + ');
          expected.set(id, area);
        }
      }
    }
    const found = await findSituations(sql, rule);
    expect(demoSituationIds(found)).toEqual([...expected.keys()].sort());
    expect(expected.size).toBeGreaterThan(0);

    // The demo's own story: plots drawn onto listed sites are found, those on removed sites are not.
    const ids = new Set(demoSituationIds(found));
    const story = demoStories().rezonedRegisterSites;
    for (const { parcelCode, siteCode, siteStatus } of story) {
      const id = [recordId('contaminatedSite', { siteCode }), recordId('landUseChange', { parcelCode })]
        .sort()
        .join(' + ');
      expect(ids.has(id), `${parcelCode} on ${siteCode} (${siteStatus})`).toBe(siteStatus === 'LISTED');
    }
    expect(story.some((s) => s.siteStatus === 'REMOVED')).toBe(true);

    // Each measure is the shared area, in m², as measured here; the district is the plot's.
    const checked = found.filter((situation) => expected.has(situationId(situation)));
    expect(checked).toHaveLength(expected.size);
    expectMeasures(checked, expected, 'OVERLAP_AREA_M2', {
      digits: 0,
      districtFrom: (e) => e.dataset === 'landUseChange',
    });
  });

  it('opens an alert, sees it again, resolves it when the site leaves the register and reopens it when listed again', async () => {
    const id = uniqueId();
    // A corner of the map no demo record uses, different for every run.
    const lon = 115.45 + Math.random() * 0.05;
    const site = outgoingRecord('contaminatedSite', `s${id}`, {
      boundary: square(lon, 39.45, 0.002),
      status: 'LISTED',
    });
    const plot = outgoingRecord('landUseChange', `p${id}`, {
      parcelCode: `T-${id}`,
      boundary: square(lon + 0.001, 39.451, 0.002),
      district: site.district,
    });
    await seed(db).records('contaminatedSite', [site]).records('landUseChange', [plot]);

    const alertOf = async () => {
      const rows = await sql<
        { id: string; state: string; last_seen_at: string; reopened_count: number; measure_value: number }[]
      >`
        select id, state, last_seen_at::text, reopened_count, measure_value from alert
        where rule = ${rule.id} and evidence @> ${JSON.stringify([{ dataset: 'landUseChange', key: { parcelCode: plot.parcelCode } }])}::jsonb`;
      return rows;
    };
    const eventsOf = async (alertId: string) =>
      (
        await sql<{ event: string }[]>`select event from alert_event where alert_id = ${alertId} order by id`
      ).map((e) => e.event);

    await evaluateRules(sql, [rule]);
    const [opened] = await alertOf();
    expect(opened.state).toBe('OPEN');

    await evaluateRules(sql, [rule]);
    const again = await alertOf();
    expect(again).toHaveLength(1);
    // Found again unchanged by a full evaluation: the row is not rewritten, and it was seen at that evaluation.
    expect(again[0]).toEqual(opened);
    const [state] = await sql<{ at: string }[]>`
      select full_evaluated_at::text as at from supervision_state where rule = ${rule.id}`;
    expect(state.at > opened.last_seen_at).toBe(true);
    const ecology = (await principalByCode(db, 'ECOLOGY', 'test')) as Authenticated;
    const seenAgain = await new Alerts(db, new EffectiveAccess(ecology.principal, ecology.grants)).byId(
      opened.id,
    );
    expect(new Date(seenAgain?.lastSeenAt as string)).toEqual(new Date(state.at));

    // The plot redrawn: the same situation with another overlap, written again by the full evaluation (its
    // digest differs), with no event: the alert did not open or resolve.
    await seed(db).records('landUseChange', [{ ...plot, boundary: square(lon + 0.0015, 39.451, 0.002) }]);
    await evaluateRules(sql, [rule]);
    const [changed] = await alertOf();
    expect(changed).toMatchObject({ id: opened.id, state: 'OPEN', reopened_count: 0 });
    expect(changed.measure_value).toBeLessThan(opened.measure_value * 0.75);
    expect(changed.last_seen_at > state.at).toBe(true);
    expect(await eventsOf(opened.id)).toEqual(['OPENED']);

    await seed(db).records('contaminatedSite', [{ ...site, status: 'REMOVED' }]);
    await evaluateRules(sql, [rule]);
    const [resolved] = await alertOf();
    expect(resolved.state).toBe('RESOLVED');
    // Last seen: when the rule last ran in full and found it.
    expect(resolved.last_seen_at).toBe(changed.last_seen_at);

    await seed(db).records('contaminatedSite', [{ ...site, status: 'LISTED' }]);
    await evaluateRules(sql, [rule]);
    const [reopened] = await alertOf();
    expect(reopened).toMatchObject({ id: opened.id, state: 'OPEN', reopened_count: 1 });
    expect(await eventsOf(opened.id)).toEqual(['OPENED', 'RESOLVED', 'REOPENED']);
  });
});
