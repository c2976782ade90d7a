import { chance, demoFaker } from '../random.js';
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

/** 土壤污染重点监管单位名录: one row per unit and listed year; checks become routine over the years. */
export const keySupervisedUnitRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(dataset.name);
  const rows: DemoRow[] = [];
  for (const unit of world.keyUnits) {
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
        hiddenDangerCheckDone: year === 2026 && chance(f, 0.3) ? null : chance(f, early ? 0.6 : 0.93),
        selfMonitoringDone: year === 2026 && chance(f, 0.3) ? null : chance(f, early ? 0.55 : 0.88),
        anomalies: anomalous ? f.helpers.arrayElement(ANOMALIES) : null,
      });
    }
  }
  return rows;
};
