import { chance, demoFaker, floatBetween, mobile, personName, round } from '../random.js';
import { pesticides } from '../vocabulary.js';
import { applications, areaMu, farmPlace, inputUseColumns, yearAndPeriod } from './farming.js';
import type { DemoGenerator, DemoRow } from './types.js';

export const PESTICIDE_USE_ROWS = 3000;

/** 农药使用: town-level records by crop and product; orchards, forest and green land by forestry. */
export const pesticideUseRows: DemoGenerator = (_world, dataset) => {
  const f = demoFaker(dataset.name);
  const rows: DemoRow[] = [];
  for (let i = 1; i <= PESTICIDE_USE_ROWS; i++) {
    const place = farmPlace(f);
    const when = yearAndPeriod(f, place.category);
    const product = f.helpers.weightedArrayElement(
      pesticides
        .filter((p) => p.categories.includes(place.category) && (p.until ?? 9999) >= when.year)
        .map((p) => ({ value: p, weight: p.weight })),
    );
    const area = areaMu(f, place.category);
    const dose = floatBetween(f, product.dose[0], product.dose[1], 4);
    const named = chance(f, 0.85);
    rows.push({
      ...inputUseColumns(f, place, when, 'NY', i),
      product: product.product,
      activeIngredient: product.activeIngredient,
      toxicityClass: product.toxicity,
      amountKg: round(area * dose * applications(f, when.period), 2),
      areaMu: area,
      applicatorName: named ? personName(f) : null,
      applicatorPhone: named ? mobile(f) : null,
    });
  }
  return rows;
};
