import { farmlandClass } from '../../catalog/datasets/farmlandClass.js';
import type { GeoPolygon } from '../../domain/geometry.js';
import {
  demoDistricts,
  lonLatInTown,
  M2_PER_MU,
  offsetMetres,
  pickDistrict,
  polygonAreaM2,
  polygonAround,
} from '../geography.js';
import { chance, dateBetween, demoFaker, floatBetween, pad, round } from '../random.js';
import { Sequences } from '../sequences.js';
import { farmlandClassRows } from './farmlandClass.js';
import type { DemoGenerator, DemoRow } from './types.js';

export const BASIC_FARMLAND_ROWS = 1300;

/**
 * Designated with the 2017 delineation (永久基本农田划定) or adjusted with 三区三线 in 2022, each time by
 * one approval per district.
 */
const ROUNDS = [
  { from: '2017-03-01', to: '2017-11-30', doc: (serial: number) => `京政函〔2017〕${serial}号` },
  { from: '2022-06-01', to: '2022-10-31', doc: (serial: number) => `京规自函〔2022〕${serial + 60}号` },
] as const;
const serialOf = (district: string) => 11 + demoDistricts.findIndex((d) => d.code === district);

function centreOf(polygon: GeoPolygon): [number, number] {
  const ring = polygon.coordinates[0].slice(0, -1);
  return [
    ring.reduce((sum, [lon]) => sum + lon, 0) / ring.length,
    ring.reduce((sum, [, lat]) => sum + lat, 0) / ring.length,
  ];
}

/**
 * 永久基本农田: drawn over the cultivated parcels of the farmland-class dataset, overlapping them in part
 * (a designation parcel and a survey parcel are drawn apart): most priority-protection parcels, some
 * safe-use ones, a few strictly controlled ones still designated (which the plans say to adjust out), and
 * some designated land no class parcel covers yet.
 */
export const basicFarmlandRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(dataset.name);
  const seq = new Sequences();
  const rows: DemoRow[] = [];
  const add = (district: string, town: string, boundary: GeoPolygon) => {
    const round2022 = chance(f, 0.25);
    const when = ROUNDS[round2022 ? 1 : 0];
    rows.push({
      publisher: dataset.owner,
      parcelCode: `JBNT-${district}-${pad(seq.next(district), 5)}`,
      district,
      town,
      boundary,
      areaMu: round(polygonAreaM2(boundary) / M2_PER_MU, 2),
      designatedOn: dateBetween(f, when.from, when.to),
      designationDocNo: when.doc(serialOf(district)),
    });
  };
  const odds = { PRIORITY_PROTECTION: 0.76, SAFE_USE: 0.45, STRICT_CONTROL: 0.3 } as const;
  for (const row of farmlandClassRows(world, farmlandClass)) {
    if (row.landCategory !== 'CULTIVATED' || !row.boundary) continue;
    if (!chance(f, odds[row.qualityClass as keyof typeof odds])) continue;
    const boundary = row.boundary as GeoPolygon;
    const radius = Math.sqrt(polygonAreaM2(boundary) / Math.PI);
    const angle = f.number.float({ min: 0, max: 2 * Math.PI });
    const shift = radius * floatBetween(f, 0.3, 0.7);
    const centre = offsetMetres(centreOf(boundary), shift * Math.cos(angle), shift * Math.sin(angle));
    add(String(row.district), String(row.town), polygonAround(f, centre, radius * floatBetween(f, 0.8, 1.3)));
    if (rows.length === BASIC_FARMLAND_ROWS) return rows;
  }
  while (rows.length < BASIC_FARMLAND_ROWS) {
    const district = pickDistrict(f, 'farm', (d) => d.mix !== 'urban');
    const town = f.helpers.arrayElement(district.towns);
    const mu = 20 + 400 * f.number.float({ min: 0, max: 1 }) ** 2;
    const boundary = polygonAround(f, lonLatInTown(f, district, town), Math.sqrt((mu * M2_PER_MU) / Math.PI));
    add(district.code, town, boundary);
  }
  return rows;
};
