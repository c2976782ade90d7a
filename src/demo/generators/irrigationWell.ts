import { lonLatInTown, pointAt } from '../geography.js';
import { chance, dateBetween, demoFaker, floatBetween, pad, weighted } from '../random.js';
import { Sequences } from '../sequences.js';
import { farmPlace } from './farming.js';
import type { DemoGenerator, DemoRow } from './types.js';

export const IRRIGATION_WELL_ROWS = 2000;

/** Districts that irrigate with reclaimed water (再生水灌区) and with reservoir water. */
const RECLAIMED = new Set(['110115', '110112', '110113', '110105', '110106']);
const SURFACE = new Set(['110118', '110116', '110117', '110119']);

/** 农田灌溉机井: deep groundwater wells on the plain, shallower ones and reservoir water in the hills. */
export const irrigationWellRows: DemoGenerator = (_world, dataset) => {
  const f = demoFaker(dataset.name);
  const rows: DemoRow[] = [];
  const seq = new Sequences();
  for (let i = 0; i < IRRIGATION_WELL_ROWS; i++) {
    const { district } = farmPlace(f, true);
    const town = f.helpers.arrayElement(district.towns);
    const n = seq.next(district.code);
    const waterSource = weighted(f, {
      GROUNDWATER: 85,
      RECLAIMED_WATER: RECLAIMED.has(district.code) ? 12 : 0,
      SURFACE_WATER: SURFACE.has(district.code) ? 18 : 1,
    });
    const tested = chance(f, 0.88);
    const depth = district.mix === 'mountain' ? floatBetween(f, 50, 180, 1) : floatBetween(f, 80, 260, 1);
    rows.push({
      publisher: dataset.owner,
      wellCode: `JJ-${district.code}-${pad(n, 5)}`,
      district: district.code,
      town,
      location: pointAt(lonLatInTown(f, district, town)),
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
  }
  return rows;
};
