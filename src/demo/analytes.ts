import type { Faker } from '@faker-js/faker';
import type { AnalyteResult } from '../fields/kinds/analyteResults.js';
import { floatBetween, round } from './random.js';

/**
 * Analytes as the demo's laboratories report them: code, unit, method and detection limit, and the figures
 * the demo aims above or below. The codes are the standards' (standard_analyte, migrations/0016: `Cd`, `Cr6`,
 * `benzo_a_pyrene`, `ammonia_n`), so that the rules find a demo result's value; an analyte no standard loads
 * keeps a code of its own. The figures are the demo's aim only (SUPERVISION.md); the standards are
 * reference data.
 */
export interface AnalyteSpec {
  code: string;
  unit: string;
  method: string;
  detectionLimit: number;
  /** Decimals the laboratory reports. */
  decimals: number;
}

const spec = (
  code: string,
  unit: string,
  method: string,
  detectionLimit: number,
  decimals: number,
): AnalyteSpec => ({
  code,
  unit,
  method,
  detectionLimit,
  decimals,
});

/** Soil (mg/kg): the GB 15618 metals, Cr(VI) and the commonest GB 36600 organics. */
export const SOIL = {
  Cd: spec('Cd', 'mg/kg', 'GB/T 17141-1997 石墨炉原子吸收分光光度法', 0.01, 3),
  Hg: spec('Hg', 'mg/kg', 'GB/T 22105.1-2008 原子荧光法', 0.002, 3),
  As: spec('As', 'mg/kg', 'GB/T 22105.2-2008 原子荧光法', 0.01, 2),
  Pb: spec('Pb', 'mg/kg', 'HJ 780-2015 波长色散X射线荧光光谱法', 2, 1),
  Cr: spec('Cr', 'mg/kg', 'HJ 491-2019 火焰原子吸收分光光度法', 4, 1),
  Cu: spec('Cu', 'mg/kg', 'HJ 491-2019 火焰原子吸收分光光度法', 1, 1),
  Ni: spec('Ni', 'mg/kg', 'HJ 491-2019 火焰原子吸收分光光度法', 3, 1),
  Zn: spec('Zn', 'mg/kg', 'HJ 491-2019 火焰原子吸收分光光度法', 1, 1),
  Cr6: spec('Cr6', 'mg/kg', 'HJ 1082-2019 碱溶液提取-火焰原子吸收分光光度法', 0.5, 1),
  benzene: spec('benzene', 'mg/kg', 'HJ 605-2011 吹扫捕集/气相色谱-质谱法', 0.0019, 4),
  trichloroethylene: spec('trichloroethylene', 'mg/kg', 'HJ 605-2011 吹扫捕集/气相色谱-质谱法', 0.0012, 4),
  tetrachloroethylene: spec(
    'tetrachloroethylene',
    'mg/kg',
    'HJ 605-2011 吹扫捕集/气相色谱-质谱法',
    0.0014,
    4,
  ),
  benzo_a_pyrene: spec('benzo_a_pyrene', 'mg/kg', 'HJ 834-2017 气相色谱-质谱法', 0.1, 2),
  naphthalene: spec('naphthalene', 'mg/kg', 'HJ 834-2017 气相色谱-质谱法', 0.09, 2),
  'TPH-C10-C40': spec('TPH-C10-C40', 'mg/kg', 'HJ 1021-2019 气相色谱法', 6, 0),
} as const;

/** Groundwater (mg/L): the GB/T 14848 basics and the commonest organics of industrial sites. */
export const WATER = {
  ammonia_n: spec('ammonia_n', 'mg/L', 'HJ 535-2009 纳氏试剂分光光度法', 0.025, 3),
  nitrate_n: spec('nitrate_n', 'mg/L', 'HJ 84-2016 离子色谱法', 0.016, 3),
  fluoride: spec('fluoride', 'mg/L', 'HJ 84-2016 离子色谱法', 0.006, 3),
  Mn: spec('Mn', 'mg/L', 'HJ 700-2014 电感耦合等离子体质谱法', 0.00012, 5),
  Fe: spec('Fe', 'mg/L', 'HJ 700-2014 电感耦合等离子体质谱法', 0.00082, 5),
  As: spec('As', 'mg/L', 'HJ 694-2014 原子荧光法', 0.0003, 5),
  Cr6: spec('Cr6', 'mg/L', 'GB/T 7467-1987 二苯碳酰二肼分光光度法', 0.004, 3),
  Pb: spec('Pb', 'mg/L', 'HJ 700-2014 电感耦合等离子体质谱法', 0.00009, 5),
  Cd: spec('Cd', 'mg/L', 'HJ 700-2014 电感耦合等离子体质谱法', 0.00005, 5),
  Hg: spec('Hg', 'mg/L', 'HJ 694-2014 原子荧光法', 0.00004, 5),
  benzene: spec('benzene', 'mg/L', 'HJ 639-2012 吹扫捕集/气相色谱-质谱法', 0.0014, 4),
  trichloroethylene: spec('trichloroethylene', 'mg/L', 'HJ 639-2012 吹扫捕集/气相色谱-质谱法', 0.0012, 4),
} as const;

/** Produce (mg/kg, fresh weight): the five metals GB 2762 limits. */
export const PRODUCE = {
  Cd: spec('Cd', 'mg/kg', 'GB 5009.15-2014 石墨炉原子吸收光谱法', 0.001, 3),
  Pb: spec('Pb', 'mg/kg', 'GB 5009.12-2017 石墨炉原子吸收光谱法', 0.005, 3),
  As: spec('As', 'mg/kg', 'GB 5009.11-2014 原子荧光光谱法', 0.003, 3),
  Hg: spec('Hg', 'mg/kg', 'GB 5009.17-2021 原子荧光光谱法', 0.0003, 4),
  Cr: spec('Cr', 'mg/kg', 'GB 5009.123-2014 石墨炉原子吸收光谱法', 0.01, 2),
} as const;

/** A value as the laboratory reports it: rounded to its decimals, or below the detection limit. */
export function resultOf(analyte: AnalyteSpec, value: number): AnalyteResult {
  const reported = round(value, analyte.decimals);
  const below = reported < analyte.detectionLimit;
  return {
    analyte: analyte.code,
    value: below ? null : reported,
    unit: analyte.unit,
    method: analyte.method,
    detectionLimit: analyte.detectionLimit,
    belowDetection: below,
  };
}

/** A value drawn between a fraction `low`…`high` of a reference figure (a screening value, a limit). */
export function around(f: Faker, figure: number, low: number, high: number): number {
  return figure * floatBetween(f, low, high, 4);
}

/** GB 15618-2018 screening and intervention values for "other" farmland, by pH band (≤5.5, ≤6.5, ≤7.5, >7.5). */
export const FARMLAND_SCREENING: Readonly<Record<'Cd' | 'Hg' | 'As' | 'Pb' | 'Cr', readonly number[]>> = {
  Cd: [0.3, 0.3, 0.3, 0.6],
  Hg: [1.3, 1.8, 2.4, 3.4],
  As: [40, 40, 30, 25],
  Pb: [70, 90, 120, 170],
  Cr: [150, 150, 200, 250],
};
export const FARMLAND_INTERVENTION: Readonly<Record<'Cd' | 'Hg' | 'As' | 'Pb' | 'Cr', readonly number[]>> = {
  Cd: [1.5, 2.0, 3.0, 4.0],
  Hg: [2.0, 2.5, 4.0, 6.0],
  As: [200, 150, 120, 100],
  Pb: [400, 500, 700, 1000],
  Cr: [800, 850, 1000, 1300],
};

/** The GB 15618 pH band of a soil: a value on a boundary belongs to the lower band (pH ≤ 5.5 …). */
export function phBand(ph: number): number {
  return ph <= 5.5 ? 0 : ph <= 6.5 ? 1 : ph <= 7.5 ? 2 : 3;
}

/** GB 36600-2018 first-class (housing, schools …) and second-class screening values, mg/kg. */
export const CONSTRUCTION_SCREENING = {
  first: { As: 20, Cd: 20, Cr6: 3.0, Cu: 2000, Pb: 400, Hg: 8, Ni: 150 },
  second: { As: 60, Cd: 65, Cr6: 5.7, Cu: 18000, Pb: 800, Hg: 38, Ni: 900 },
} as const;

/** GB/T 14848-2017 upper limits of classes I to IV (mg/L); above IV is class V. */
export const GROUNDWATER_CLASS_LIMITS: Readonly<Record<keyof typeof WATER, readonly number[]>> = {
  ammonia_n: [0.02, 0.1, 0.5, 1.5],
  nitrate_n: [2, 5, 20, 30],
  fluoride: [1, 1, 1, 2],
  Mn: [0.05, 0.05, 0.1, 1.5],
  Fe: [0.1, 0.2, 0.3, 2],
  As: [0.001, 0.001, 0.01, 0.05],
  Cr6: [0.005, 0.01, 0.05, 0.1],
  Pb: [0.005, 0.005, 0.01, 0.1],
  Cd: [0.0001, 0.001, 0.005, 0.01],
  Hg: [0.0001, 0.0001, 0.001, 0.002],
  benzene: [0.0005, 0.001, 0.01, 0.12],
  trichloroethylene: [0.0005, 0.007, 0.07, 0.21],
};

const CLASSES = ['I', 'II', 'III', 'IV', 'V'] as const;

/** The class of a groundwater sample: its worst analyte's (a result below detection counts as class I). */
export function groundwaterClassOf(results: readonly AnalyteResult[]): (typeof CLASSES)[number] {
  let worst = 0;
  for (const result of results) {
    const limits = GROUNDWATER_CLASS_LIMITS[result.analyte as keyof typeof WATER];
    if (!limits || result.value === null) continue;
    const index = limits.findIndex((limit) => (result.value as number) <= limit);
    worst = Math.max(worst, index === -1 ? 4 : index);
  }
  return CLASSES[worst];
}

/** Beijing groundwater's usual contents (mg/L): what a clean sample shows. */
export const WATER_BACKGROUND: Readonly<Record<keyof typeof WATER, readonly [number, number]>> = {
  ammonia_n: [0.02, 0.3],
  nitrate_n: [1, 12],
  fluoride: [0.2, 0.8],
  Mn: [0.001, 0.08],
  Fe: [0.01, 0.25],
  As: [0.0003, 0.004],
  Cr6: [0.002, 0.008],
  Pb: [0.0001, 0.003],
  Cd: [0.00005, 0.0006],
  Hg: [0.00004, 0.0004],
  benzene: [0, 0.001],
  trichloroethylene: [0, 0.001],
};

/**
 * A groundwater sample: background, or (polluted) one or two analytes between the class III limit and
 * twice the class IV one, so that it comes out class IV or V.
 */
export function groundwaterResults(f: Faker, polluted: boolean): AnalyteResult[] {
  const codes = Object.keys(WATER) as (keyof typeof WATER)[];
  const raised = new Set(polluted ? f.helpers.arrayElements(codes, { min: 1, max: 2 }) : []);
  return codes.map((code) => {
    const [min, max] = WATER_BACKGROUND[code];
    const [, , classIII, classIV] = GROUNDWATER_CLASS_LIMITS[code];
    const value = raised.has(code)
      ? floatBetween(f, classIII * 1.2, classIV * 2, 6)
      : floatBetween(f, min, max, 6);
    return resultOf(WATER[code], value);
  });
}
