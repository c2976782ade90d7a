import {
  type AnalyteSpec,
  around,
  CONSTRUCTION_SCREENING,
  groundwaterResults,
  resultOf,
  SOIL,
} from '../analytes.js';
import { chance, DEMO_TODAY, dateBetween, demoFaker, floatBetween, minDate, pad } from '../random.js';
import type { DemoGenerator, DemoRow } from './types.js';

/** Beijing industrial soils' usual contents (mg/kg), and what a unit's industry adds. */
const USUAL: Record<string, [number, number]> = {
  As: [7, 15],
  Cd: [0.1, 0.4],
  Cr6: [0.2, 0.9],
  Cu: [20, 60],
  Pb: [20, 60],
  Hg: [0.05, 0.3],
  Ni: [25, 45],
  benzene: [0, 0.002],
  trichloroethylene: [0, 0.0015],
  tetrachloroethylene: [0, 0.0015],
  benzo_a_pyrene: [0, 0.1],
  naphthalene: [0, 0.09],
  'TPH-C10-C40': [0, 60],
};
const METALS = ['As', 'Cd', 'Cr6', 'Cu', 'Pb', 'Hg', 'Ni'] as const;
/** The industry's pollutants (the register's names) that put an organic on the unit's list. */
const ORGANIC_SIGNS: Record<string, readonly string[]> = {
  benzene: ['苯', '甲苯', '二甲苯', '挥发性有机物'],
  trichloroethylene: ['挥发性有机物', '二氯甲烷', '三氯甲烷'],
  tetrachloroethylene: ['挥发性有机物'],
  benzo_a_pyrene: ['苯并a芘', '多环芳烃'],
  naphthalene: ['多环芳烃'],
  'TPH-C10-C40': ['石油烃(C10-C40)'],
};

/**
 * 重点监管单位自行监测: each listed unit reports, every listed year from 2020, one or two soil points
 * (metals, and the organics its industry uses) and a groundwater well; a few exceed the second-class
 * screening values or groundwater class III.
 */
export const keyUnitSelfMonitoringRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(dataset.name);
  const rows: DemoRow[] = [];
  for (const unit of world.keyUnits) {
    const organics = Object.entries(ORGANIC_SIGNS)
      .filter(([, signs]) => unit.industry.pollutants.some((p) => signs.includes(p)))
      .map(([code]) => code);
    const soilItems = [...METALS, ...organics];
    const soilPoints = f.number.int({ min: 1, max: 2 });
    const troubled = chance(f, 0.1);
    for (const year of unit.years.filter((y) => y >= 2020)) {
      const base = {
        publisher: dataset.owner,
        creditCode: unit.creditCode,
        district: unit.site.district.code,
      };
      const sampledOn = dateBetween(f, `${year}-04-01`, minDate(`${year}-10-31`, DEMO_TODAY));
      if (sampledOn > DEMO_TODAY) continue;
      for (let p = 1; p <= soilPoints; p++) {
        const exceeding = troubled && chance(f, 0.6) ? f.helpers.arrayElement(METALS) : null;
        rows.push({
          ...base,
          sampledOn,
          medium: 'SOIL',
          pointCode: `T${pad(p, 2)}`,
          results: soilItems.map((code) => {
            const spec: AnalyteSpec = SOIL[code as keyof typeof SOIL];
            const [min, max] = USUAL[code];
            const value =
              code === exceeding
                ? around(f, CONSTRUCTION_SCREENING.second[exceeding], 1.05, 1.8)
                : floatBetween(f, min, max, 5);
            return resultOf(spec, value);
          }),
        });
      }
      rows.push({
        ...base,
        sampledOn,
        medium: 'GROUNDWATER',
        pointCode: 'GW01',
        results: groundwaterResults(f, troubled && chance(f, 0.5)),
      });
    }
  }
  return rows;
};
