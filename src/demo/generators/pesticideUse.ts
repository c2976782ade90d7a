import { chance, demoFaker, floatBetween, mobile, pad, personName, round } from '../random.js';
import { pesticides } from '../vocabulary.js';
import { applications, areaMu, cropFor, farmPlace, farmPublisher, yearAndPeriod } from './farming.js';
import type { DemoGenerator, DemoRow } from './types.js';

export const PESTICIDE_USE_ROWS = 3000;

/** 农药使用: town-level records by crop and product; orchards, forest and green land by forestry. */
export const pesticideUseRows: DemoGenerator = (_world, dataset) => {
  const f = demoFaker(dataset.name);
  const rows: DemoRow[] = [];
  for (let i = 1; i <= PESTICIDE_USE_ROWS; i++) {
    const { district, category } = farmPlace(f);
    const { year, period } = yearAndPeriod(f, category);
    const product = f.helpers.weightedArrayElement(
      pesticides
        .filter((p) => p.categories.includes(category) && (p.until ?? 9999) >= year)
        .map((p) => ({ value: p, weight: p.weight })),
    );
    const area = areaMu(f, category);
    const dose = floatBetween(f, product.dose[0], product.dose[1], 4);
    const publisher = farmPublisher(category);
    const named = chance(f, 0.85);
    rows.push({
      publisher,
      sourceId: `${publisher === 'FORESTRY' ? 'YLLH' : 'NYNC'}-NY-${year}-${pad(i, 5)}`,
      year,
      period,
      district: district.code,
      town: f.helpers.arrayElement(district.towns),
      landCategory: category,
      crop: cropFor(f, district, category),
      product: product.product,
      activeIngredient: product.activeIngredient,
      toxicityClass: product.toxicity,
      amountKg: round(area * dose * applications(f, period), 2),
      areaMu: area,
      applicatorName: named ? personName(f) : null,
      applicatorPhone: named ? mobile(f) : null,
    });
  }
  return rows;
};
