import type { Rule } from '../rule.js';
import { closedEnterpriseUnscreened } from './closedEnterpriseUnscreened.js';
import { datasetStale } from './datasetStale.js';
import { exceedsScreeningUninvestigated } from './exceedsScreeningUninvestigated.js';
import { farmlandClassReview } from './farmlandClassReview.js';
import { foodCropsOnStrictControl } from './foodCropsOnStrictControl.js';
import { irrigationWaterFailed } from './irrigationWaterFailed.js';
import { keyUnitClosed } from './keyUnitClosed.js';
import { keyUnitLandChangeUninvestigated } from './keyUnitLandChangeUninvestigated.js';
import { permitBeforeRemediation } from './permitBeforeRemediation.js';
import { registerSiteSensitiveUse } from './registerSiteSensitiveUse.js';
import { sensitiveUseNearContaminated } from './sensitiveUseNearContaminated.js';

/** Every supervision rule, in the order of ../shared/SUPERVISION.md. A new rule: one file and one line. */
export const rules: readonly Rule[] = [
  registerSiteSensitiveUse,
  permitBeforeRemediation,
  sensitiveUseNearContaminated,
  keyUnitLandChangeUninvestigated,
  closedEnterpriseUnscreened,
  keyUnitClosed,
  exceedsScreeningUninvestigated,
  farmlandClassReview,
  foodCropsOnStrictControl,
  irrigationWaterFailed,
  datasetStale,
];

const byId = new Map(rules.map((rule) => [rule.id, rule]));

export function ruleById(id: string): Rule | undefined {
  return byId.get(id);
}
