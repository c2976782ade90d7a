import type { AnalyteResult } from '../../fields/kinds/analyteResults.js';
import { SOIL } from '../analytes.js';
import { chance, demoFaker, floatBetween, round } from '../random.js';
import { demoLifecycles } from './remediationStage.js';
import type { DemoGenerator, DemoRow } from './types.js';

/**
 * GB 36600-2018 second-class (industrial land) screening values in mg/kg, by the register's pollutant names,
 * with the analyte code (the demo's vocabulary, src/demo/analytes.ts, where it has the analyte) and a method:
 * an exceedance is a result above its value.
 */
const SCREENING: Readonly<Record<string, { analyte: string; value: number; method: string }>> = {
  砷: { analyte: SOIL.As.code, value: 60, method: 'HJ 680-2013' },
  镉: { analyte: SOIL.Cd.code, value: 65, method: 'GB/T 17141-1997' },
  六价铬: { analyte: SOIL.Cr6.code, value: 5.7, method: 'HJ 1082-2019' },
  铬: { analyte: SOIL.Cr6.code, value: 5.7, method: 'HJ 1082-2019' },
  铜: { analyte: SOIL.Cu.code, value: 18000, method: 'HJ 491-2019' },
  铅: { analyte: SOIL.Pb.code, value: 800, method: 'HJ 491-2019' },
  汞: { analyte: SOIL.Hg.code, value: 38, method: 'HJ 680-2013' },
  镍: { analyte: SOIL.Ni.code, value: 900, method: 'HJ 491-2019' },
  钴: { analyte: 'Co', value: 70, method: 'HJ 803-2016' },
  锑: { analyte: 'Sb', value: 180, method: 'HJ 680-2013' },
  苯: { analyte: SOIL.benzene.code, value: 4, method: 'HJ 605-2011' },
  甲苯: { analyte: 'toluene', value: 1200, method: 'HJ 605-2011' },
  二甲苯: { analyte: 'm,p-xylene', value: 570, method: 'HJ 605-2011' },
  苯乙烯: { analyte: 'styrene', value: 1290, method: 'HJ 605-2011' },
  氯苯: { analyte: 'chlorobenzene', value: 270, method: 'HJ 605-2011' },
  '1,2-二氯乙烷': { analyte: '1,2-dichloroethane', value: 5, method: 'HJ 605-2011' },
  二氯甲烷: { analyte: 'dichloromethane', value: 616, method: 'HJ 605-2011' },
  三氯甲烷: { analyte: 'chloroform', value: 0.9, method: 'HJ 605-2011' },
  挥发性有机物: { analyte: SOIL.benzene.code, value: 4, method: 'HJ 605-2011' },
  苯胺: { analyte: 'aniline', value: 260, method: 'HJ 834-2017' },
  '苯并[a]芘': { analyte: SOIL.benzo_a_pyrene.code, value: 1.5, method: 'HJ 834-2017' },
  多环芳烃: { analyte: SOIL.naphthalene.code, value: 70, method: 'HJ 834-2017' },
  '石油烃(C10-C40)': { analyte: SOIL['TPH-C10-C40'].code, value: 4500, method: 'HJ 1021-2019' },
  滴滴涕: { analyte: 'DDT', value: 6.7, method: 'HJ 835-2017' },
  氰化物: { analyte: 'cyanide', value: 135, method: 'HJ 745-2015' },
};

const CONTROLS = [
  '设置围挡和警示标识，禁止无关人员进入',
  '裸露土壤覆盖防尘网',
  '定期开展土壤和地下水环境监测',
  '禁止开挖、堆放和种植食用农产品',
  '雨水导排，防止污染扩散',
  '纳入土地储备，暂不供地',
];

/**
 * 暂不开发利用受污染建设用地台账: every plot or register site whose lifecycle shows a year's wait without
 * investigation or works, from then on (until the wait ended). A few such plots are missing from their
 * district's ledger: the cases the rule EXCEEDS_SCREENING_UNINVESTIGATED exists to find.
 */
export const undevelopedLandRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(dataset.name);
  const rows: DemoRow[] = [];
  for (const life of demoLifecycles(world)) {
    if (!life.waitingSince) continue;
    const place = life.site ?? life.plot;
    if (!place) continue;
    if (life.plot && chance(f, 0.08)) continue;
    const pollutants =
      life.site?.pollutants ?? life.plot?.screening.firm.industry.pollutants.slice(0, 3) ?? [];
    const exceedances: AnalyteResult[] = [];
    for (const name of pollutants) {
      const screening = SCREENING[name];
      if (!screening || exceedances.some((e) => e.analyte === screening.analyte)) continue;
      exceedances.push({
        analyte: screening.analyte,
        value: round(screening.value * floatBetween(f, 1.1, 6), 3),
        unit: 'mg/kg',
        method: screening.method,
        detectionLimit: round(Math.max(0.001, screening.value / 1000), 3),
        belowDetection: false,
      });
    }
    rows.push({
      publisher: life.plot ? life.plot.publisher : chance(f, 0.4) ? life.district.code : dataset.owner,
      plotCode: life.code,
      district: life.district.code,
      boundary: place.boundary,
      reason: life.site
        ? '已列入风险管控和修复名录，暂无开发利用计划，未启动风险管控或修复'
        : '土壤污染物含量超过建设用地筛选值，一年内未开展进一步调查',
      exceedances: exceedances.length ? exceedances : null,
      controlMeasures: f.helpers.arrayElements(CONTROLS, { min: 2, max: 4 }),
      since: life.waitingSince,
      until: life.waitedUntil ?? null,
    });
  }
  return rows;
};
