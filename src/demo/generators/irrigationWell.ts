import { farmlandClass } from '../../catalog/datasets/farmlandClass.js';
import type { GeoPolygon } from '../../domain/geometry.js';
import { interiorPoint, lonLatInTown, pointAt } from '../geography.js';
import { chance, dateBetween, demoFaker, floatBetween, pad, weighted } from '../random.js';
import { Sequences } from '../sequences.js';
import type { DemoWorld } from '../world.js';
import { farmPlace } from './farming.js';
import { farmlandClassRows } from './farmlandClass.js';
import type { DemoGenerator, DemoRow } from './types.js';

export const IRRIGATION_WELL_ROWS = 2000;

/** Districts that irrigate with reclaimed water (再生水灌区) and with reservoir water. */
const RECLAIMED = new Set(['110115', '110112', '110113', '110105', '110106']);
const SURFACE = new Set(['110118', '110116', '110117', '110119']);

/** 农田灌溉机井: deep groundwater wells on the plain, shallower ones and reservoir water in the hills. */
export const irrigationWellRows: DemoGenerator = (world, dataset) => wells(world, dataset.owner).rows;

/** The wells the demo stands on a parcel, with its code (the irrigation rule's stories). */
export function wellsOnParcels(
  world: DemoWorld,
): { wellCode: string; parcelCode: string; result: unknown }[] {
  return wells(world, 'WATER').placed;
}

function wells(world: DemoWorld, owner: string) {
  const f = demoFaker('irrigationWell');
  const placed: { wellCode: string; parcelCode: string; result: unknown }[] = [];
  // Some wells stand on the classed parcels they irrigate (a stream of its own: the other wells stay put).
  const onParcels = demoFaker('irrigationWell:parcels');
  const parcelsByDistrict = new Map<string, { code: string; town: string; location: [number, number] }[]>();
  for (const parcel of farmlandClassRows(world, farmlandClass)) {
    const inside = parcel.boundary ? interiorPoint(parcel.boundary as GeoPolygon) : undefined;
    if (!inside || parcel.landCategory === 'FOREST') continue;
    const list = parcelsByDistrict.get(parcel.district as string) ?? [];
    list.push({ code: parcel.parcelCode as string, town: parcel.town as string, location: inside });
    parcelsByDistrict.set(parcel.district as string, list);
  }
  const rows: DemoRow[] = [];
  const seq = new Sequences();
  for (let i = 0; i < IRRIGATION_WELL_ROWS; i++) {
    const { district } = farmPlace(f, true);
    let town = f.helpers.arrayElement(district.towns);
    let location = lonLatInTown(f, district, town);
    const parcels = parcelsByDistrict.get(district.code);
    let onParcel: string | null = null;
    if (parcels && chance(onParcels, 0.12)) {
      const parcel = onParcels.helpers.arrayElement(parcels);
      town = parcel.town;
      location = parcel.location;
      onParcel = parcel.code;
    }
    const n = seq.next(district.code);
    const waterSource = weighted(f, {
      GROUNDWATER: 85,
      RECLAIMED_WATER: RECLAIMED.has(district.code) ? 12 : 0,
      SURFACE_WATER: SURFACE.has(district.code) ? 18 : 1,
    });
    const tested = chance(f, 0.88);
    const depth = district.mix === 'mountain' ? floatBetween(f, 50, 180, 1) : floatBetween(f, 80, 260, 1);
    rows.push({
      publisher: owner,
      wellCode: `JJ-${district.code}-${pad(n, 5)}`,
      district: district.code,
      town,
      location: pointAt(location),
      depthM: waterSource === 'SURFACE_WATER' ? floatBetween(f, 15, 40, 1) : depth,
      irrigatedAreaMu: floatBetween(f, 30, 600, 1),
      waterSource,
      lastTestedOn: tested ? dateBetween(f, '2023-03-01', '2026-10-20') : null,
      lastTestResult: tested
        ? chance(f, waterSource === 'RECLAIMED_WATER' ? 0.08 : 0.03)
          ? 'NON_COMPLIANT'
          : 'COMPLIANT'
        : null,
    });
    const row = rows[rows.length - 1];
    if (onParcel)
      placed.push({ wellCode: row.wellCode as string, parcelCode: onParcel, result: row.lastTestResult });
  }
  return { rows, placed };
}
