import { add } from 'date-fns';
import { PLANS } from '../../catalog/plans.js';
import { datasets } from '../../catalog/registry.js';
import { parseIsoDuration } from '../../jobs/duration.js';
import { isStale, lastPublished } from '../../jobs/freshness.js';
import { defineRule, type Situation } from '../rule.js';

const DAY_MS = 86_400_000;

/**
 * A dataset not published within its declared update cycle, judged as the freshness job judges it (its
 * last applied batch or changed record, `jobs/freshness.ts`), against the database's now(). No record is
 * at fault, so its evidence is the dataset as a whole: one evidence entry with the dataset, an empty key
 * and the owner as publisher, which makes the alert's identity the rule and the dataset. The measure is the
 * whole days past the end of the cycle; none when the dataset was never published.
 */
export const datasetStale = defineRule({
  id: 'DATASET_STALE',
  zh: '共享数据未按更新周期更新',
  en: 'A shared dataset not updated within its update cycle',
  description: {
    zh: '数据资源提供部门未在目录声明的更新周期内更新共享数据',
    en: 'A department has not published its dataset within the update cycle the catalogue declares',
  },
  basis: { plan: PLANS.fyp14, article: '四(二)3', quote: '数据资源的产生和提供部门及时响应、更新共享数据' },
  severity: 'LOW',
  // The owner department (the evidence's publisher) must publish; the ecology bureau runs the hub.
  actors: ['OWNER', 'ECOLOGY'],
  // Every dataset, by no field: a publish to any of them may end its situation.
  reads: Object.fromEntries(datasets.map((dataset) => [dataset.name, []])),
  // Full run: no record is at fault, and the days passing make its situations; it reads one row per dataset.
  async find({ sql }) {
    const [{ ms }] = await sql<{ ms: number }[]>`select (extract(epoch from now()) * 1000)::float8 as ms`;
    const now = new Date(Number(ms));
    const situations: Situation[] = [];
    for (const dataset of datasets) {
      const last = await lastPublished(sql, dataset);
      if (!isStale(dataset, last, now)) continue;
      const due = last && add(last, parseIsoDuration(dataset.updateCycle));
      situations.push({
        evidence: [{ dataset: dataset.name, key: {}, district: null, publisher: dataset.owner }],
        district: null,
        measure: due
          ? { kind: 'DAYS_OVERDUE', value: Math.floor((now.getTime() - due.getTime()) / DAY_MS) }
          : null,
      });
    }
    return situations;
  },
});
