/**
 * The plans that order the sharing (the basis of each mandate, src/catalog/types.ts `Mandate`), by the
 * titles the team's catalogue uses; one place to correct a title.
 */
export const PLANS = {
  /** Beijing's 14th-Five-Year soil pollution prevention plan. */
  fyp14: '北京市“十四五”时期土壤污染防治规划',
  /** Beijing's 2016 soil pollution prevention work plan. */
  workPlan2016: '北京市土壤污染防治工作方案',
} as const;
