import type postgres from 'postgres';
import { badInput } from '../errors.js';
import type { GroundwaterClass, LandUse, Produce, ValueKind } from './vocabulary.js';

/**
 * The published standards (tables of src/db/hubTables.ts, data of migrations/0016_standard_values.sql): their values, and
 * the one value that applies to a measurement. The applicable value is decided in SQL, by the function
 * `applicable_standard_values` (and `standard_value_for`, its number), so that the supervision rules'
 * SQL and this service agree by construction.
 */

/** A value with its edition's source and its analyte's names. */
export interface StandardValueRow {
  standard: string;
  edition: string;
  titleZh: string;
  titleEn: string;
  issuerZh: string;
  issuerEn: string;
  effectiveFrom: string;
  analyte: string;
  analyteZh: string;
  analyteEn: string;
  cas: string | null;
  valueKind: ValueKind;
  landUse: LandUse | null;
  phAbove: string | null;
  phUpTo: string | null;
  produce: Produce | null;
  groundwaterClass: GroundwaterClass | null;
  /** Exact, as the standard prints it (numeric as text: 0.10 stays 0.10). */
  value: string;
  unit: string;
  noteZh: string | null;
  noteEn: string | null;
}

export interface StandardFilter {
  standard?: string | null;
  edition?: string | null;
  analyte?: string | null;
  valueKind?: ValueKind | null;
  landUse?: LandUse | null;
  produce?: Produce | null;
  groundwaterClass?: GroundwaterClass | null;
}

/** A measurement to judge: which standard and figure, the analyte, and its conditions. */
export interface Measurement {
  standard: string;
  analyte: string;
  valueKind: ValueKind;
  landUse?: LandUse | null;
  ph?: number | null;
  produce?: Produce | null;
  groundwaterClass?: GroundwaterClass | null;
  /** The day the measurement is judged on: the edition in force then applies (default today). */
  on?: string | null;
}

/** Every value of every loaded standard fits in one answer many times over; more is refused, not cut. */
export const MAX_STANDARD_ROWS = 2000;

const STANDARD_CODE = /^GB(\/T)? [0-9]{1,6}$/;
const EDITION = /^[0-9]{4}$/;
const ANALYTE_CODE = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

const COLUMNS = (sql: postgres.Sql) => sql`
  v.standard, v.edition, e.title_zh as "titleZh", e.title_en as "titleEn", e.issuer_zh as "issuerZh",
  e.issuer_en as "issuerEn", e.effective_from::text as "effectiveFrom", v.analyte, a.name_zh as "analyteZh",
  a.name_en as "analyteEn", a.cas, v.value_kind as "valueKind", v.land_use as "landUse",
  v.ph_above::text as "phAbove", v.ph_up_to::text as "phUpTo", v.produce,
  v.groundwater_class as "groundwaterClass", v.value::text as value, v.unit, v.note_zh as "noteZh",
  v.note_en as "noteEn"`;

const ORDER = (sql: postgres.Sql) => sql`
  order by v.standard, v.edition, v.analyte, v.value_kind, v.land_use, v.ph_above nulls first, v.produce,
    v.groundwater_class`;

/** A standard code, edition or analyte code of the right form: anything else is refused, never looked up. */
function checkForms(input: { standard?: string | null; edition?: string | null; analyte?: string | null }) {
  if (input.standard != null && !STANDARD_CODE.test(input.standard))
    throw badInput(
      `标准代码格式不正确：应形如 "GB 15618"、"GB/T 14848"（不含年份，年份见 edition） / malformed standard code: expected a code such as "GB 15618" or "GB/T 14848", without its year (that is the edition)`,
      { argument: 'standard' },
    );
  if (input.edition != null && !EDITION.test(input.edition))
    throw badInput('版本应为四位年份，如 "2018" / the edition is a four-digit year such as "2018"', {
      argument: 'edition',
    });
  if (input.analyte != null && !ANALYTE_CODE.test(input.analyte))
    throw badInput(
      '分析项目代码格式不正确：应形如 "Cd"、"Cr6"、"benzo_a_pyrene" / malformed analyte code: expected a code such as "Cd", "Cr6" or "benzo_a_pyrene"',
      { argument: 'analyte' },
    );
}

/** The values of the standards, filtered, in the standards' order; every edition unless one is asked for. */
export async function standardValues(
  sql: postgres.Sql,
  filter: StandardFilter = {},
): Promise<StandardValueRow[]> {
  checkForms(filter);
  const conditions = [sql`true`];
  if (filter.standard != null) conditions.push(sql`v.standard = ${filter.standard}`);
  if (filter.edition != null) conditions.push(sql`v.edition = ${filter.edition}`);
  if (filter.analyte != null) conditions.push(sql`v.analyte = ${filter.analyte}`);
  if (filter.valueKind != null) conditions.push(sql`v.value_kind = ${filter.valueKind}`);
  if (filter.landUse != null) conditions.push(sql`v.land_use = ${filter.landUse}`);
  if (filter.produce != null) conditions.push(sql`v.produce = ${filter.produce}`);
  if (filter.groundwaterClass != null) conditions.push(sql`v.groundwater_class = ${filter.groundwaterClass}`);
  const where = conditions.reduce((all, condition) => sql`${all} and ${condition}`);
  const rows = await sql<StandardValueRow[]>`
    select ${COLUMNS(sql)}
    from standard_value v
    join standard_edition e on e.standard = v.standard and e.edition = v.edition
    join standard_analyte a on a.code = v.analyte
    where ${where} ${ORDER(sql)} limit ${MAX_STANDARD_ROWS + 1}`;
  if (rows.length > MAX_STANDARD_ROWS)
    throw badInput(
      `结果超过 ${MAX_STANDARD_ROWS} 行，请缩小条件 / more than ${MAX_STANDARD_ROWS} values match: narrow the filter`,
    );
  return rows;
}

/**
 * The one value that applies to a measurement, from the edition in force on its day, or null when the
 * standard sets none for these conditions. An unknown standard or analyte is bad input (a typo must not
 * read as "no limit"); a pH outside 0–14 too.
 */
export async function applicableValue(sql: postgres.Sql, m: Measurement): Promise<StandardValueRow | null> {
  checkForms(m);
  if (m.ph != null && !(Number.isFinite(m.ph) && m.ph >= 0 && m.ph <= 14))
    throw badInput(`pH 应在 0 到 14 之间（收到 ${m.ph}） / pH must be between 0 and 14 (got ${m.ph})`, {
      argument: 'ph',
    });
  const [known] = await sql<{ standard: boolean; analyte: boolean; banded: boolean }[]>`
    select exists (select 1 from standard_edition where standard = ${m.standard}) as standard,
           exists (select 1 from standard_value where standard = ${m.standard} and analyte = ${m.analyte}) as analyte,
           exists (select 1 from standard_value where standard = ${m.standard} and analyte = ${m.analyte}
                     and (ph_above is not null or ph_up_to is not null)) as banded`;
  if (!known.standard)
    throw badInput(`未收录的标准：${m.standard} / unknown standard: ${m.standard}`, { argument: 'standard' });
  if (!known.analyte)
    throw badInput(
      `${m.standard} 未收录分析项目 ${m.analyte} / ${m.standard} has no value for analyte ${m.analyte} in the hub`,
      { argument: 'analyte' },
    );
  // Without its pH a soil sample has no GB 15618 value: say so rather than answer "none applies".
  if (known.banded && m.ph == null)
    throw badInput(
      `${m.standard} 的 ${m.analyte} 值按土壤 pH 分档，需给出 pH / ${m.standard} values for ${m.analyte} depend on soil pH: give the pH`,
      { argument: 'ph' },
    );
  const rows = await sql<StandardValueRow[]>`
    select ${COLUMNS(sql)}
    from applicable_standard_values(${m.standard}, ${m.analyte}, ${m.valueKind}, ${m.landUse ?? null},
      ${m.ph ?? null}::numeric, ${m.produce ?? null}, ${m.groundwaterClass ?? null},
      coalesce(${m.on ?? null}::date, current_date)) v
    join standard_edition e on e.standard = v.standard and e.edition = v.edition
    join standard_analyte a on a.code = v.analyte`;
  // The unique key and the bands keep this to one; two would be a data defect, never to be guessed through.
  if (rows.length > 1) throw new Error(`standards: ${rows.length} values apply to ${JSON.stringify(m)}`);
  return rows[0] ?? null;
}
