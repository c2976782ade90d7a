/**
 * The conditions a standard value applies to, with their names. The codes are the table's check
 * constraints (src/db/hubTables.ts) and the GraphQL enums (src/graphql/standards.ts); the standards'
 * figures themselves are data (migrations), so a new edition needs no change here.
 */

export interface Term {
  zh: string;
  en: string;
}

/** What a figure is: GB 15618 and GB 36600 screen and intervene, GB 2762 limits, GB/T 14848 classes. */
export const VALUE_KINDS = {
  SCREENING: { zh: '风险筛选值', en: 'Risk screening value' },
  INTERVENTION: { zh: '风险管制值', en: 'Risk intervention value' },
  LIMIT: { zh: '限量', en: 'Maximum level' },
  CLASS_LIMIT: { zh: '类别限值（该类上限）', en: 'Class limit (the upper bound of the class)' },
} as const satisfies Record<string, Term>;

/**
 * The land a soil figure applies to. GB 15618 tables columns by land ("水田" / "其他", and for Cu "果园" /
 * "其他"); each column is stored as one row per land use it covers, so that a measurement's land use finds
 * its row by equality whatever the element: Cd "其他" covers ORCHARD and OTHER_FARMLAND, Cu "其他" covers
 * PADDY and OTHER_FARMLAND.
 */
export const LAND_USES = {
  PADDY: { zh: '水田', en: 'Paddy field' },
  ORCHARD: { zh: '果园', en: 'Orchard' },
  OTHER_FARMLAND: {
    zh: '其他农用地（水田、果园以外：旱地、菜地、草地等）',
    en: 'Other farmland (neither paddy nor orchard: dry land, vegetable land, grassland…)',
  },
  CONSTRUCTION_FIRST: {
    zh: '第一类建设用地（住宅、中小学、医疗卫生、社会福利、社区公园等）',
    en: 'First-class construction land (housing, schools, hospitals, social welfare, community parks)',
  },
  CONSTRUCTION_SECOND: {
    zh: '第二类建设用地（工业、物流仓储、道路、公用设施、商业服务等）',
    en: 'Second-class construction land (industry, logistics, roads, utilities, commerce)',
  },
} as const satisfies Record<string, Term>;

/** GB 2762 food categories the hub's produce monitoring reports against. */
export const PRODUCE = {
  RICE: { zh: '稻谷、糙米、大米', en: 'Paddy rice, brown rice, milled rice' },
  WHEAT: { zh: '小麦、小麦粉', en: 'Wheat, wheat flour' },
  MAIZE: { zh: '玉米、玉米面（渣、片）', en: 'Maize, maize meal (grits, flakes)' },
  VEGETABLE: {
    zh: '新鲜蔬菜（另列限量的类别除外，见各行说明）',
    en: 'Fresh vegetables (the categories with limits of their own excepted: see each row’s note)',
  },
  LEAFY_VEGETABLE: { zh: '叶菜蔬菜', en: 'Leafy vegetables' },
} as const satisfies Record<string, Term>;

/** GB/T 14848 groundwater quality classes; class V has no upper bound (above IV). */
export const GROUNDWATER_CLASSES = {
  I: { zh: 'Ⅰ类', en: 'Class I' },
  II: { zh: 'Ⅱ类', en: 'Class II' },
  III: { zh: 'Ⅲ类', en: 'Class III' },
  IV: { zh: 'Ⅳ类', en: 'Class IV' },
  V: { zh: 'Ⅴ类', en: 'Class V' },
} as const satisfies Record<string, Term>;

export const UNITS = ['mg/kg', 'mg/L'] as const;

export type ValueKind = keyof typeof VALUE_KINDS;
export type LandUse = keyof typeof LAND_USES;
export type Produce = keyof typeof PRODUCE;
export type GroundwaterClass = keyof typeof GROUNDWATER_CLASSES;

/** `'A', 'B'`: a vocabulary's codes for a check constraint. */
export function sqlList(codes: readonly string[]): string {
  return codes.map((code) => `'${code}'`).join(', ');
}
