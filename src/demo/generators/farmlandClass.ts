import type { Faker } from '@faker-js/faker';
import {
  type DemoDistrict,
  type LandCategoryCode,
  landMixWeights,
  lonLatInTown,
  M2_PER_MU,
  pickDistrict,
  polygonAreaM2,
  polygonAround,
} from '../geography.js';
import { chance, dateBetween, demoFaker, pad, round, weighted } from '../random.js';
import { Sequences } from '../sequences.js';
import { cropFor, farmPlace } from './farming.js';
import type { DemoGenerator, DemoRow } from './types.js';

/** Cultivated land, classed by the agriculture bureau. */
export const FARMLAND_CLASS_ROWS = 1500;
/** Orchards and forest land, classed by the forestry bureau (园地、林地). */
export const FORESTRY_CLASS_ROWS = 700;

type QualityClass = 'PRIORITY_PROTECTION' | 'SAFE_USE' | 'STRICT_CONTROL';

const MEASURES: Record<'CULTIVATED' | 'WOODED', Record<QualityClass, readonly string[]>> = {
  CULTIVATED: {
    PRIORITY_PROTECTION: [
      '划为永久基本农田，严格保护，确保面积不减少、土壤环境质量不下降',
      '推广测土配方施肥和农药减量增效，开展耕地质量提升',
      '加强周边涉重金属企业监管，防止新增污染',
    ],
    SAFE_USE: [
      '种植镉低积累品种，优化水肥管理，开展农产品协同监测',
      '施用石灰等钝化调理剂，调节土壤酸碱度，降低重金属活性',
      '农艺调控与替代种植相结合，定期开展土壤和农产品监测',
    ],
    STRICT_CONTROL: ['划定特定农产品禁止生产区域，实施种植结构调整', '退耕还林还草，开展治理与修复试点'],
  },
  WOODED: {
    PRIORITY_PROTECTION: [
      '推广有机肥替代化肥和病虫害绿色防控，保持土壤环境质量',
      '实施果园生草覆盖，减少水土流失',
      '加强巡护，防止倾倒固体废物',
    ],
    SAFE_USE: [
      '果品开展重金属抽检，调整施肥结构，施用土壤调理剂',
      '限制含重金属农药和畜禽粪肥使用，开展果品协同监测',
    ],
    STRICT_CONTROL: ['果园改种非食用林木，禁止采摘食用林果', '开展林地土壤污染治理与修复试点'],
  },
};

/** A parcel in a town of the district, of 10 to 10 + `spanMu` mu (mostly small). */
function parcel(
  f: Faker,
  district: DemoDistrict,
  spanMu: number,
): { town: string; boundary: ReturnType<typeof polygonAround>; areaMu: number } {
  const town = f.helpers.arrayElement(district.towns);
  const targetMu = 10 + spanMu * f.number.float({ min: 0, max: 1 }) ** 2;
  const boundary = polygonAround(
    f,
    lonLatInTown(f, district, town),
    Math.sqrt((targetMu * M2_PER_MU) / Math.PI),
  );
  return { town, boundary, areaMu: round(polygonAreaM2(boundary) / M2_PER_MU, 2) };
}

/** Classed mostly after the 2020–2021 survey, some re-classed in 2024 (类别动态调整). */
const classifiedOn = (f: Faker) =>
  chance(f, 0.2) ? dateBetween(f, '2024-03-01', '2024-12-31') : dateBetween(f, '2020-06-01', '2021-06-30');

/** The agriculture bureau's cultivated land: almost all priority protection, some safe use, a handful strict. */
function cultivatedRows(ownerCode: string, f: Faker): DemoRow[] {
  const rows: DemoRow[] = [];
  const seq = new Sequences();
  for (let i = 0; i < FARMLAND_CLASS_ROWS; i++) {
    const { district } = farmPlace(f, true);
    const { town, boundary, areaMu } = parcel(f, district, 590);
    const qualityClass = weighted(f, { PRIORITY_PROTECTION: 910, SAFE_USE: 80, STRICT_CONTROL: 10 });
    const n = seq.next(district.code);
    const crop = cropFor(f, district, 'CULTIVATED');
    rows.push({
      publisher: ownerCode,
      parcelCode: `GD-${district.code}-${pad(n, 5)}`,
      qualityClass,
      landCategory: 'CULTIVATED',
      district: district.code,
      town,
      areaMu,
      measures: `${f.helpers.arrayElement(MEASURES.CULTIVATED[qualityClass])}（主要作物：${crop}）`,
      classifiedOn: classifiedOn(f),
      boundary: chance(f, 0.97) ? boundary : null,
    });
  }
  return rows;
}

/** The forestry bureau's orchards (园地, YD-) and forest land (林地, LD-), in the hills and the plain. */
function woodedRows(f: Faker): DemoRow[] {
  const rows: DemoRow[] = [];
  const seq = new Sequences();
  for (let i = 0; i < FORESTRY_CLASS_ROWS; i++) {
    const district = pickDistrict(f, 'farm', (d) => d.mix !== 'urban');
    const weights = landMixWeights[district.mix];
    const category: LandCategoryCode = weighted(f, {
      GARDEN: weights.GARDEN ?? 0,
      FOREST: weights.FOREST ?? 0,
    });
    const orchard = category === 'GARDEN';
    const { town, boundary, areaMu } = parcel(f, district, orchard ? 290 : 1200);
    const qualityClass = orchard
      ? weighted(f, { PRIORITY_PROTECTION: 900, SAFE_USE: 85, STRICT_CONTROL: 15 })
      : weighted(f, { PRIORITY_PROTECTION: 950, SAFE_USE: 45, STRICT_CONTROL: 5 });
    const prefix = orchard ? 'YD' : 'LD';
    const n = seq.next(`${prefix}${district.code}`);
    const crop = cropFor(f, district, category);
    rows.push({
      publisher: 'FORESTRY',
      parcelCode: `${prefix}-${district.code}-${pad(n, 5)}`,
      qualityClass,
      landCategory: category,
      district: district.code,
      town,
      areaMu,
      measures: `${f.helpers.arrayElement(MEASURES.WOODED[qualityClass])}（主要${orchard ? '果树' : '树种'}：${crop}）`,
      classifiedOn: classifiedOn(f),
      boundary: chance(f, 0.97) ? boundary : null,
    });
  }
  return rows;
}

/** 农用地土壤环境质量类别: the agriculture bureau's cultivated land, then forestry's orchards and forest land. */
export const farmlandClassRows: DemoGenerator = (_world, dataset) => [
  ...cultivatedRows(dataset.owner, demoFaker(dataset.name)),
  // A stream of its own, so that adding forestry's parcels left agriculture's rows as they were.
  ...woodedRows(demoFaker(`${dataset.name}:forestry`)),
];
