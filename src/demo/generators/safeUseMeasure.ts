import { farmlandClass } from '../../catalog/datasets/farmlandClass.js';
import { chance, demoFaker, round } from '../random.js';
import { farmlandClassRows } from './farmlandClass.js';
import type { DemoGenerator, DemoRow } from './types.js';

const YEARS = [2021, 2022, 2023, 2024, 2025, 2026];
const SAFE_USE = [
  'LOW_ACCUMULATION_VARIETY',
  'WATER_MANAGEMENT',
  'LIME',
  'FOLIAR_INHIBITION',
  'SOIL_PASSIVATION',
  'BALANCED_FERTILISATION',
];
const STRICT_CONTROL = ['CROP_ADJUSTMENT', 'RETURN_TO_FOREST_GRASS', 'NO_FOOD_CROPS', 'FALLOW'];
/** The share of its safe-use and strict-control area a district keeps under confirmed measures: about 95%. */
const TARGETS = [0.93, 0.945, 0.955, 0.97, 0.99];

interface Parcel {
  parcelCode: string;
  district: string;
  areaMu: number;
  qualityClass: 'SAFE_USE' | 'STRICT_CONTROL';
}

/**
 * 受污染耕地安全利用与严格管控措施: every safe-use and strict-control parcel of farmlandClass, every year. In
 * each district and year the area under measures whose effect is confirmed comes to a target just under or
 * over 95% of the total: the rest of the area has no measure, a measure not confirmed, or a measure on part.
 */
export const safeUseMeasureRows: DemoGenerator = (world, dataset) => {
  const f = demoFaker(dataset.name);
  const byDistrict = new Map<string, Parcel[]>();
  for (const row of farmlandClassRows(world, farmlandClass)) {
    if (row.qualityClass === 'PRIORITY_PROTECTION') continue;
    const parcel = row as unknown as Parcel;
    byDistrict.set(parcel.district, [...(byDistrict.get(parcel.district) ?? []), parcel]);
  }
  const rows: DemoRow[] = [];
  for (const [district, parcels] of [...byDistrict].sort(([a], [b]) => a.localeCompare(b))) {
    for (const year of YEARS) {
      const target = f.helpers.arrayElement(TARGETS);
      const total = parcels.reduce((sum, p) => sum + p.areaMu, 0);
      let short = total * (1 - target);
      for (const parcel of f.helpers.shuffle(parcels)) {
        const strict = parcel.qualityClass === 'STRICT_CONTROL';
        const measures = f.helpers.arrayElements(strict ? STRICT_CONTROL : SAFE_USE, {
          min: 1,
          max: strict ? 2 : 3,
        });
        // The confirmed area of the parcel: the whole, none (uncovered or unconfirmed) or a part.
        let confirmed = parcel.areaMu;
        if (short > 0) {
          confirmed = short >= parcel.areaMu ? 0 : round(parcel.areaMu - short, 2);
          short -= parcel.areaMu - confirmed;
          if (confirmed === 0 && chance(f, 0.5)) continue;
        }
        measures.forEach((measure, i) => {
          const area =
            i === 0
              ? confirmed > 0
                ? confirmed
                : parcel.areaMu
              : round(parcel.areaMu * f.number.float({ min: 0.2, max: 1 }), 2);
          rows.push({
            publisher: dataset.owner,
            parcelCode: parcel.parcelCode,
            year,
            measure,
            measureKind: strict ? 'STRICT_CONTROL' : 'SAFE_USE',
            areaMu: area,
            // A further measure's confirmed area never exceeds the parcel's: the rate counts each parcel once.
            effectConfirmed: i === 0 ? confirmed > 0 : area <= confirmed && chance(f, 0.7),
            district,
          });
        });
      }
    }
  }
  return rows;
};
