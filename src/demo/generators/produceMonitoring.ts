import type { Faker } from '@faker-js/faker';
import { farmlandClass } from '../../catalog/datasets/farmlandClass.js';
import { PRODUCE, resultOf } from '../analytes.js';
import {
  chance,
  DEMO_TODAY,
  dateBetween,
  demoFaker,
  floatBetween,
  minDate,
  pad,
  weighted,
} from '../random.js';
import { Sequences } from '../sequences.js';
import { farmlandClassRows } from './farmlandClass.js';
import type { DemoGenerator, DemoRow } from './types.js';

type Category =
  | 'CEREAL'
  | 'RICE'
  | 'LEGUME'
  | 'LEAFY_VEGETABLE'
  | 'ROOT_VEGETABLE'
  | 'OTHER_VEGETABLE'
  | 'FRUIT';
type Metal = keyof typeof PRODUCE;

/** Crops of Beijing's cultivated land, by their GB 2762 category, and when they are harvested. */
const CROPS: readonly { crop: string; category: Category; weight: number; harvest: [string, string] }[] = [
  { crop: '小麦', category: 'CEREAL', weight: 5, harvest: ['06-05', '06-25'] },
  { crop: '玉米', category: 'CEREAL', weight: 7, harvest: ['09-15', '10-15'] },
  { crop: '谷子', category: 'CEREAL', weight: 0.6, harvest: ['09-10', '10-05'] },
  { crop: '水稻', category: 'RICE', weight: 0.6, harvest: ['09-25', '10-20'] },
  { crop: '大豆', category: 'LEGUME', weight: 1.5, harvest: ['09-20', '10-10'] },
  { crop: '大白菜', category: 'LEAFY_VEGETABLE', weight: 1.2, harvest: ['10-15', '10-31'] },
  { crop: '菠菜', category: 'LEAFY_VEGETABLE', weight: 0.8, harvest: ['04-10', '05-20'] },
  { crop: '甘薯', category: 'ROOT_VEGETABLE', weight: 1, harvest: ['09-25', '10-25'] },
  { crop: '萝卜', category: 'ROOT_VEGETABLE', weight: 0.6, harvest: ['10-01', '10-31'] },
  { crop: '番茄', category: 'OTHER_VEGETABLE', weight: 1, harvest: ['06-20', '08-20'] },
  { crop: '黄瓜', category: 'OTHER_VEGETABLE', weight: 1, harvest: ['06-01', '08-10'] },
  { crop: '西瓜', category: 'FRUIT', weight: 0.8, harvest: ['06-20', '08-10'] },
];

/**
 * The demo's aim per category (mg/kg): GB 2762's maximum levels as the demo uses them to place its values
 * clearly within (≤ 60%) or clearly above (≥ 150%); the standards table is the reference, not these.
 */
const LIMITS: Readonly<Record<Category, Record<Metal, number>>> = {
  CEREAL: { Cd: 0.1, Pb: 0.2, As: 0.5, Hg: 0.02, Cr: 1 },
  RICE: { Cd: 0.2, Pb: 0.2, As: 0.2, Hg: 0.02, Cr: 1 },
  LEGUME: { Cd: 0.2, Pb: 0.2, As: 0.5, Hg: 0.02, Cr: 1 },
  LEAFY_VEGETABLE: { Cd: 0.2, Pb: 0.3, As: 0.5, Hg: 0.01, Cr: 0.5 },
  ROOT_VEGETABLE: { Cd: 0.1, Pb: 0.1, As: 0.5, Hg: 0.01, Cr: 0.5 },
  OTHER_VEGETABLE: { Cd: 0.05, Pb: 0.1, As: 0.5, Hg: 0.01, Cr: 0.5 },
  FRUIT: { Cd: 0.05, Pb: 0.1, As: 0.5, Hg: 0.01, Cr: 0.5 },
};

/** The five results of a sample: within the limits, or cadmium (mostly) or lead above. */
function produceResults(f: Faker, category: Category, compliant: boolean) {
  const raised: Metal | null = compliant ? null : weighted(f, { Cd: 7, Pb: 2, As: 1 });
  return (Object.keys(PRODUCE) as Metal[]).map((metal) => {
    const limit = LIMITS[category][metal];
    const value =
      metal === raised ? limit * floatBetween(f, 1.5, 4, 4) : limit * floatBetween(f, 0.05, 0.6, 4);
    return resultOf(PRODUCE[metal], value);
  });
}

/**
 * 农产品协同监测: every safe-use and strict-control parcel sampled at harvest each year from 2022, and a
 * share of the priority-protection ones; produce on strictly controlled land mostly fails GB 2762, on
 * safe-use land sometimes, on priority-protection land rarely.
 */
export const produceMonitoringRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(dataset.name);
  const seq = new Sequences();
  const rows: DemoRow[] = [];
  const failure = { PRIORITY_PROTECTION: 0.02, SAFE_USE: 0.25, STRICT_CONTROL: 0.7 };
  for (const parcel of farmlandClassRows(world, farmlandClass)) {
    const qualityClass = parcel.qualityClass as keyof typeof failure;
    const years =
      qualityClass === 'PRIORITY_PROTECTION'
        ? chance(f, 0.3)
          ? [f.number.int({ min: 2022, max: 2026 })]
          : []
        : [2022, 2023, 2024, 2025, 2026];
    const { crop, category, harvest } = f.helpers.weightedArrayElement(
      CROPS.map((c) => ({ value: c, weight: c.weight })),
    );
    for (const year of years) {
      const to = minDate(`${year}-${harvest[1]}`, DEMO_TODAY);
      const from = `${year}-${harvest[0]}`;
      if (from > to) continue;
      const compliant = !chance(f, failure[qualityClass]);
      const district = parcel.district as string;
      rows.push({
        publisher: dataset.owner,
        sampleCode: `NCP-${district}-${year}-${pad(seq.next(`${district}-${year}`), 4)}`,
        parcelCode: parcel.parcelCode,
        crop,
        produceCategory: category,
        sampledOn: dateBetween(f, from, to),
        district,
        town: parcel.town,
        results: produceResults(f, category, compliant),
        compliant,
      });
    }
  }
  return rows;
};
