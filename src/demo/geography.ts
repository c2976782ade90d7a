import type { Faker } from '@faker-js/faker';
import type { GeoPoint, GeoPolygon } from '../domain/geometry.js';
import { chance, floatBetween, round, weighted } from './random.js';

/**
 * Beijing as the demo sees it: the 16 districts and E-Town with a plausible centre, extent and real towns
 * (乡镇 / 街道), plus how much farming, industry and new building each has.
 */

export type LandMix = 'urban' | 'inner' | 'plain' | 'mountain';

export interface DemoDistrict {
  code: string;
  name: string;
  /** One-character short name used in permit numbers, e.g. 朝 in [2024]施[朝]建字0012号. */
  short: string;
  /** Two- or three-letter pinyin prefix of the district's parcel codes, e.g. CY00-0302-0012. */
  abbr: string;
  /** Administrative division code used in the district's credit codes (E-Town's registry uses 110302). */
  creditArea: string;
  centre: [number, number];
  /** Half extent of the district's neighbourhood in degrees (longitude, latitude). */
  extent: [number, number];
  mix: LandMix;
  /** Relative weights: farming inputs and soil points, closed factories, key supervised units, new plots. */
  farm: number;
  industry: number;
  keyUnits: number;
  building: number;
  towns: readonly string[];
  /** Crops the district is known for (平谷大桃, 庞各庄西瓜, 怀柔板栗 …), drawn more often there. */
  specialties?: readonly { category: LandCategoryCode; crop: string }[];
}

export type LandCategoryCode = 'CULTIVATED' | 'GARDEN' | 'FOREST' | 'FACILITY_AGRICULTURE' | 'GREEN_SPACE';

/** A list written as one space-separated string. */
const words = (list: string): string[] => list.split(' ');

export const demoDistricts: readonly DemoDistrict[] = [
  {
    code: '110101',
    name: '东城区',
    short: '东',
    abbr: 'DC',
    creditArea: '110101',
    centre: [116.42, 39.93],
    extent: [0.025, 0.035],
    mix: 'urban',
    farm: 0.4,
    industry: 0.3,
    keyUnits: 0,
    building: 0.5,
    towns: words('景山街道 交道口街道 安定门街道 东四街道 和平里街道 前门街道 天坛街道 龙潭街道'),
  },
  {
    code: '110102',
    name: '西城区',
    short: '西',
    abbr: 'XC',
    creditArea: '110102',
    centre: [116.37, 39.91],
    extent: [0.025, 0.035],
    mix: 'urban',
    farm: 0.4,
    industry: 0.3,
    keyUnits: 0,
    building: 0.5,
    towns: words('新街口街道 月坛街道 展览路街道 德胜街道 什刹海街道 陶然亭街道 广安门外街道 白纸坊街道'),
  },
  {
    code: '110105',
    name: '朝阳区',
    short: '朝',
    abbr: 'CY',
    creditArea: '110105',
    centre: [116.48, 39.95],
    extent: [0.09, 0.08],
    mix: 'inner',
    farm: 1.5,
    industry: 9,
    keyUnits: 3,
    building: 11,
    towns: words('金盏乡 孙河乡 崔各庄乡 黑庄户乡 豆各庄乡 王四营乡 十八里店乡 高碑店乡 管庄乡 平房乡'),
  },
  {
    code: '110106',
    name: '丰台区',
    short: '丰',
    abbr: 'FT',
    creditArea: '110106',
    centre: [116.29, 39.86],
    extent: [0.09, 0.05],
    mix: 'inner',
    farm: 1.2,
    industry: 7,
    keyUnits: 3,
    building: 9,
    towns: words('王佐镇 长辛店镇 花乡 南苑乡 卢沟桥乡 宛平城地区 云岗街道 新村街道'),
    specialties: [{ category: 'GARDEN', crop: '樱桃' }],
  },
  {
    code: '110107',
    name: '石景山区',
    short: '石',
    abbr: 'SJS',
    creditArea: '110107',
    centre: [116.22, 39.91],
    extent: [0.04, 0.03],
    mix: 'inner',
    farm: 0.3,
    industry: 3,
    keyUnits: 2,
    building: 3,
    towns: words('八宝山街道 老山街道 八角街道 古城街道 苹果园街道 金顶街街道 广宁街道 五里坨街道'),
  },
  {
    code: '110108',
    name: '海淀区',
    short: '海',
    abbr: 'HD',
    creditArea: '110108',
    centre: [116.3, 39.96],
    extent: [0.08, 0.09],
    mix: 'inner',
    farm: 2,
    industry: 5,
    keyUnits: 3,
    building: 8,
    towns: words('上庄镇 苏家坨镇 西北旺镇 温泉镇 四季青镇 海淀镇 东升镇 清河街道'),
    specialties: [
      { category: 'GARDEN', crop: '樱桃' },
      { category: 'CULTIVATED', crop: '京西稻' },
    ],
  },
  {
    code: '110109',
    name: '门头沟区',
    short: '门',
    abbr: 'MTG',
    creditArea: '110109',
    centre: [116.1, 39.94],
    extent: [0.18, 0.08],
    mix: 'mountain',
    farm: 2.5,
    industry: 3,
    keyUnits: 2,
    building: 3,
    towns: words('永定镇 龙泉镇 潭柘寺镇 王平镇 军庄镇 妙峰山镇 雁翅镇 斋堂镇 清水镇'),
    specialties: [
      { category: 'GARDEN', crop: '京白梨' },
      { category: 'GARDEN', crop: '核桃' },
    ],
  },
  {
    code: '110111',
    name: '房山区',
    short: '房',
    abbr: 'FS',
    creditArea: '110111',
    centre: [115.99, 39.74],
    extent: [0.2, 0.12],
    mix: 'plain',
    farm: 11,
    industry: 10,
    keyUnits: 12,
    building: 6,
    towns: words(
      '良乡镇 周口店镇 琉璃河镇 窦店镇 石楼镇 长阳镇 阎村镇 青龙湖镇 韩村河镇 长沟镇 大石窝镇 张坊镇 燕山迎风街道 燕山向阳街道',
    ),
    specialties: [
      { category: 'GARDEN', crop: '磨盘柿' },
      { category: 'CULTIVATED', crop: '小麦' },
    ],
  },
  {
    code: '110112',
    name: '通州区',
    short: '通',
    abbr: 'TZ',
    creditArea: '110112',
    centre: [116.66, 39.91],
    extent: [0.12, 0.13],
    mix: 'plain',
    farm: 12,
    industry: 11,
    keyUnits: 8,
    building: 12,
    towns: words('永乐店镇 漷县镇 于家务回族乡 宋庄镇 张家湾镇 马驹桥镇 西集镇 台湖镇 潞城镇 永顺镇 梨园镇'),
    specialties: [
      { category: 'FACILITY_AGRICULTURE', crop: '番茄' },
      { category: 'GARDEN', crop: '樱桃' },
    ],
  },
  {
    code: '110113',
    name: '顺义区',
    short: '顺',
    abbr: 'SY',
    creditArea: '110113',
    centre: [116.65, 40.13],
    extent: [0.13, 0.1],
    mix: 'plain',
    farm: 12,
    industry: 8,
    keyUnits: 7,
    building: 7,
    towns: words(
      '南彩镇 北务镇 李桥镇 李遂镇 杨镇 木林镇 龙湾屯镇 大孙各庄镇 北小营镇 高丽营镇 赵全营镇 牛栏山镇',
    ),
    specialties: [
      { category: 'CULTIVATED', crop: '玉米' },
      { category: 'FACILITY_AGRICULTURE', crop: '黄瓜' },
    ],
  },
  {
    code: '110114',
    name: '昌平区',
    short: '昌',
    abbr: 'CP',
    creditArea: '110114',
    centre: [116.23, 40.22],
    extent: [0.15, 0.1],
    mix: 'plain',
    farm: 8,
    industry: 7,
    keyUnits: 5,
    building: 9,
    towns: words('南口镇 马池口镇 阳坊镇 小汤山镇 南邵镇 崔村镇 百善镇 兴寿镇 流村镇 十三陵镇 沙河镇'),
    specialties: [
      { category: 'FACILITY_AGRICULTURE', crop: '草莓' },
      { category: 'GARDEN', crop: '苹果' },
    ],
  },
  {
    code: '110115',
    name: '大兴区',
    short: '大',
    abbr: 'DX',
    creditArea: '110115',
    centre: [116.34, 39.73],
    extent: [0.14, 0.12],
    mix: 'plain',
    farm: 14,
    industry: 11,
    keyUnits: 8,
    building: 11,
    towns: words('礼贤镇 榆垡镇 庞各庄镇 魏善庄镇 安定镇 采育镇 长子营镇 青云店镇 北臧村镇 黄村镇 西红门镇'),
    specialties: [
      { category: 'CULTIVATED', crop: '西瓜' },
      { category: 'GARDEN', crop: '梨' },
    ],
  },
  {
    code: '110116',
    name: '怀柔区',
    short: '怀',
    abbr: 'HR',
    creditArea: '110116',
    centre: [116.63, 40.32],
    extent: [0.15, 0.15],
    mix: 'mountain',
    farm: 7,
    industry: 4,
    keyUnits: 3,
    building: 4,
    towns: words('怀柔镇 雁栖镇 北房镇 杨宋镇 庙城镇 桥梓镇 怀北镇 渤海镇 九渡河镇 琉璃庙镇 长哨营满族乡'),
    specialties: [{ category: 'GARDEN', crop: '板栗' }],
  },
  {
    code: '110117',
    name: '平谷区',
    short: '平',
    abbr: 'PG',
    creditArea: '110117',
    centre: [117.12, 40.14],
    extent: [0.12, 0.08],
    mix: 'mountain',
    farm: 10,
    industry: 4,
    keyUnits: 3,
    building: 3,
    towns: words(
      '峪口镇 马坊镇 金海湖镇 东高村镇 山东庄镇 大华山镇 夏各庄镇 马昌营镇 王辛庄镇 刘家店镇 黄松峪乡',
    ),
    specialties: [
      { category: 'GARDEN', crop: '大桃' },
      { category: 'GARDEN', crop: '大桃' },
    ],
  },
  {
    code: '110118',
    name: '密云区',
    short: '密',
    abbr: 'MY',
    creditArea: '110118',
    centre: [116.84, 40.38],
    extent: [0.18, 0.14],
    mix: 'mountain',
    farm: 9,
    industry: 3,
    keyUnits: 3,
    building: 3,
    towns: words(
      '溪翁庄镇 西田各庄镇 十里堡镇 河南寨镇 巨各庄镇 穆家峪镇 太师屯镇 高岭镇 不老屯镇 古北口镇 东邵渠镇',
    ),
    specialties: [
      { category: 'GARDEN', crop: '板栗' },
      { category: 'GARDEN', crop: '苹果' },
    ],
  },
  {
    code: '110119',
    name: '延庆区',
    short: '延',
    abbr: 'YQ',
    creditArea: '110119',
    centre: [115.97, 40.46],
    extent: [0.18, 0.1],
    mix: 'mountain',
    farm: 9,
    industry: 2,
    keyUnits: 2,
    building: 3,
    towns: words('延庆镇 康庄镇 八达岭镇 永宁镇 旧县镇 张山营镇 四海镇 千家店镇 沈家营镇 大榆树镇 井庄镇'),
    specialties: [
      { category: 'GARDEN', crop: '葡萄' },
      { category: 'CULTIVATED', crop: '马铃薯' },
    ],
  },
  {
    code: '110400',
    name: '北京经济技术开发区',
    short: '经',
    abbr: 'YZ',
    creditArea: '110302',
    centre: [116.51, 39.79],
    extent: [0.05, 0.04],
    mix: 'inner',
    farm: 0.5,
    industry: 6,
    keyUnits: 10,
    building: 5,
    towns: words('荣华街道 博兴街道 亦庄镇 瀛海镇 台湖镇 马驹桥镇'),
  },
];

const byCode = new Map(demoDistricts.map((d) => [d.code, d]));

export function districtByCode(code: string): DemoDistrict {
  const district = byCode.get(code);
  if (!district) throw new Error(`unknown demo district ${code}`);
  return district;
}

/** A district drawn by one of its weights. */
export function pickDistrict(
  f: Faker,
  weight: 'farm' | 'industry' | 'keyUnits' | 'building',
  only?: (d: DemoDistrict) => boolean,
): DemoDistrict {
  const candidates = demoDistricts.filter((d) => d[weight] > 0 && (!only || only(d)));
  return f.helpers.weightedArrayElement(candidates.map((d) => ({ value: d, weight: d[weight] })));
}

/** Land categories by the kind of district: the city centre has only green space, the hills orchards. */
export const landMixWeights: Record<LandMix, Partial<Record<LandCategoryCode, number>>> = {
  urban: { GREEN_SPACE: 1 },
  inner: { GREEN_SPACE: 5, FOREST: 2, CULTIVATED: 1, FACILITY_AGRICULTURE: 1, GARDEN: 1.2 },
  plain: { CULTIVATED: 6, FACILITY_AGRICULTURE: 3, GARDEN: 2, FOREST: 1.5, GREEN_SPACE: 0.7 },
  mountain: { CULTIVATED: 3, FACILITY_AGRICULTURE: 1.5, GARDEN: 4, FOREST: 3, GREEN_SPACE: 0.4 },
};

export function pickLandCategory(f: Faker, district: DemoDistrict): LandCategoryCode {
  return weighted(f, landMixWeights[district.mix]);
}

/** The centre of the i-th town: towns spread over the district on a sunflower spiral. */
export function townCentre(district: DemoDistrict, town: string): [number, number] {
  const i = Math.max(0, district.towns.indexOf(town));
  const n = district.towns.length;
  const r = 0.8 * Math.sqrt((i + 0.5) / n);
  const angle = i * 2.399963;
  return [
    district.centre[0] + r * district.extent[0] * Math.cos(angle),
    district.centre[1] + r * district.extent[1] * Math.sin(angle),
  ];
}

/** A coordinate near a town centre (within about a fifth of the district's extent). */
export function lonLatInTown(f: Faker, district: DemoDistrict, town: string): [number, number] {
  const [lon, lat] = townCentre(district, town);
  const angle = f.number.float({ min: 0, max: 2 * Math.PI });
  const r = Math.sqrt(f.number.float({ min: 0, max: 1 })) * 0.22;
  return [
    round(lon + r * district.extent[0] * Math.cos(angle), 6),
    round(lat + r * district.extent[1] * Math.sin(angle), 6),
  ];
}

export function pointAt([lon, lat]: [number, number]): GeoPoint {
  return { type: 'Point', coordinates: [round(lon, 6), round(lat, 6)] };
}

const M_PER_DEG_LAT = 111_320;
const mPerDegLon = (lat: number) => M_PER_DEG_LAT * Math.cos((lat * Math.PI) / 180);

/** A coordinate `east` and `north` metres from a centre. */
export function offsetMetres([lon, lat]: [number, number], east: number, north: number): [number, number] {
  return [round(lon + east / mPerDegLon(lat), 6), round(lat + north / M_PER_DEG_LAT, 6)];
}

/**
 * A simple polygon around a centre: 4 to 7 vertices at increasing angles (star-shaped, so never
 * self-crossing), radius about `radiusM` metres. Closed ring, GeoJSON order.
 */
export function polygonAround(f: Faker, centre: [number, number], radiusM: number): GeoPolygon {
  const n = f.number.int({ min: 4, max: 7 });
  const start = f.number.float({ min: 0, max: Math.PI / 2 });
  const ring: [number, number][] = [];
  for (let i = 0; i < n; i++) {
    const angle = start + ((i + floatBetween(f, -0.25, 0.25, 3)) * 2 * Math.PI) / n;
    const r = radiusM * floatBetween(f, 0.8, 1.15, 3);
    ring.push(offsetMetres(centre, r * Math.cos(angle), r * Math.sin(angle)));
  }
  ring.push(ring[0]);
  return { type: 'Polygon', coordinates: [ring] };
}

/** A rectangle (possibly a little rotated) around a centre: how planning plots usually look. */
export function plotAround(f: Faker, centre: [number, number], radiusM: number): GeoPolygon {
  if (chance(f, 0.3)) return polygonAround(f, centre, radiusM);
  const aspect = floatBetween(f, 0.6, 1.6, 3);
  const w = radiusM * Math.sqrt(aspect);
  const h = radiusM / Math.sqrt(aspect);
  const theta = floatBetween(f, -0.3, 0.3, 3);
  const corner = (x: number, y: number) =>
    offsetMetres(
      centre,
      x * Math.cos(theta) - y * Math.sin(theta),
      x * Math.sin(theta) + y * Math.cos(theta),
    );
  const ring = [corner(-w, -h), corner(w, -h), corner(w, h), corner(-w, h)];
  ring.push(ring[0]);
  return { type: 'Polygon', coordinates: [ring] };
}

/** The area of a polygon in square metres (local equirectangular projection; fine at plot scale). */
export function polygonAreaM2(polygon: GeoPolygon): number {
  const ring = polygon.coordinates[0];
  const [lon0, lat0] = ring[0];
  const local = ring.map(([lon, lat]) => [(lon - lon0) * mPerDegLon(lat0), (lat - lat0) * M_PER_DEG_LAT]);
  let twice = 0;
  for (let i = 0; i + 1 < local.length; i++) {
    twice += local[i][0] * local[i + 1][1] - local[i + 1][0] * local[i][1];
  }
  return Math.abs(twice) / 2;
}

/** Square metres per mu (亩). */
export const M2_PER_MU = 2000 / 3;

function contains(polygon: GeoPolygon, [x, y]: [number, number]): boolean {
  const ring = polygon.coordinates[0];
  let inside = false;
  for (let i = 0, j = ring.length - 2; i < ring.length - 1; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/**
 * A point well inside a plot (a monitoring point on it): the mean of its corners, or halfway from there
 * to a corner, whichever lies inside first; undefined for a shape where none does.
 */
export function interiorPoint(polygon: GeoPolygon): [number, number] | undefined {
  const corners = polygon.coordinates[0].slice(0, -1) as [number, number][];
  const mean: [number, number] = [
    corners.reduce((s, c) => s + c[0], 0) / corners.length,
    corners.reduce((s, c) => s + c[1], 0) / corners.length,
  ];
  const candidates = [
    mean,
    ...corners.map((c): [number, number] => [(mean[0] + c[0]) / 2, (mean[1] + c[1]) / 2]),
  ];
  const found = candidates.find((c) => contains(polygon, c));
  return found ? [round(found[0], 6), round(found[1], 6)] : undefined;
}
