import type { Faker } from '@faker-js/faker';
import type { GeoPolygon } from '../domain/geometry.js';
import type { DemoDistrict } from './geography.js';
import { lonLatInTown, plotAround } from './geography.js';
import { chance, floatBetween, pad } from './random.js';
import { type Industry, tradeNameChars } from './vocabulary.js';

/** Names and addresses: enterprises, villages, roads, parcel codes. */

/** 于家务回族乡 → 于家务, 礼贤镇 → 礼贤, 燕山迎风街道 → 燕山迎风; short names are kept whole (花乡). */
export function townStem(town: string): string {
  const stem = town.replace(/(满族乡|回族乡|街道|地区|镇|乡)$/, '');
  return stem.length >= 2 ? stem : town;
}

/** A two-character trade name (字号): two syllables, or a given name as many small firms use. */
export function tradeName(f: Faker): string {
  if (chance(f, 0.3)) {
    const given = f.person.firstName();
    if (given.length === 2) return given;
  }
  const [a, b] = f.helpers.arrayElements(tradeNameChars, 2);
  return a + b;
}

const VILLAGE_SUFFIXES = ['各庄', '家务', '辛庄', '营', '店', '庄', '家坟', '坨', '屯', '家庄'];
const ETOWN_ROADS = [
  '科创十三街',
  '经海路',
  '荣华南路',
  '宏达北路',
  '永昌北路',
  '地盛北街',
  '兴盛街',
  '博兴路',
  '康定街',
];

export function villageName(f: Faker): string {
  return `${f.person.lastName()}${f.helpers.arrayElement(VILLAGE_SUFFIXES)}村`;
}

/** A street address in a town of a district. */
export function addressIn(f: Faker, district: DemoDistrict, town: string): string {
  if (district.code === '110400') {
    return `北京经济技术开发区${f.helpers.arrayElement(ETOWN_ROADS)}${f.number.int({ min: 1, max: 99 })}号`;
  }
  const where = town.endsWith('街道')
    ? `${f.helpers.arrayElements(tradeNameChars, 2).join('')}路${f.number.int({ min: 1, max: 180 })}号`
    : chance(f, 0.35)
      ? `${townStem(town)}工业区${f.helpers.arrayElement(tradeNameChars)}${f.helpers.arrayElement(['兴', '园', '盛'])}路${f.number.int({ min: 1, max: 60 })}号`
      : `${villageName(f)}${f.helpers.arrayElement(['东', '西', '南', '北'])}${f.number.int({ min: 1, max: 12 }) * 100}米`;
  return `北京市${district.name}${town}${where}`;
}

const usedNames = new WeakMap<Faker, Set<string>>();

function unique(f: Faker, make: () => string): string {
  let used = usedNames.get(f);
  if (!used) {
    used = new Set();
    usedNames.set(f, used);
  }
  for (;;) {
    const name = make();
    if (!used.has(name)) {
      used.add(name);
      return name;
    }
  }
}

/** An enterprise name: 北京某某化工有限公司, or the old factory style 北京市通州区永乐店化工厂. */
export function enterpriseName(f: Faker, industry: Industry, district: DemoDistrict, town: string): string {
  const word = f.helpers.arrayElement(industry.words);
  return unique(f, () => {
    if (industry.code === 'F5265') {
      return chance(f, 0.5)
        ? `北京市${district.name}${townStem(town)}加油站`
        : `北京${tradeName(f)}石油销售有限公司`;
    }
    if (industry.factory && district.code !== '110400' && chance(f, 0.15)) {
      return `北京市${district.name}${townStem(town)}${industry.factory}`;
    }
    const form = f.helpers.weightedArrayElement([
      { value: '有限公司', weight: 6 },
      { value: '有限责任公司', weight: 2 },
      { value: '科技有限公司', weight: 1 },
      { value: '股份有限公司', weight: 0.6 },
    ]);
    return `${chance(f, 0.2) ? '北京市' : '北京'}${tradeName(f)}${word}${form}`;
  });
}

/** A developer (建设单位) name. */
export function developerName(f: Faker): string {
  return unique(
    f,
    () =>
      `北京${tradeName(f)}${f.helpers.arrayElement(['置业', '房地产开发', '城市建设开发', '地产', '安居置业', '城乡建设'])}有限公司`,
  );
}

/** Beijing parcel codes: district prefix, planning unit, plot, e.g. FT00-0209-6003. */
export class ParcelCodes {
  private readonly used = new Set<string>();

  constructor(private readonly f: Faker) {}

  issue(district: DemoDistrict): string {
    for (;;) {
      const unit = this.f.number.int({ min: 1, max: 18 }) * 100 + this.f.number.int({ min: 1, max: 12 });
      const plot = this.f.number.int({ min: 1, max: 90 }) + (chance(this.f, 0.3) ? 6000 : 0);
      const code = `${district.abbr}00-${pad(unit, 4)}-${pad(plot, 4)}`;
      if (!this.used.has(code)) {
        this.used.add(code);
        return code;
      }
    }
  }
}

/** A place in a district: town, address, centre, and (usually) a boundary. */
export interface Site {
  district: DemoDistrict;
  town: string;
  address: string;
  centre: [number, number];
  radiusM: number;
  boundary?: GeoPolygon;
}

export function siteIn(
  f: Faker,
  district: DemoDistrict,
  radius: [number, number],
  withBoundary = true,
  town = f.helpers.arrayElement(district.towns),
): Site {
  const centre = lonLatInTown(f, district, town);
  const radiusM = floatBetween(f, radius[0], radius[1], 0);
  return {
    district,
    town,
    address: addressIn(f, district, town),
    centre,
    radiusM,
    boundary: withBoundary ? plotAround(f, centre, radiusM) : undefined,
  };
}
