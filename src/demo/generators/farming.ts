import type { Faker } from '@faker-js/faker';
import { type DemoDistrict, type LandCategoryCode, pickDistrict, pickLandCategory } from '../geography.js';
import { pad, round, weighted } from '../random.js';
import { cropsByCategory } from '../vocabulary.js';

/** What the farming datasets share: where farming happens, who reports it, what grows. */

/** Orchards, forest and green land are the forestry bureau's; fields and greenhouses agriculture's. */
export function farmPublisher(category: LandCategoryCode): 'FORESTRY' | 'AGRICULTURE' {
  return category === 'FOREST' || category === 'GARDEN' || category === 'GREEN_SPACE'
    ? 'FORESTRY'
    : 'AGRICULTURE';
}

/** A district and land category for a farming record: mostly the outer agricultural districts. */
export function farmPlace(
  f: Faker,
  onlyFarmland = false,
): { district: DemoDistrict; category: LandCategoryCode } {
  const district = pickDistrict(f, 'farm', (d) => !onlyFarmland || d.mix !== 'urban');
  return { district, category: onlyFarmland ? 'CULTIVATED' : pickLandCategory(f, district) };
}

/** A crop for the land category, with the district's specialties (平谷大桃, 庞各庄西瓜 …) drawn often. */
export function cropFor(f: Faker, district: DemoDistrict, category: LandCategoryCode): string {
  const special = district.specialties?.filter((s) => s.category === category) ?? [];
  if (special.length > 0 && f.number.float({ min: 0, max: 1 }) < 0.45)
    return f.helpers.arrayElement(special).crop;
  return f.helpers.weightedArrayElement(
    cropsByCategory[category].map((c) => ({ value: c.crop, weight: c.weight })),
  );
}

const AREA_MU: Record<LandCategoryCode, [number, number]> = {
  CULTIVATED: [80, 3000],
  FACILITY_AGRICULTURE: [10, 400],
  GARDEN: [30, 1500],
  FOREST: [100, 5000],
  GREEN_SPACE: [10, 800],
};

/** The area (mu) a town-level input-use record covers: skewed towards smaller areas. */
export function areaMu(f: Faker, category: LandCategoryCode): number {
  const [min, max] = AREA_MU[category];
  const u = f.number.float({ min: 0, max: 1 });
  return round(min + (max - min) * u * u, 1);
}

export type PeriodCode = 'YEAR' | 'H1' | 'H2' | 'Q1' | 'Q2' | 'Q3' | 'Q4';

/** A reporting year and period: complete periods only, none beyond the demo's today (2026-11-01). */
export function yearAndPeriod(f: Faker, category: LandCategoryCode): { year: number; period: PeriodCode } {
  const year = f.helpers.weightedArrayElement(
    [2020, 2021, 2022, 2023, 2024, 2025, 2026].map((y, i) => ({ value: y, weight: 10 + i * 2 })),
  );
  const winter = category === 'FACILITY_AGRICULTURE' ? 1 : 0.1;
  const period: PeriodCode =
    year === 2026
      ? weighted(f, { Q1: winter, Q2: 3, Q3: 3, H1: 2 })
      : weighted(f, { YEAR: 4, H1: 2, H2: 2, Q1: winter, Q2: 1.5, Q3: 1.5, Q4: winter });
  return { year, period };
}

/** How many applications a period holds. */
export function applications(f: Faker, period: PeriodCode): number {
  if (period === 'YEAR') return f.number.int({ min: 2, max: 5 });
  if (period === 'H1' || period === 'H2') return f.number.int({ min: 1, max: 3 });
  return f.number.int({ min: 1, max: 2 });
}

/** The columns a town-level input-use record (化肥 HF, 农药 NY) starts with; `kind` goes into its source id. */
export function inputUseColumns(
  f: Faker,
  place: { district: DemoDistrict; category: LandCategoryCode },
  when: { year: number; period: PeriodCode },
  kind: 'HF' | 'NY',
  index: number,
) {
  const publisher = farmPublisher(place.category);
  return {
    publisher,
    sourceId: `${publisher === 'FORESTRY' ? 'YLLH' : 'NYNC'}-${kind}-${when.year}-${pad(index, 5)}`,
    year: when.year,
    period: when.period,
    district: place.district.code,
    town: f.helpers.arrayElement(place.district.towns),
    landCategory: place.category,
    crop: cropFor(f, place.district, place.category),
  };
}
