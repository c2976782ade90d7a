import { base, en, Faker, zh_CN } from '@faker-js/faker';

/**
 * Deterministic randomness for the demo data set: every generator draws from its own seeded Faker, so the
 * same rows come out on every run and changing one generator does not shift the others. No Math.random, no
 * clock: "today" is fixed.
 */
export const DEMO_SEED = 20261123;

/** The demo data set's "today": no date in it lies after this day. */
export const DEMO_TODAY = '2026-11-01';

/** The sync batch every demo row carries. */
export const DEMO_BATCH = 'demo';

/** A Faker for one stream of the demo data. The world (cross-linked entities) uses the bare seed. */
export function demoFaker(stream?: string): Faker {
  const faker = new Faker({ locale: [zh_CN, en, base] });
  if (stream === undefined) {
    faker.seed(DEMO_SEED);
  } else {
    let hash = 0;
    for (const char of stream) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
    faker.seed([DEMO_SEED, hash]);
  }
  return faker;
}

const DAY_MS = 86_400_000;

function toDays(iso: string): number {
  return Math.round(Date.UTC(+iso.slice(0, 4), +iso.slice(5, 7) - 1, +iso.slice(8, 10)) / DAY_MS);
}

function fromDays(days: number): string {
  return new Date(days * DAY_MS).toISOString().slice(0, 10);
}

/** An ISO date plus (or minus) a number of days. */
export function addDays(iso: string, days: number): string {
  return fromDays(toDays(iso) + days);
}

/** Days from `a` to `b`. */
export function daysBetween(a: string, b: string): number {
  return toDays(b) - toDays(a);
}

/** The earlier of two ISO dates. */
export function minDate(a: string, b: string): string {
  return a < b ? a : b;
}

/** A uniformly drawn ISO date in [from, to]; `to` when the range is empty (the upper bound is the cap). */
export function dateBetween(f: Faker, from: string, to: string): string {
  const a = toDays(from);
  const b = toDays(to);
  return fromDays(b <= a ? b : f.number.int({ min: a, max: b }));
}

/** A number with a fixed count of decimals. */
export function round(value: number, decimals = 2): number {
  const scale = 10 ** decimals;
  return Math.round(value * scale) / scale;
}

/** A uniform float in [min, max], rounded. */
export function floatBetween(f: Faker, min: number, max: number, decimals = 2): number {
  return round(min + f.number.float({ min: 0, max: 1 }) * (max - min), decimals);
}

/** True with probability p. */
export function chance(f: Faker, p: number): boolean {
  return f.number.float({ min: 0, max: 1 }) < p;
}

/** One of the keys of a weight table, drawn by weight. */
export function weighted<T extends string>(f: Faker, weights: Readonly<Partial<Record<T, number>>>): T {
  const entries = Object.entries(weights) as [T, number][];
  return f.helpers.weightedArrayElement(
    entries.filter(([, w]) => w > 0).map(([value, weight]) => ({ value, weight })),
  );
}

/** Zero-padded decimal. */
export const pad = (n: number, width: number) => String(n).padStart(width, '0');

// Chinese mobile prefixes in use (China Mobile, Unicom, Telecom, virtual operators).
const MOBILE_PREFIXES = [
  ...'130 131 132 133 134 135 136 137 138 139 150 151 152 153 155 156 157 158 159'.split(' '),
  ...'166 170 171 173 175 176 177 178 180 181 182 183 184 185 186 187 188 189 191 193 195 198 199'.split(' '),
];

/** A Chinese mobile number, 1[3-9] and nine more digits. */
export function mobile(f: Faker): string {
  return f.helpers.arrayElement(MOBILE_PREFIXES) + f.string.numeric(8);
}

/** A Chinese person's full name (surname first, no space). */
export function personName(f: Faker): string {
  return f.person.lastName() + f.person.firstName();
}
