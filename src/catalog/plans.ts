/**
 * The plans that order the sharing (the basis of each mandate, src/catalog/types.ts `Mandate`), by the
 * titles the team's catalogue uses; one place to correct a title.
 */
export const PLANS = {
  /** Beijing's 14th-Five-Year soil pollution prevention plan. */
  fyp14: '北京市“十四五”时期土壤污染防治规划',
  /** Beijing's 2016 soil pollution prevention work plan. */
  workPlan2016: '北京市土壤污染防治工作方案',
  /** The State Council's Soil Pollution Action Plan (土十条), 2016. */
  national: '土壤污染防治行动计划',
  /** Beijing's yearly action plan of the 净土保卫战 (the 2024 edition sets the indicators' targets). */
  actionPlan2024: '北京市2024年净土保卫战行动计划',
} as const;
