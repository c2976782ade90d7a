import type { LandCategoryCode } from './geography.js';

/** Words the demo data is made of: industries (GB/T 4754-2017), crops, pesticides, fertilisers, names. */

export type Hazard = 'high' | 'medium' | 'low';

export interface Industry {
  /** GB/T 4754-2017 code: section letter and class digits, e.g. C2614. */
  code: string;
  name: string;
  /** The old-style factory word (北京市通州区永乐店化工厂), where the trade has one. */
  factory?: string;
  /** Words that go into an enterprise's name (北京某某化工有限公司). */
  words: readonly string[];
  /** Soil-pollution potential of the former site. */
  hazard: Hazard;
  /** Typical pollutants of the site (for the register). */
  pollutants: readonly string[];
  /** Weight among closed enterprises (疏解整治 closures). */
  closed: number;
  /** Weight among key supervised units (重点监管单位). */
  keyUnit: number;
}

export const industries: readonly Industry[] = [
  {
    code: 'C2511',
    name: '原油加工及石油制品制造',
    factory: '炼油厂',
    words: ['石油化工', '石化', '炼油'],
    hazard: 'high',
    pollutants: ['石油烃(C10-C40)', '苯', '多环芳烃', '苯并[a]芘'],
    closed: 0.5,
    keyUnit: 4,
  },
  {
    code: 'C2520',
    name: '炼焦',
    factory: '焦化厂',
    words: ['焦化', '煤化工'],
    hazard: 'high',
    pollutants: ['苯并[a]芘', '多环芳烃', '氰化物', '苯'],
    closed: 0.3,
    keyUnit: 0,
  },
  {
    code: 'C2613',
    name: '无机盐制造',
    factory: '化工厂',
    words: ['无机化工', '化学', '化工'],
    hazard: 'high',
    pollutants: ['砷', '铬', '铅', '氟化物'],
    closed: 2,
    keyUnit: 1,
  },
  {
    code: 'C2614',
    name: '有机化学原料制造',
    factory: '化工厂',
    words: ['化工', '有机化工', '精细化工'],
    hazard: 'high',
    pollutants: ['苯', '甲苯', '氯苯', '1,2-二氯乙烷', '挥发性有机物'],
    closed: 6,
    keyUnit: 6,
  },
  {
    code: 'C2631',
    name: '化学农药制造',
    factory: '农药厂',
    words: ['农药', '农化', '植保化工'],
    hazard: 'high',
    pollutants: ['滴滴涕', '六六六', '有机磷农药', '砷'],
    closed: 2,
    keyUnit: 2,
  },
  {
    code: 'C2641',
    name: '涂料制造',
    factory: '油漆厂',
    words: ['涂料', '油漆', '化工涂料'],
    hazard: 'high',
    pollutants: ['铅', '铬', '苯', '甲苯', '二甲苯'],
    closed: 5,
    keyUnit: 3,
  },
  {
    code: 'C2642',
    name: '油墨及类似产品制造',
    factory: '油墨厂',
    words: ['油墨', '颜料'],
    hazard: 'medium',
    pollutants: ['铅', '甲苯', '挥发性有机物'],
    closed: 2,
    keyUnit: 0.5,
  },
  {
    code: 'C2651',
    name: '初级形态塑料及合成树脂制造',
    factory: '树脂厂',
    words: ['树脂', '合成材料', '高分子材料'],
    hazard: 'high',
    pollutants: ['苯乙烯', '苯', '挥发性有机物'],
    closed: 3,
    keyUnit: 4,
  },
  {
    code: 'C2662',
    name: '专项化学用品制造',
    factory: '助剂厂',
    words: ['化学助剂', '特种化学品', '化学试剂'],
    hazard: 'high',
    pollutants: ['甲苯', '二氯甲烷', '铬', '挥发性有机物'],
    closed: 3,
    keyUnit: 4,
  },
  {
    code: 'C2710',
    name: '化学药品原料药制造',
    factory: '制药厂',
    words: ['制药', '药业', '生物医药'],
    hazard: 'high',
    pollutants: ['二氯甲烷', '甲苯', '三氯甲烷', '挥发性有机物'],
    closed: 3,
    keyUnit: 7,
  },
  {
    code: 'C1713',
    name: '棉印染精加工',
    factory: '印染厂',
    words: ['印染', '纺织印染'],
    hazard: 'medium',
    pollutants: ['苯胺', '铬', '锑'],
    closed: 3,
    keyUnit: 0,
  },
  {
    code: 'C1910',
    name: '皮革鞣制加工',
    factory: '制革厂',
    words: ['皮革', '制革'],
    hazard: 'high',
    pollutants: ['六价铬', '硫化物'],
    closed: 1,
    keyUnit: 0,
  },
  {
    code: 'C2110',
    name: '木质家具制造',
    factory: '家具厂',
    words: ['家具', '木业', '家居'],
    hazard: 'low',
    pollutants: ['甲苯', '二甲苯'],
    closed: 8,
    keyUnit: 0,
  },
  {
    code: 'C2221',
    name: '机制纸及纸板制造',
    factory: '造纸厂',
    words: ['造纸', '纸业'],
    hazard: 'medium',
    pollutants: ['铬', '石油烃(C10-C40)'],
    closed: 2,
    keyUnit: 0,
  },
  {
    code: 'C2311',
    name: '书、报刊印刷',
    factory: '印刷厂',
    words: ['印刷', '彩印', '印务'],
    hazard: 'low',
    pollutants: ['铅', '甲苯'],
    closed: 8,
    keyUnit: 0,
  },
  {
    code: 'C1431',
    name: '速冻食品制造',
    factory: '食品厂',
    words: ['食品', '冷冻食品'],
    hazard: 'low',
    pollutants: ['石油烃(C10-C40)'],
    closed: 4,
    keyUnit: 0,
  },
  {
    code: 'C3011',
    name: '水泥制造',
    factory: '水泥厂',
    words: ['水泥', '建材'],
    hazard: 'low',
    pollutants: ['铬', '铅'],
    closed: 2,
    keyUnit: 0.5,
  },
  {
    code: 'C3021',
    name: '水泥制品制造',
    factory: '构件厂',
    words: ['混凝土', '建材', '构件'],
    hazard: 'low',
    pollutants: ['石油烃(C10-C40)'],
    closed: 8,
    keyUnit: 0,
  },
  {
    code: 'C3041',
    name: '平板玻璃制造',
    factory: '玻璃厂',
    words: ['玻璃', '玻璃制品'],
    hazard: 'medium',
    pollutants: ['铅', '砷'],
    closed: 1,
    keyUnit: 0,
  },
  {
    code: 'C3110',
    name: '炼铁',
    factory: '钢铁厂',
    words: ['钢铁', '冶金'],
    hazard: 'high',
    pollutants: ['铅', '镉', '砷', '多环芳烃', '苯并[a]芘'],
    closed: 0.3,
    keyUnit: 0,
  },
  {
    code: 'C3130',
    name: '钢压延加工',
    factory: '轧钢厂',
    words: ['钢材', '轧钢', '金属材料'],
    hazard: 'medium',
    pollutants: ['铬', '镍', '石油烃(C10-C40)'],
    closed: 4,
    keyUnit: 2,
  },
  {
    code: 'C3252',
    name: '铝压延加工',
    factory: '铝材厂',
    words: ['铝业', '铝材'],
    hazard: 'medium',
    pollutants: ['铬', '氟化物'],
    closed: 2,
    keyUnit: 1,
  },
  {
    code: 'C3311',
    name: '金属结构制造',
    factory: '钢结构厂',
    words: ['钢结构', '金属结构'],
    hazard: 'low',
    pollutants: ['石油烃(C10-C40)'],
    closed: 4,
    keyUnit: 0,
  },
  {
    code: 'C3360',
    name: '金属表面处理及热处理加工',
    factory: '电镀厂',
    words: ['电镀', '表面处理', '热处理'],
    hazard: 'high',
    pollutants: ['六价铬', '镍', '铜', '锌', '氰化物', '镉'],
    closed: 7,
    keyUnit: 5,
  },
  {
    code: 'C3391',
    name: '黑色金属铸造',
    factory: '铸造厂',
    words: ['铸造', '铸件', '机械铸造'],
    hazard: 'medium',
    pollutants: ['铅', '铬', '石油烃(C10-C40)'],
    closed: 7,
    keyUnit: 0,
  },
  {
    code: 'C3670',
    name: '汽车零部件及配件制造',
    factory: '汽车配件厂',
    words: ['汽车配件', '汽配'],
    hazard: 'medium',
    pollutants: ['镍', '铬', '石油烃(C10-C40)'],
    closed: 4,
    keyUnit: 3,
  },
  {
    code: 'C3841',
    name: '锂离子电池制造',
    words: ['电池', '新能源', '锂电'],
    hazard: 'high',
    pollutants: ['钴', '镍', '锰', '氟化物'],
    closed: 0.5,
    keyUnit: 3,
  },
  {
    code: 'C3982',
    name: '电子电路制造',
    factory: '电子元件厂',
    words: ['电子', '线路板', '电路'],
    hazard: 'high',
    pollutants: ['铜', '镍', '铅', '氰化物'],
    closed: 3,
    keyUnit: 5,
  },
  {
    code: 'C3985',
    name: '电子专用材料制造',
    words: ['电子材料', '半导体材料'],
    hazard: 'high',
    pollutants: ['砷', '氟化物', '挥发性有机物'],
    closed: 0.5,
    keyUnit: 4,
  },
  {
    code: 'D4411',
    name: '火力发电',
    factory: '热电厂',
    words: ['热电', '发电', '能源'],
    hazard: 'medium',
    pollutants: ['砷', '汞', '多环芳烃'],
    closed: 0.5,
    keyUnit: 2,
  },
  {
    code: 'F5265',
    name: '机动车燃油零售',
    words: ['加油站', '石油销售'],
    hazard: 'medium',
    pollutants: ['石油烃(C10-C40)', '苯', '甲基叔丁基醚'],
    closed: 5,
    keyUnit: 0,
  },
  {
    code: 'G5942',
    name: '危险化学品仓储',
    words: ['储运', '化学品仓储', '物流'],
    hazard: 'high',
    pollutants: ['苯', '甲苯', '石油烃(C10-C40)'],
    closed: 2,
    keyUnit: 2,
  },
  {
    code: 'N7724',
    name: '危险废物治理',
    words: ['环保科技', '固废处置', '危废处置'],
    hazard: 'high',
    pollutants: ['二噁英类', '铅', '镉', '多环芳烃'],
    closed: 1,
    keyUnit: 5,
  },
  {
    code: 'O8111',
    name: '汽车修理与维护',
    factory: '汽车修理厂',
    words: ['汽车修理', '汽修', '汽车服务'],
    hazard: 'low',
    pollutants: ['石油烃(C10-C40)', '铅'],
    closed: 4,
    keyUnit: 0,
  },
];

/** Syllables of Chinese trade names (字号). */
export const tradeNameChars = [
  ...'华鑫盛通达恒利源兴泰金宏永昌丰德润嘉瑞祥安康京燕福海天宇力诚信创新科腾顺广隆凯益远东北中佳明光正荣旺',
];

export interface Crop {
  crop: string;
  weight: number;
}

export const cropsByCategory: Record<LandCategoryCode, readonly Crop[]> = {
  CULTIVATED: [
    { crop: '小麦', weight: 5 },
    { crop: '玉米', weight: 7 },
    { crop: '大豆', weight: 1.5 },
    { crop: '甘薯', weight: 1 },
    { crop: '花生', weight: 1 },
    { crop: '谷子', weight: 0.6 },
    { crop: '露地蔬菜', weight: 3 },
    { crop: '大白菜', weight: 1.2 },
    { crop: '西瓜', weight: 0.8 },
  ],
  FACILITY_AGRICULTURE: [
    { crop: '番茄', weight: 3 },
    { crop: '黄瓜', weight: 3 },
    { crop: '草莓', weight: 1.5 },
    { crop: '甜椒', weight: 1.5 },
    { crop: '茄子', weight: 1 },
    { crop: '芹菜', weight: 1 },
    { crop: '生菜', weight: 1 },
    { crop: '设施蔬菜', weight: 2 },
  ],
  GARDEN: [
    { crop: '苹果', weight: 3 },
    { crop: '梨', weight: 2 },
    { crop: '桃', weight: 3 },
    { crop: '葡萄', weight: 1.5 },
    { crop: '樱桃', weight: 1 },
    { crop: '板栗', weight: 1.5 },
    { crop: '核桃', weight: 1.5 },
    { crop: '柿子', weight: 0.8 },
    { crop: '果树', weight: 1 },
  ],
  FOREST: [
    { crop: '杨树', weight: 3 },
    { crop: '油松', weight: 2 },
    { crop: '侧柏', weight: 2 },
    { crop: '刺槐', weight: 1 },
    { crop: '栾树', weight: 1 },
    { crop: '生态林', weight: 2 },
  ],
  GREEN_SPACE: [
    { crop: '草坪', weight: 3 },
    { crop: '行道树', weight: 3 },
    { crop: '国槐', weight: 1.5 },
    { crop: '月季', weight: 1 },
    { crop: '绿篱', weight: 1.5 },
  ],
};

export type Toxicity = 'EXTREMELY_HIGH' | 'HIGH' | 'MODERATE' | 'LOW' | 'SLIGHT';

export interface Pesticide {
  product: string;
  activeIngredient: string;
  toxicity: Toxicity;
  categories: readonly LandCategoryCode[];
  /** Product used per mu per application, kg. */
  dose: [number, number];
  weight: number;
  /** Last year it is still used (highly toxic products are being phased out). */
  until?: number;
}

const FIELD: LandCategoryCode = 'CULTIVATED';
const SHED: LandCategoryCode = 'FACILITY_AGRICULTURE';
const ORCHARD: LandCategoryCode = 'GARDEN';
const WOOD: LandCategoryCode = 'FOREST';
const GREEN: LandCategoryCode = 'GREEN_SPACE';

export const pesticides: readonly Pesticide[] = [
  {
    product: '10%吡虫啉可湿性粉剂',
    activeIngredient: '吡虫啉',
    toxicity: 'LOW',
    categories: [FIELD, SHED, ORCHARD],
    dose: [0.01, 0.03],
    weight: 6,
  },
  {
    product: '1.8%阿维菌素乳油',
    activeIngredient: '阿维菌素',
    toxicity: 'LOW',
    categories: [SHED, ORCHARD, FIELD],
    dose: [0.03, 0.06],
    weight: 5,
  },
  {
    product: '50%多菌灵可湿性粉剂',
    activeIngredient: '多菌灵',
    toxicity: 'LOW',
    categories: [FIELD, ORCHARD, SHED],
    dose: [0.05, 0.1],
    weight: 5,
  },
  {
    product: '41%草甘膦异丙胺盐水剂',
    activeIngredient: '草甘膦',
    toxicity: 'LOW',
    categories: [ORCHARD, WOOD, GREEN, FIELD],
    dose: [0.15, 0.3],
    weight: 5,
  },
  {
    product: '4.5%高效氯氰菊酯乳油',
    activeIngredient: '高效氯氰菊酯',
    toxicity: 'MODERATE',
    categories: [FIELD, ORCHARD, SHED],
    dose: [0.02, 0.05],
    weight: 4,
  },
  {
    product: '40%毒死蜱乳油',
    activeIngredient: '毒死蜱',
    toxicity: 'MODERATE',
    categories: [FIELD],
    dose: [0.05, 0.1],
    weight: 2,
  },
  {
    product: '5%甲氨基阿维菌素苯甲酸盐水分散粒剂',
    activeIngredient: '甲氨基阿维菌素苯甲酸盐',
    toxicity: 'LOW',
    categories: [FIELD, SHED, WOOD, GREEN],
    dose: [0.01, 0.03],
    weight: 4,
  },
  {
    product: '25%吡唑醚菌酯悬浮剂',
    activeIngredient: '吡唑醚菌酯',
    toxicity: 'LOW',
    categories: [FIELD, SHED, ORCHARD],
    dose: [0.02, 0.04],
    weight: 3,
  },
  {
    product: '10%苯醚甲环唑水分散粒剂',
    activeIngredient: '苯醚甲环唑',
    toxicity: 'LOW',
    categories: [ORCHARD, SHED],
    dose: [0.02, 0.05],
    weight: 3,
  },
  {
    product: '80%代森锰锌可湿性粉剂',
    activeIngredient: '代森锰锌',
    toxicity: 'LOW',
    categories: [SHED, ORCHARD, FIELD],
    dose: [0.1, 0.2],
    weight: 3,
  },
  {
    product: '40克/升烟嘧磺隆可分散油悬浮剂',
    activeIngredient: '烟嘧磺隆',
    toxicity: 'LOW',
    categories: [FIELD],
    dose: [0.06, 0.1],
    weight: 3,
  },
  {
    product: '38%莠去津悬浮剂',
    activeIngredient: '莠去津',
    toxicity: 'LOW',
    categories: [FIELD],
    dose: [0.15, 0.25],
    weight: 3,
  },
  {
    product: '25%噻虫嗪水分散粒剂',
    activeIngredient: '噻虫嗪',
    toxicity: 'LOW',
    categories: [FIELD, SHED],
    dose: [0.005, 0.015],
    weight: 3,
  },
  {
    product: '200克/升氯虫苯甲酰胺悬浮剂',
    activeIngredient: '氯虫苯甲酰胺',
    toxicity: 'SLIGHT',
    categories: [FIELD, ORCHARD],
    dose: [0.005, 0.015],
    weight: 3,
  },
  {
    product: '45%石硫合剂结晶粉',
    activeIngredient: '石硫合剂',
    toxicity: 'LOW',
    categories: [ORCHARD],
    dose: [0.2, 0.5],
    weight: 3,
  },
  {
    product: '0.3%苦参碱水剂',
    activeIngredient: '苦参碱',
    toxicity: 'SLIGHT',
    categories: [SHED, ORCHARD, GREEN],
    dose: [0.1, 0.2],
    weight: 2,
  },
  {
    product: '1000亿孢子/克枯草芽孢杆菌可湿性粉剂',
    activeIngredient: '枯草芽孢杆菌',
    toxicity: 'SLIGHT',
    categories: [SHED],
    dose: [0.02, 0.05],
    weight: 2,
  },
  {
    product: '25%灭幼脲悬浮剂',
    activeIngredient: '灭幼脲',
    toxicity: 'LOW',
    categories: [WOOD, GREEN],
    dose: [0.02, 0.04],
    weight: 4,
  },
  {
    product: '16000IU/毫克苏云金杆菌可湿性粉剂',
    activeIngredient: '苏云金杆菌',
    toxicity: 'SLIGHT',
    categories: [WOOD, GREEN, FIELD],
    dose: [0.05, 0.1],
    weight: 3,
  },
  {
    product: '20%除虫脲悬浮剂',
    activeIngredient: '除虫脲',
    toxicity: 'LOW',
    categories: [WOOD, GREEN],
    dose: [0.01, 0.02],
    weight: 3,
  },
  {
    product: '40%辛硫磷乳油',
    activeIngredient: '辛硫磷',
    toxicity: 'LOW',
    categories: [FIELD],
    dose: [0.2, 0.4],
    weight: 2,
  },
  {
    product: '80%敌敌畏乳油',
    activeIngredient: '敌敌畏',
    toxicity: 'MODERATE',
    categories: [FIELD, WOOD],
    dose: [0.05, 0.1],
    weight: 1,
  },
  {
    product: '40%氧乐果乳油',
    activeIngredient: '氧乐果',
    toxicity: 'HIGH',
    categories: [FIELD],
    dose: [0.05, 0.08],
    weight: 0.3,
    until: 2022,
  },
];

export type FertiliserTypeCode = 'NITROGEN' | 'PHOSPHATE' | 'POTASH' | 'COMPOUND' | 'ORGANIC';

export interface Fertiliser {
  type: FertiliserTypeCode;
  /** Nutrient share of the product (折纯系数: N, P2O5, K2O or their sum). */
  pure: [number, number];
  /** Product per mu per season, kg. */
  dose: [number, number];
  weight: number;
}

export const fertilisers: readonly Fertiliser[] = [
  { type: 'NITROGEN', pure: [0.17, 0.46], dose: [15, 35], weight: 5 },
  { type: 'PHOSPHATE', pure: [0.12, 0.18], dose: [20, 50], weight: 2 },
  { type: 'POTASH', pure: [0.5, 0.6], dose: [8, 20], weight: 2 },
  { type: 'COMPOUND', pure: [0.4, 0.6], dose: [25, 50], weight: 5 },
  { type: 'ORGANIC', pure: [0.04, 0.08], dose: [150, 400], weight: 3 },
];

/** Kinds of historical polluted sites on the register that predate the closed-enterprise records. */
export const historicSiteKinds = [
  { label: '化工厂', industry: 'C2614' },
  { label: '农药厂', industry: 'C2631' },
  { label: '焦化厂', industry: 'C2520' },
  { label: '染料厂', industry: 'C2642' },
  { label: '电镀厂', industry: 'C3360' },
  { label: '铸造厂', industry: 'C3391' },
  { label: '油漆厂', industry: 'C2641' },
  { label: '制药厂', industry: 'C2710' },
  { label: '钢铁厂', industry: 'C3110' },
  { label: '加油站', industry: 'F5265' },
  { label: '蓄电池厂', industry: 'C3841' },
] as const;

export const screeningFollowUp = {
  HIGH: [
    '列入优先监管地块，责令开展土壤污染状况初步调查',
    '纳入优先监管地块清单，暂停土地供应，开展详细调查',
    '已通知土地使用权人启动土壤污染状况调查，现场设置围挡',
  ],
  MEDIUM: [
    '建议开展土壤污染状况初步调查后再行开发利用',
    '纳入区级台账，变更用途前须开展土壤污染状况调查',
    '开展现场踏勘和人员访谈，补充历史生产资料',
  ],
  LOW: ['暂无需进一步调查，纳入台账动态管理', '原址已平整，未发现疑似污染痕迹', '保持现状，变更用途前复核'],
} as const;
