import { closedEnterpriseScreening } from './closedEnterpriseScreening.js';
import { farmlandSafeUse } from './farmlandSafeUse.js';
import type { Indicator } from './indicator.js';
import { keyConstructionLandSafeUse } from './keyConstructionLandSafeUse.js';

/** The plans' indicators, in the order reports list them. */
export const indicators: readonly Indicator[] = [
  farmlandSafeUse,
  keyConstructionLandSafeUse,
  closedEnterpriseScreening,
];

export function indicatorById(id: string): Indicator | undefined {
  return indicators.find((indicator) => indicator.id === id);
}
