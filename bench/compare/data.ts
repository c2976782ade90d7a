/**
 * The comparison's data set, generated set-wise in SQL (`insert … select … from generate_series`) into the
 * hub's own tables (migrated by the hub's own migrations): 1M pesticide-use rows, 100k plots rezoned to
 * housing or public service (land-use changes) and 100k construction permits, each permit on one plot
 * (by parcel code). Values are valid for the hub: real district codes (the principal table), declared
 * enumeration values, GB 32100 credit codes with the right check character, closed single-ring polygons,
 * amounts never negative. Generated once and kept: a run regenerates a table only when its row count
 * is not the expected one. A quick run asks for a fraction of these sizes (`scaledSizes`).
 */
import type postgres from 'postgres';
import { plannedUse } from '../../src/catalog/datasets/landUseChange.js';
import { toxicityClass } from '../../src/catalog/datasets/pesticideUse.js';
import { landCategory, reportingPeriod } from '../../src/catalog/enums.js';
import { demoDistricts } from '../../src/demo/geography.js';
import { pesticides } from '../../src/demo/vocabulary.js';
import { creditCodeCheckCharacter } from '../../src/domain/creditCode.js';

export type Sizes = { pesticideUse: number; landUseChange: number; constructionPermit: number };
export const SIZES: Sizes = { pesticideUse: 1_000_000, landUseChange: 100_000, constructionPermit: 100_000 };

/** The sizes scaled down for a quick run (at least 1,000 permits: W6 samples 1,000 keys). */
export function scaledSizes(scale: number): Sizes {
  const of = (n: number) => Math.max(1000, Math.round(n * scale));
  return {
    pesticideUse: of(SIZES.pesticideUse),
    landUseChange: of(SIZES.landUseChange),
    constructionPermit: of(SIZES.constructionPermit),
  };
}

const SURNAMES = '王 李 张 刘 陈 杨 赵 黄 周 吴 徐 孙 胡 朱 高 林 何 郭 马 罗'.split(' ');
const GIVEN = '伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 建华 志强'.split(
  ' ',
);
const ORIGINAL_USES = '工业用地 仓储用地 商业服务业用地 村庄建设用地 农用地'.split(' ');
const BUILDER_KINDS = '置业有限公司 房地产开发有限公司 城市建设投资有限公司 建设发展有限公司'.split(' ');
const TRADE = '京华 金隅 首开 城建 天恒 住总 北辰 万科 保利 中海 华润 招商 融创 龙湖 远洋'.split(' ');
const PROJECTS =
  '住宅项目 保障性住房项目 中学建设工程 小学建设工程 社区卫生服务中心 养老照料中心 幼儿园'.split(' ');
const CROPS = '小麦 玉米 水稻 大豆 番茄 黄瓜 白菜 苹果 桃 梨 葡萄 板栗 草莓 西瓜'.split(' ');
const LAND_CATEGORIES = Object.keys(landCategory.values);
const PLANNED_USES = Object.keys(plannedUse.values);
const PERIODS = Object.keys(reportingPeriod.values);

/** `count` valid unified social credit codes of enterprises registered in Beijing's districts. */
function creditCodes(count: number): string[] {
  const codes: string[] = [];
  for (let i = 0; i < count; i++) {
    const district = demoDistricts[i % demoDistricts.length];
    const first17 = `91${district.creditArea}MA0${String(100000 + i).slice(-6)}`;
    codes.push(first17 + creditCodeCheckCharacter(first17));
  }
  return codes;
}

async function rowCount(sql: postgres.Sql, table: string): Promise<number> {
  const [{ n }] = await sql<{ n: string }[]>`select count(*)::text as n from ${sql(table)}`;
  return Number(n);
}

/**
 * Inserts with the table's secondary indexes dropped and recreated afterwards with the very definitions the
 * migrations gave them (pg_get_indexdef): building an index once is much faster than maintaining it for
 * every inserted row.
 */
async function withIndexesRebuilt(
  sql: postgres.Sql,
  table: string,
  insert: (tx: postgres.TransactionSql) => Promise<unknown>,
) {
  const indexes = await sql<{ name: string; definition: string }[]>`
    select i.relname as name, pg_get_indexdef(i.oid) as definition
    from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
    where t.relname = ${table} and t.relnamespace = 'public'::regnamespace and not x.indisprimary
      and not exists (select 1 from pg_constraint c where c.conindid = i.oid)`;
  await sql.begin(async (tx) => {
    for (const index of indexes) await tx`drop index ${tx(index.name)}`;
    await insert(tx);
    for (const index of indexes) await tx.unsafe(index.definition);
  });
}

export interface DataReport {
  counts: Sizes;
  generated: string[];
  seconds: number;
}

/** Makes sure the three tables hold the generated data set; returns what it had to generate. */
export async function ensureData(sql: postgres.Sql, sizes: Sizes = SIZES): Promise<DataReport> {
  const started = Date.now();
  const known = await sql<{ code: string }[]>`select code from principal where kind = 'DISTRICT'`;
  const districts = demoDistricts.filter((d) => known.some((k) => k.code === d.code));
  if (districts.length !== known.length) {
    throw new Error(
      `districts in the database (${known.length}) and in the demo (${districts.length}) differ`,
    );
  }
  const codes = districts.map((d) => d.code);
  const names = districts.map((d) => d.name);
  const shorts = districts.map((d) => d.short);
  const abbrs = districts.map((d) => d.abbr);
  const lons = districts.map((d) => d.centre[0]);
  const lats = districts.map((d) => d.centre[1]);
  const towns = districts.map((d) => d.towns[0]);
  const nd = districts.length;
  const generated: string[] = [];

  const plotsOk = (await rowCount(sql, 'land_use_change')) === sizes.landUseChange;
  const permitsOk = plotsOk && (await rowCount(sql, 'construction_permit')) === sizes.constructionPermit;
  if (!plotsOk || !permitsOk) {
    // Permits name their plots: both are regenerated together.
    await sql`truncate construction_permit, land_use_change`;
    await withIndexesRebuilt(sql, 'land_use_change', async (tx) => {
      // Plot i: district i mod 17, a small square near the district's centre (a closed 4-corner ring).
      await tx`
        insert into land_use_change (publisher, source_record_id, sync_batch, parcel_code, district, address,
          boundary, area_m2, original_use, planned_use, planning_permit_no, permit_date, right_holder,
          right_holder_contact)
        select 'PLANNING', p.code, 'bench:compare', p.code, (${codes}::text[])[p.d], p.address, p.boundary,
          p.area, (${ORIGINAL_USES}::text[])[1 + i % ${ORIGINAL_USES.length}],
          (${PLANNED_USES}::text[])[1 + (i / 7) % ${PLANNED_USES.length}],
          '地字第' || (${codes}::text[])[p.d] || (2015 + i % 10) || lpad(i::text, 6, '0') || '号',
          date '2015-01-01' + (i * 7) % 3650,
          (${TRADE}::text[])[1 + i % ${TRADE.length}] || (${BUILDER_KINDS}::text[])[1 + (i / 3) % ${BUILDER_KINDS.length}],
          '13' || lpad(((i::bigint * 7919) % 1000000000)::text, 9, '0')
        from generate_series(1, ${sizes.landUseChange}) as i,
        lateral (select
          1 + i % ${nd} as d,
          (${abbrs}::text[])[1 + i % ${nd}] || lpad((i / 10000)::text, 2, '0') || '-' ||
            lpad(((i / 100) % 100)::text, 4, '0') || '-' || lpad((i % 10000)::text, 4, '0') as code,
          (${names}::text[])[1 + i % ${nd}] || (${towns}::text[])[1 + i % ${nd}] || i || '号地块' as address,
          polygon(box(
            point((${lons}::float8[])[1 + i % ${nd}] + ((i / ${nd}) % 100) * 0.0009 - 0.045,
                  (${lats}::float8[])[1 + i % ${nd}] + ((i / ${nd}) / 100 % 60) * 0.0009 - 0.027),
            point((${lons}::float8[])[1 + i % ${nd}] + ((i / ${nd}) % 100) * 0.0009 - 0.0445,
                  (${lats}::float8[])[1 + i % ${nd}] + ((i / ${nd}) / 100 % 60) * 0.0009 - 0.0265))) as boundary,
          round((2000 + (i * 37) % 98000)::numeric, 1)::float8 as area) as p`;
    });
    await withIndexesRebuilt(sql, 'construction_permit', async (tx) => {
      // Permit i on plot (i × 7919 mod 100k) + 1: a permutation, so every plot has one permit, and the newest
      // permits are on plots spread over the table.
      await tx`
        insert into construction_permit (publisher, source_record_id, sync_batch, permit_no, project_name,
          parcel_code, district, address, builder, builder_credit_code, issued_on, floor_area_m2,
          contact_person, contact_phone)
        select 'HOUSING', k.permit_no, 'bench:compare', k.permit_no,
          l.address || (${PROJECTS}::text[])[1 + i % ${PROJECTS.length}],
          l.parcel_code, l.district, l.address, l.right_holder,
          (${creditCodes(997)}::text[])[1 + i % 997],
          date '2016-01-01' + (i * 13) % 3650,
          round((500 + (i * 53) % 60000)::numeric, 2)::float8,
          (${SURNAMES}::text[])[1 + i % ${SURNAMES.length}] || (${GIVEN}::text[])[1 + (i / 20) % ${GIVEN.length}],
          '1' || (3 + i % 7) || lpad(((i::bigint * 104729) % 1000000000)::text, 9, '0')
        from generate_series(1, ${sizes.constructionPermit}) as i
        join land_use_change l on l.id = (select min(id) from land_use_change) + (i::bigint * 7919) % ${sizes.landUseChange},
        lateral (select '[' || (2016 + ((i * 13) % 3650) / 365) || ']施[' ||
          (${shorts}::text[])[array_position(${codes}::text[], l.district)] || ']建字' ||
          lpad(i::text, 6, '0') || '号' as permit_no) as k`;
    });
    generated.push('landUseChange', 'constructionPermit');
  }

  if ((await rowCount(sql, 'pesticide_use')) !== sizes.pesticideUse) {
    await sql`truncate pesticide_use`;
    const products = pesticides.map((p) => p.product);
    const ingredients = pesticides.map((p) => p.activeIngredient);
    const toxicities = pesticides.map((p) => p.toxicity);
    if (toxicities.some((t) => !(t in toxicityClass.values))) throw new Error('unknown toxicity class');
    const np = pesticides.length;
    await withIndexesRebuilt(sql, 'pesticide_use', async (tx) => {
      await tx`
        insert into pesticide_use (publisher, source_record_id, sync_batch, source_id, year, period, district,
          town, land_category, crop, product, active_ingredient, toxicity_class, amount_kg, area_mu,
          applicator_name, applicator_phone)
        select case when i % 10 = 0 then 'FORESTRY' else 'AGRICULTURE' end, 'PU' || lpad(i::text, 7, '0'),
          'bench:compare', 'PU' || lpad(i::text, 7, '0'), 2015 + i % 10,
          (${PERIODS}::text[])[1 + (i / 10) % ${PERIODS.length}],
          (${codes}::text[])[1 + i % ${nd}], (${towns}::text[])[1 + i % ${nd}],
          (${LAND_CATEGORIES}::text[])[1 + (i / 3) % ${LAND_CATEGORIES.length}],
          (${CROPS}::text[])[1 + (i / 7) % ${CROPS.length}],
          (${products}::text[])[1 + (i / 11) % ${np}], (${ingredients}::text[])[1 + (i / 11) % ${np}],
          (${toxicities}::text[])[1 + (i / 11) % ${np}],
          round(((i::bigint * 7919) % 100000 / 100.0)::numeric, 2)::float8,
          round(((i::bigint * 104729) % 50000 / 10.0)::numeric, 1)::float8,
          (${SURNAMES}::text[])[1 + i % ${SURNAMES.length}] || (${GIVEN}::text[])[1 + (i / 20) % ${GIVEN.length}],
          '1' || (3 + i % 7) || lpad(((i::bigint * 7919) % 1000000000)::text, 9, '0')
        from generate_series(1, ${sizes.pesticideUse}) as i`;
    });
    generated.push('pesticideUse');
  }
  if (generated.length) await sql`analyze construction_permit, land_use_change, pesticide_use`;

  const counts = {
    pesticideUse: await rowCount(sql, 'pesticide_use'),
    landUseChange: await rowCount(sql, 'land_use_change'),
    constructionPermit: await rowCount(sql, 'construction_permit'),
  };
  for (const [name, n] of Object.entries(counts)) {
    if (n !== sizes[name as keyof Sizes]) throw new Error(`${name}: ${n} rows after generation`);
  }
  return { counts, generated, seconds: (Date.now() - started) / 1000 };
}
