import type { LandCategoryCode } from '../geography.js';
import { demoFaker, floatBetween, round } from '../random.js';
import { type FertiliserTypeCode, fertilisers } from '../vocabulary.js';
import { areaMu, farmPlace, inputUseColumns, yearAndPeriod } from './farming.js';
import type { DemoGenerator, DemoRow } from './types.js';

export const FERTILISER_USE_ROWS = 3000;

/** Trees and lawns get mostly organic and compound fertiliser. */
const WOODY: Partial<Record<FertiliserTypeCode, number>> = { ORGANIC: 5, COMPOUND: 4, NITROGEN: 1 };
const isWoody = (c: LandCategoryCode) => c === 'FOREST' || c === 'GREEN_SPACE';

/** 化肥使用: product amount (实物量) and nutrient amount (折纯量, always the smaller). */
export const fertiliserUseRows: DemoGenerator = (_world, dataset) => {
  const f = demoFaker(dataset.name);
  const rows: DemoRow[] = [];
  for (let i = 1; i <= FERTILISER_USE_ROWS; i++) {
    const place = farmPlace(f);
    const when = yearAndPeriod(f, place.category);
    const fertiliser = f.helpers.weightedArrayElement(
      fertilisers.map((x) => ({
        value: x,
        weight: isWoody(place.category) ? (WOODY[x.type] ?? 0.2) : x.weight,
      })),
    );
    const area = areaMu(f, place.category);
    const seasons = when.period === 'YEAR' ? f.number.int({ min: 1, max: 2 }) : 1;
    const amount = round(area * floatBetween(f, fertiliser.dose[0], fertiliser.dose[1], 2) * seasons, 1);
    rows.push({
      ...inputUseColumns(f, place, when, 'HF', i),
      fertiliserType: fertiliser.type,
      amountKg: amount,
      pureAmountKg: round(amount * floatBetween(f, fertiliser.pure[0], fertiliser.pure[1], 3), 1),
      areaMu: area,
    });
  }
  return rows;
};
