import type { Faker } from '@faker-js/faker';
import { farmlandClass } from '../../catalog/datasets/farmlandClass.js';
import type { GeoPolygon } from '../../domain/geometry.js';
import type { AnalyteResult } from '../../fields/kinds/analyteResults.js';
import {
  type AnalyteSpec,
  around,
  CONSTRUCTION_SCREENING,
  FARMLAND_INTERVENTION,
  FARMLAND_SCREENING,
  phBand,
  resultOf,
  SOIL,
} from '../analytes.js';
import {
  type DemoDistrict,
  districtByCode,
  interiorPoint,
  lonLatInTown,
  offsetMetres,
  pickDistrict,
  pointAt,
} from '../geography.js';
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
import type { DemoWorld } from '../world.js';
import { farmlandClassRows } from './farmlandClass.js';
import type { DemoGenerator, DemoRow } from './types.js';

type Level = 'NATIONAL' | 'MUNICIPAL' | 'DISTRICT';
type LandType = 'FARMLAND' | 'CONSTRUCTION_LAND' | 'UNUSED_LAND';
type Purpose = 'GENERAL' | 'KEY_UNIT' | 'SENSITIVE_RECEPTOR';
/** What a point's samples show against the standard of its land (the stories of the supervision rules). */
type Finding = 'BACKGROUND' | 'ABOVE_SCREENING' | 'ABOVE_INTERVENTION' | 'INDUSTRIAL';

interface NetworkPoint {
  level: Level;
  landType: LandType;
  purpose: Purpose;
  district: DemoDistrict;
  location: [number, number];
  creditCode: string | null;
  ph: number;
  finding: Finding;
  /** The first day it may be sampled, and how many yearly samples it gets. */
  from: string;
  samples: number;
}

/** Beijing's background contents (mg/kg): what a clean sample shows. */
const BACKGROUND: Record<string, [number, number]> = {
  Cd: [0.08, 0.22],
  Hg: [0.03, 0.12],
  As: [6, 12],
  Pb: [18, 32],
  Cr: [45, 75],
  Cu: [18, 32],
  Ni: [22, 34],
  Zn: [55, 95],
  Cr6: [0.1, 0.45],
  benzene: [0, 0.0015],
  trichloroethylene: [0, 0.001],
  tetrachloroethylene: [0, 0.001],
  benzo_a_pyrene: [0, 0.08],
  naphthalene: [0, 0.07],
};

const FARMLAND_ITEMS = ['Cd', 'Hg', 'As', 'Pb', 'Cr', 'Cu', 'Ni', 'Zn'] as const;
const CONSTRUCTION_METALS = ['As', 'Cd', 'Cr6', 'Cu', 'Pb', 'Hg', 'Ni'] as const;
const ORGANICS = [
  'benzene',
  'trichloroethylene',
  'tetrachloroethylene',
  'benzo_a_pyrene',
  'naphthalene',
] as const;
/** Metals the demo raises where a point shows pollution. */
const FARMLAND_POLLUTED = ['Cd', 'Pb', 'As', 'Hg', 'Cr'] as const;
const CONSTRUCTION_POLLUTED = ['As', 'Pb', 'Ni', 'Cd', 'Hg', 'Cr6'] as const;

const spec = (code: string): AnalyteSpec => SOIL[code as keyof typeof SOIL];

function background(f: Faker, code: string): number {
  const [min, max] = BACKGROUND[code];
  return floatBetween(f, min, max, 5);
}

/** A farmland sample: background, or one to two metals above the screening (or intervention) value at its pH. */
function farmlandResults(f: Faker, point: NetworkPoint, ph: number): AnalyteResult[] {
  const band = phBand(ph);
  const raised = new Set(
    point.finding === 'BACKGROUND'
      ? []
      : f.helpers.arrayElements(FARMLAND_POLLUTED, {
          min: 1,
          max: point.finding === 'ABOVE_INTERVENTION' ? 1 : 2,
        }),
  );
  return FARMLAND_ITEMS.map((code) => {
    const metal = code as keyof typeof FARMLAND_SCREENING;
    let value = background(f, code);
    if (raised.has(metal)) {
      const screening = FARMLAND_SCREENING[metal][band];
      const intervention = FARMLAND_INTERVENTION[metal][band];
      value =
        point.finding === 'ABOVE_INTERVENTION'
          ? around(f, intervention, 1.1, 1.8)
          : floatBetween(f, screening * 1.1, Math.min(intervention * 0.9, screening * 2.5), 5);
    }
    return resultOf(spec(code), value);
  });
}

/** A construction-land sample: metals (and organics where industry was) against the GB 36600 values. */
function constructionResults(f: Faker, point: NetworkPoint): AnalyteResult[] {
  const raised = new Set<string>(
    point.finding === 'BACKGROUND' ? [] : f.helpers.arrayElements(CONSTRUCTION_POLLUTED, { min: 1, max: 2 }),
  );
  const results = CONSTRUCTION_METALS.map((code) => {
    let value = background(f, code);
    if (raised.has(code)) {
      const { first, second } = CONSTRUCTION_SCREENING;
      value =
        point.finding === 'INDUSTRIAL'
          ? around(f, second[code], 1.05, 2.2)
          : around(
              f,
              first[code],
              point.finding === 'ABOVE_SCREENING' ? 1.1 : 0.5,
              point.finding === 'ABOVE_SCREENING' ? 2.5 : 0.9,
            );
    }
    return resultOf(spec(code), value);
  });
  if (point.purpose === 'GENERAL' && point.finding === 'BACKGROUND') return results;
  const organics = ORGANICS.map((code) => {
    const value =
      point.finding === 'INDUSTRIAL' && chance(f, 0.3)
        ? spec(code).detectionLimit * floatBetween(f, 50, 3000, 1)
        : background(f, code);
    return resultOf(spec(code), value);
  });
  return [...results, ...organics];
}

function levelCode(level: Level): string {
  return { NATIONAL: 'GK', MUNICIPAL: 'SK', DISTRICT: 'QK' }[level];
}

/** The points: on farmland parcels, on rezoned plots and register sites, around key units, on unused land. */
function networkPoints(world: DemoWorld, f: Faker): NetworkPoint[] {
  const points: NetworkPoint[] = [];
  const add = (point: Omit<NetworkPoint, 'ph' | 'samples'> & { samples?: number }) =>
    points.push({
      ph: point.district.mix === 'mountain' ? floatBetween(f, 6.2, 8.0) : floatBetween(f, 7.0, 8.6),
      samples: f.number.int({ min: 1, max: 3 }),
      ...point,
    });

  // Farmland: on the parcels of each class, so that class and measurement can be compared.
  const parcels = farmlandClassRows(world, farmlandClass);
  for (const parcel of parcels) {
    const boundary = parcel.boundary as GeoPolygon | null;
    const qualityClass = parcel.qualityClass as string;
    const sampled = qualityClass !== 'PRIORITY_PROTECTION' || chance(f, 0.25);
    const location = boundary && interiorPoint(boundary);
    if (!sampled || !location) continue;
    const finding: Finding =
      qualityClass === 'PRIORITY_PROTECTION'
        ? weighted(f, { BACKGROUND: 92, ABOVE_SCREENING: 7, ABOVE_INTERVENTION: 1 })
        : qualityClass === 'SAFE_USE'
          ? weighted(f, { BACKGROUND: 10, ABOVE_SCREENING: 78, ABOVE_INTERVENTION: 12 })
          : weighted(f, { ABOVE_SCREENING: 30, ABOVE_INTERVENTION: 70 });
    add({
      level: weighted(f, { NATIONAL: 2, MUNICIPAL: 4, DISTRICT: 4 }),
      landType: 'FARMLAND',
      purpose: 'GENERAL',
      district: districtByCode(parcel.district as string),
      location,
      creditCode: null,
      finding,
      from: `${f.number.int({ min: 2021, max: 2024 })}-04-01`,
    });
  }

  // Rezoned plots (一住两公): housing and schools are sensitive receptors; plots on old industrial land
  // show more above the first-class screening values than ordinary ones.
  for (const plot of world.rezonings) {
    const industrial = plot.origin.kind !== 'ordinary';
    if (!industrial && !chance(f, 0.25)) continue;
    const location = interiorPoint(plot.boundary);
    if (!location) continue;
    add({
      level: weighted(f, { MUNICIPAL: 3, DISTRICT: 7 }),
      landType: 'CONSTRUCTION_LAND',
      purpose: 'SENSITIVE_RECEPTOR',
      district: plot.district,
      location,
      creditCode: null,
      finding: chance(f, industrial ? 0.5 : 0.1) ? 'ABOVE_SCREENING' : 'BACKGROUND',
      from: minDate(plot.permitDate, '2024-12-31'),
    });
  }

  // Register sites: listed ones still show their pollution; removed ones were cleaned up.
  for (const site of world.registerSites) {
    if (!chance(f, 0.4)) continue;
    const location = interiorPoint(site.boundary);
    if (!location) continue;
    const listed = site.status === 'LISTED';
    add({
      level: 'DISTRICT',
      landType: 'CONSTRUCTION_LAND',
      purpose: 'GENERAL',
      district: site.district,
      location,
      creditCode: null,
      finding: listed ? 'INDUSTRIAL' : chance(f, 0.1) ? 'ABOVE_SCREENING' : 'BACKGROUND',
      from: minDate(site.removedOn ?? site.listedOn, '2025-12-31'),
      samples: 1,
    });
  }

  // Around key supervised units: one point each, outside the fence, sampled in the years it is listed.
  for (const unit of world.keyUnits) {
    const east = floatBetween(f, -1, 1) * (unit.site.radiusM + 150);
    const north = (chance(f, 0.5) ? 1 : -1) * (unit.site.radiusM + floatBetween(f, 50, 250, 0));
    const first = Math.max(unit.years[0], 2021);
    const last = Math.min(unit.years[unit.years.length - 1], 2026);
    if (first > last) continue;
    add({
      level: weighted(f, { MUNICIPAL: 4, DISTRICT: 6 }),
      landType: 'CONSTRUCTION_LAND',
      purpose: 'KEY_UNIT',
      district: unit.site.district,
      location: offsetMetres(unit.site.centre, east, north),
      creditCode: unit.creditCode,
      finding: chance(f, 0.15) ? 'INDUSTRIAL' : chance(f, 0.2) ? 'ABOVE_SCREENING' : 'BACKGROUND',
      from: `${first}-03-01`,
      samples: Math.min(last - first + 1, 3),
    });
  }

  // Unused land (未利用地): a few background points in the hills and along rivers.
  for (let i = 0; i < 80; i++) {
    const district = pickDistrict(f, 'farm', (d) => d.mix !== 'urban');
    add({
      level: weighted(f, { NATIONAL: 3, MUNICIPAL: 4, DISTRICT: 3 }),
      landType: 'UNUSED_LAND',
      purpose: 'GENERAL',
      district,
      location: lonLatInTown(f, district, f.helpers.arrayElement(district.towns)),
      creditCode: null,
      finding: 'BACKGROUND',
      from: `${f.number.int({ min: 2021, max: 2024 })}-04-01`,
    });
  }
  return points;
}

/** 土壤环境监测网络: each point sampled once a year, in consecutive years from its first. */
export const soilMonitoringNetworkRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(dataset.name);
  const seq = new Sequences();
  const rows: DemoRow[] = [];
  for (const point of networkPoints(world, f)) {
    const pointCode = `${levelCode(point.level)}-${point.district.code}-${pad(seq.next(`${point.level}${point.district.code}`), 4)}`;
    const firstYear = Number(point.from.slice(0, 4));
    for (let k = 0; k < point.samples; k++) {
      const year = firstYear + k;
      const start = k === 0 ? point.from : `${year}-03-01`;
      const end = minDate(`${year}-11-30`, DEMO_TODAY);
      if (start > end) break;
      const ph = Math.round((point.ph + floatBetween(f, -0.1, 0.1)) * 100) / 100;
      rows.push({
        publisher: dataset.owner,
        pointCode,
        sampledOn: dateBetween(f, start, end),
        networkLevel: point.level,
        landType: point.landType,
        purpose: point.purpose,
        creditCode: point.creditCode,
        district: point.district.code,
        location: pointAt(point.location),
        ph,
        results:
          point.landType === 'FARMLAND' ? farmlandResults(f, point, ph) : constructionResults(f, point),
      });
    }
  }
  return rows;
};
