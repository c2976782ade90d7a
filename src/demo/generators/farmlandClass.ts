import { lonLatInTown, M2_PER_MU, polygonAreaM2, polygonAround } from '../geography.js';
import { chance, dateBetween, demoFaker, pad, round, weighted } from '../random.js';
import { Sequences } from '../sequences.js';
import { cropFor, farmPlace } from './farming.js';
import type { DemoGenerator, DemoRow } from './types.js';

export const FARMLAND_CLASS_ROWS = 1500;

const MEASURES = {
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
} as const;

/** 耕地土壤环境质量类别: almost all priority protection, some safe use, a handful strictly controlled. */
export const farmlandClassRows: DemoGenerator = (_world, dataset) => {
  const f = demoFaker(dataset.name);
  const rows: DemoRow[] = [];
  const seq = new Sequences();
  for (let i = 0; i < FARMLAND_CLASS_ROWS; i++) {
    const { district } = farmPlace(f, true);
    const town = f.helpers.arrayElement(district.towns);
    const targetMu = 10 + 590 * f.number.float({ min: 0, max: 1 }) ** 2;
    const boundary = polygonAround(
      f,
      lonLatInTown(f, district, town),
      Math.sqrt((targetMu * M2_PER_MU) / Math.PI),
    );
    const qualityClass = weighted(f, { PRIORITY_PROTECTION: 910, SAFE_USE: 80, STRICT_CONTROL: 10 });
    const n = seq.next(district.code);
    const crop = cropFor(f, district, 'CULTIVATED');
    rows.push({
      publisher: dataset.owner,
      parcelCode: `GD-${district.code}-${pad(n, 5)}`,
      qualityClass,
      district: district.code,
      town,
      areaMu: round(polygonAreaM2(boundary) / M2_PER_MU, 2),
      measures: `${f.helpers.arrayElement(MEASURES[qualityClass])}（主要作物：${crop}）`,
      classifiedOn: chance(f, 0.2)
        ? dateBetween(f, '2024-03-01', '2024-12-31')
        : dateBetween(f, '2020-06-01', '2021-06-30'),
      boundary: chance(f, 0.97) ? boundary : null,
    });
  }
  return rows;
};
