import type { Faker } from '@faker-js/faker';
import { type DemoDistrict, type LandCategoryCode, lonLatInTown, pointAt } from '../geography.js';
import { chance, dateBetween, demoFaker, floatBetween, pad, round } from '../random.js';
import { Sequences } from '../sequences.js';
import { farmPlace, farmPublisher } from './farming.js';
import type { DemoGenerator, DemoRow } from './types.js';

export const SOIL_MONITORING_ROWS = 2000;

/** Realistic ranges (mg/kg) of Beijing farmland and green-land soils, and decimals reported. */
export const SOIL_RANGES = {
  cadmium: [0.05, 0.6, 3],
  mercury: [0.02, 0.3, 3],
  arsenic: [5, 15, 2],
  lead: [15, 40, 1],
  chromium: [40, 90, 1],
  copper: [15, 40, 1],
  nickel: [20, 40, 1],
  zinc: [50, 120, 1],
} as const;

type Metal = keyof typeof SOIL_RANGES;

/**
 * Districts with a history of sewage irrigation (污灌区: 凉水河、凤河 along 通州 and 大兴, 房山 industry):
 * a few cultivated points there show cadmium and lead above the ranges — the hotspots of the demo.
 */
const HOTSPOT_DISTRICTS = new Set(['110112', '110115', '110111']);

export interface SoilPoint {
  pointCode: string;
  district: DemoDistrict;
  town: string;
  location: [number, number];
  category: LandCategoryCode;
  publisher: string;
  hotspot: boolean;
  ph: number;
  base: Record<Metal, number>;
  /** Sampling years. */
  years: number[];
}

function baseline(f: Faker, hotspot: boolean): Record<Metal, number> {
  const base = {} as Record<Metal, number>;
  for (const [metal, [min, max]] of Object.entries(SOIL_RANGES) as [
    Metal,
    readonly [number, number, number],
  ][]) {
    const u = f.number.float({ min: 0, max: 1 });
    base[metal] = min + (max - min) * (0.1 + 0.75 * u ** 1.5);
  }
  if (hotspot) {
    base.cadmium = floatBetween(f, 0.7, 1.4, 3);
    base.lead = floatBetween(f, 42, 75, 1);
  }
  return base;
}

let cachedPoints: SoilPoint[] | undefined;

/** The monitoring points and their sampling years; deterministic, shared with the stories. */
export function soilPoints(): SoilPoint[] {
  if (cachedPoints) return cachedPoints;
  const f = demoFaker('soilMonitoring');
  const points: SoilPoint[] = [];
  const seq = new Sequences();
  let rows = 0;
  while (rows < SOIL_MONITORING_ROWS) {
    const { district, category } = farmPlace(f);
    const town = f.helpers.arrayElement(district.towns);
    const publisher = farmPublisher(category);
    const prefix = publisher === 'FORESTRY' ? 'YL' : 'NY';
    const n = seq.next(district.code);
    const hotspot = category === 'CULTIVATED' && HOTSPOT_DISTRICTS.has(district.code) && chance(f, 0.06);
    const cadence = f.helpers.weightedArrayElement([
      { value: 1, weight: 4 },
      { value: 2, weight: 4 },
      { value: 3, weight: 2 },
    ]);
    const years: number[] = [];
    for (let year = f.number.int({ min: 2019, max: 2021 }); year <= 2026; year += cadence) {
      if (rows < SOIL_MONITORING_ROWS) {
        years.push(year);
        rows++;
      }
    }
    points.push({
      pointCode: `${prefix}${district.code}-${pad(n, 4)}`,
      district,
      town,
      location: lonLatInTown(f, district, town),
      category,
      publisher,
      hotspot,
      ph: district.mix === 'mountain' ? floatBetween(f, 6.5, 8.0) : floatBetween(f, 7.2, 8.5),
      base: baseline(f, hotspot),
      years,
    });
  }
  cachedPoints = points;
  return points;
}

/** 土壤环境监测: each point sampled every one to three years between April and October. */
export const soilMonitoringRows: DemoGenerator = (_world, dataset) => {
  const f = demoFaker(`${dataset.name}-samples`);
  const rows: DemoRow[] = [];
  for (const point of soilPoints()) {
    for (const year of point.years) {
      const metals: Record<string, number> = {};
      for (const [metal, [min, max, decimals]] of Object.entries(SOIL_RANGES) as [
        Metal,
        readonly [number, number, number],
      ][]) {
        const value = point.base[metal] * floatBetween(f, 0.9, 1.1, 3);
        const hot = point.hotspot && (metal === 'cadmium' || metal === 'lead');
        metals[metal] = round(hot ? value : Math.min(max, Math.max(min, value)), decimals);
      }
      rows.push({
        publisher: point.publisher,
        pointCode: point.pointCode,
        sampledOn: dateBetween(f, `${year}-04-01`, `${year}-10-31`),
        district: point.district.code,
        town: point.town,
        location: pointAt(point.location),
        landCategory: point.category,
        ph: round(Math.min(8.5, Math.max(6.5, point.ph + floatBetween(f, -0.15, 0.15))), 2),
        ...metals,
      });
    }
  }
  return rows;
};
