import type { Faker } from '@faker-js/faker';
import { polygonAround } from '../geography.js';
import { chance, demoFaker } from '../random.js';
import type { Hazard } from '../vocabulary.js';
import type { KeyUnit } from '../world.js';
import type { DemoGenerator, DemoRow } from './types.js';

const ANOMALIES = [
  '自行监测发现地下水中苯超过Ⅲ类标准限值',
  '厂区土壤镍含量超过第二类用地筛选值',
  '储罐区防渗层破损，存在渗漏隐患',
  '危险废物贮存场所防渗措施不到位',
  '地下管线存在跑冒滴漏隐患',
  '初期雨水未收集，雨污分流不彻底',
  '隐患排查报告未按期报送',
];

/** Key areas and facilities (重点场所、重点设施设备) a hidden-danger check looks at, by the site's hazard. */
const FACILITIES: Record<Hazard | 'all', readonly string[]> = {
  all: ['危险废物贮存库', '污水处理站', '地下管线', '原辅材料库房', '一般固体废物堆场'],
  high: ['储罐区', '生产装置区', '装卸区', '事故应急池', '地下储罐'],
  medium: ['生产车间', '表面处理车间', '化学品库', '地下储罐'],
  low: ['生产车间', '化学品库'],
};

/** The unit's site in depth, the same every year it is listed: boundary, toxic substances, key facilities. */
function depth(f: Faker, unit: KeyUnit) {
  const { site, industry } = unit;
  return {
    siteBoundary: site.boundary ?? polygonAround(f, site.centre, site.radiusM),
    toxicSubstances: f.helpers.arrayElements(industry.pollutants, { min: 1, max: 4 }),
    keyFacilities: f.helpers.arrayElements([...FACILITIES[industry.hazard], ...FACILITIES.all], {
      min: 2,
      max: 5,
    }),
  };
}

/** 土壤污染重点监管单位名录: one row per unit and listed year; checks become routine over the years. */
export const keySupervisedUnitRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(dataset.name);
  // A stream of its own for the site in depth, so that the list's rows stayed as they were.
  const g = demoFaker(`${dataset.name}:site`);
  const rows: DemoRow[] = [];
  for (const unit of world.keyUnits) {
    const site = depth(g, unit);
    for (const year of unit.years) {
      const early = year <= 2020;
      const anomalous = chance(f, 0.09);
      rows.push({
        publisher: dataset.owner,
        creditCode: unit.creditCode,
        listedYear: year,
        name: unit.name,
        industryCode: unit.industry.code,
        industryName: unit.industry.name,
        district: unit.site.district.code,
        ...site,
        hiddenDangerCheckDone: year === 2026 && chance(f, 0.3) ? null : chance(f, early ? 0.6 : 0.93),
        selfMonitoringDone: year === 2026 && chance(f, 0.3) ? null : chance(f, early ? 0.55 : 0.88),
        anomalies: anomalous ? f.helpers.arrayElement(ANOMALIES) : null,
      });
    }
  }
  return rows;
};
