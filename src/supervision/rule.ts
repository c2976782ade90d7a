import type postgres from 'postgres';
import { datasetByName } from '../catalog/registry.js';
import type { PlanBasis } from '../catalog/types.js';
import { columnName } from '../db/datasetTable.js';

/**
 * A supervision rule (联动监管规则), declared once per file in src/supervision/rules: what situation it finds
 * across the shared datasets, on which plan's words, who must act, and the set-based query that finds every
 * such situation with its evidence. The evaluator (evaluate.ts) turns situations into alerts.
 */

export const SEVERITIES = ['HIGH', 'MEDIUM', 'LOW'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const MEASURE_KINDS = ['OVERLAP_AREA_M2', 'DISTANCE_M', 'EXCEEDANCE_RATIO', 'DAYS_OVERDUE'] as const;
export type MeasureKind = (typeof MEASURE_KINDS)[number];

/**
 * One record a situation involves: its dataset and natural key, and where it sits (for scope). An empty key
 * stands for the dataset as a whole, where no record is at fault (DATASET_STALE): the alert is then
 * identified by its rule and the dataset.
 */
export interface EvidenceRecord {
  dataset: string;
  key: Readonly<Record<string, string>>;
  /** The record's district (its dataset's district field), when it has one. */
  district: string | null;
  publisher: string;
}

/** How much: the overlap of two areas, a distance, a value over its standard, days past a deadline. */
export interface Measure {
  kind: MeasureKind;
  value: number;
}

/** A situation a rule found: the records involved, the district it is in, and its measure. */
export interface Situation {
  evidence: readonly EvidenceRecord[];
  district: string | null;
  measure: Measure | null;
}

export interface RuleParameter {
  zh: string;
  en: string;
  unit: string;
  default: number;
  min: number;
  max: number;
}

/** What a rule's query gets: the pool, its parameters' values, and the names of tables and columns. */
export interface RuleQuery {
  sql: postgres.Sql;
  params: Readonly<Record<string, number>>;
  /** The table of a dataset the rule reads, as an escaped identifier. */
  table(dataset: string): postgres.Helper<string>;
  /** A column of a field the rule declares it reads (or a key, district or provenance column). */
  column(dataset: string, field: string): postgres.Helper<string>;
  /**
   * The evidence record of the row `alias` of a dataset, as a JSON object (`EvidenceRecord`): select it
   * and return it as found.
   */
  record(dataset: string, alias: string): postgres.PendingQuery<postgres.Row[]>;
  /**
   * Whether the row `alias` of a dataset is one an incremental evaluation must look at (see `Incremental`):
   * `true` in a full evaluation. Put it on the alias of every evidence record of a role the rule follows.
   */
  affected(dataset: string, alias: string): postgres.PendingQuery<postgres.Row[]>;
  /**
   * Whether the row `alias` of a dataset is in the district of the row `ofAlias` of another (or the same)
   * dataset: put it on every consulted row (see `consults`), so that a situation depends only on records of
   * its own district.
   */
  sameDistrict(
    dataset: string,
    alias: string,
    ofDataset: string,
    ofAlias: string,
  ): postgres.PendingQuery<postgres.Row[]>;
}

/** What a rule's `Incremental.via` gets: its query's names, and which rows changed since the last evaluation. */
export type ChangeQuery = Pick<RuleQuery, 'sql' | 'table' | 'column'> & {
  /** Whether the row `alias` of a dataset changed (inserted, updated or tombstoned) since the last evaluation. */
  changed(dataset: string, alias: string): postgres.PendingQuery<postgres.Row[]>;
  /**
   * The areas (column `area`) a polygon field of a dataset covered before the updates since the last
   * evaluation moved them: with the changed rows' own (current) areas, all a record reached by where it
   * lies may have left or entered.
   */
  movedFrom(dataset: string, field: string): postgres.PendingQuery<postgres.Row[]>;
};

/**
 * How a rule is evaluated for changed records only. Without it, a publish to one of its datasets re-runs it
 * in full. With it, the evaluator finds the affected rows of the datasets in `roles` (changed since the last
 * evaluation, tombstones included, plus those `via` names), runs the rule's query once per role with
 * `affected` true of that role's affected rows only, keeps the situations with an affected evidence record,
 * and resolves only the open alerts with an affected evidence record: every other alert is left as it is.
 * It is correct when every record a situation depends on is either one of its evidence records in a role,
 * or reaches such a record through `via` by key fields (a changed row's old field values are gone).
 */
export interface Incremental {
  /** Evidence roles: each situation has one evidence record from one of the datasets of each role. */
  roles: readonly (readonly string[])[];
  /**
   * Per dataset of a role, a query selecting the `id` of its rows that a change of a record outside the
   * evidence affects, linked by key fields; `changed` marks the changed rows.
   */
  via?: Readonly<Record<string, (query: ChangeQuery) => postgres.PendingQuery<postgres.Row[]>>>;
}

export interface RuleInput {
  /** Stable id, e.g. `REGISTER_SITE_SENSITIVE_USE`: part of every alert's identity. */
  id: string;
  zh: string;
  en: string;
  description: { zh: string; en: string };
  basis: PlanBasis;
  severity: Severity;
  /**
   * The departments that must act (principal codes); `DISTRICT` for the situation's own district, `OWNER`
   * for the publisher of its evidence (DATASET_STALE: the department whose dataset is late).
   */
  actors: readonly string[];
  /**
   * The datasets the rule reads and, for each, the fields its situation depends on beyond the key and
   * district: a caller sees an alert only if it reads all of them in clear on every evidence record (an
   * alert discloses nothing its records would not), and a publish to one of them re-evaluates the rule.
   * The query may use no other field.
   */
  reads: Readonly<Record<string, readonly string[]>>;
  /**
   * The datasets (of `reads`) whose records decide a situation without being its evidence: an absence (no
   * screening entry, no finished stage), a plot that classes a sample's land (a record picked among others of
   * an evidence dataset is `ranks`, not this). Their records
   * are looked up in the situation's district only (`sameDistrict`), and a caller sees the rule's alerts only
   * if it reads their fields of `reads`, their key and their district in clear on every row: otherwise an
   * alert's existence or measure would tell of records it may not read.
   */
  consults?: readonly string[];
  /**
   * Evidence datasets whose record the rule picks among others of the same dataset (a point's latest or
   * first sample, a unit's latest listing), in the situation's district: a caller sees an alert with such a
   * record only if it reads the dataset's fields of `reads`, key and district in clear on every row. Reading
   * its own rows (as their publisher) is not enough, since the record picked depends on the others.
   */
  ranks?: readonly string[];
  parameters?: Readonly<Record<string, RuleParameter>>;
  /** Every situation that holds now, from live records only (those of affected rows, in an incremental run). */
  find(query: RuleQuery): Promise<Situation[]>;
  /** Per-key incremental evaluation (absent: a change re-runs the rule in full). */
  incremental?: Incremental;
}

export type Rule = RuleInput & { readonly datasets: readonly string[] };

const RULE_ID = /^[A-Z][A-Z0-9_]{2,63}$/;
const ACTOR = /^[A-Z][A-Z_]{1,31}$/;
/** Columns every dataset table has, which any rule may use. */
const PROVENANCE = new Set(['id', 'publisher', 'deleted', 'changeSeq']);

/** Declares a rule; checks the declaration is coherent (datasets and fields exist, defaults in range). */
export function defineRule(input: RuleInput): Rule {
  const fail = (message: string): never => {
    throw new Error(`rule ${input.id}: ${message}`);
  };
  if (!RULE_ID.test(input.id)) fail('its id is not UPPER_SNAKE_CASE');
  if (!input.actors.length || input.actors.some((actor) => !ACTOR.test(actor)))
    fail('actors are principal codes');
  const names = Object.keys(input.reads);
  if (!names.length) fail('it reads at least one dataset');
  for (const name of names) {
    const dataset = datasetByName(name) ?? fail(`reads unknown dataset ${name}`);
    for (const field of input.reads[name]) if (!dataset.fields[field]) fail(`${name} has no field ${field}`);
  }
  for (const name of [...(input.consults ?? []), ...(input.ranks ?? [])]) {
    if (!input.reads[name]) fail(`consults or ranks ${name}, which it does not read`);
  }
  for (const role of input.incremental?.roles ?? []) {
    if (!role.length || role.some((name) => !input.reads[name]))
      fail('incremental roles are datasets it reads');
  }
  for (const name of Object.keys(input.incremental?.via ?? {})) {
    if (!input.incremental?.roles.some((role) => role.includes(name)))
      fail(`incremental via ${name}: not a role`);
  }
  for (const [name, p] of Object.entries(input.parameters ?? {})) {
    if (!(p.min <= p.default && p.default <= p.max))
      fail(`parameter ${name}: default outside ${p.min}–${p.max}`);
  }
  return { ...input, datasets: names };
}

/** What a query over the datasets declares it reads: a rule, or an indicator (src/supervision/indicators). */
export type ReadDeclaration = Pick<Rule, 'id' | 'reads'>;

/** May a rule's query use this field of this dataset: declared, a key, the district or provenance. */
export function ruleMayUse(rule: ReadDeclaration, datasetName: string, field: string): boolean {
  const dataset = datasetByName(datasetName);
  if (!dataset || !rule.reads[datasetName]) return false;
  return (
    rule.reads[datasetName].includes(field) ||
    dataset.key.includes(field) ||
    dataset.districtField === field ||
    PROVENANCE.has(field)
  );
}

/**
 * Which rows of which datasets an incremental evaluation looks at: the ids of the affected rows per
 * dataset of a role, the other datasets unrestricted. Absent in a full evaluation.
 */
export type AffectedRows = ReadonlyMap<string, readonly number[]>;

/** A set of row ids as one parameter (`{1,2,3}`, cast to int8[]): any length, one statement. */
export function idArray(sql: postgres.Sql, ids: readonly number[]): postgres.PendingQuery<postgres.Row[]> {
  return sql`${`{${ids.join(',')}}`}::int8[]`;
}

/** The names a rule's query uses, checked against its declaration so that a typo or an undeclared read fails. */
export function ruleQuery(
  sql: postgres.Sql,
  rule: ReadDeclaration,
  params: Readonly<Record<string, number>>,
  affectedRows?: AffectedRows,
): RuleQuery {
  const names = ruleNames(sql, rule);
  return {
    sql,
    params,
    ...names,
    record: (name, alias) => {
      const found = names.dataset(name);
      const row = sql(alias);
      const district = found.districtField
        ? sql`${row}.${sql(columnName(found.districtField))}`
        : sql`null::text`;
      return sql`jsonb_build_object('dataset', ${name}::text, 'key', ${keyJson(sql, name, alias)},
        'district', ${district}, 'publisher', ${row}.publisher)`;
    },
    affected: (name, alias) => {
      names.dataset(name);
      const ids = affectedRows?.get(name);
      return ids ? sql`${sql(alias)}.id = any(${idArray(sql, ids)})` : sql`true`;
    },
    sameDistrict: (name, alias, of, ofAlias) =>
      sql`${sql(alias)}.${names.district(name)} = ${sql(ofAlias)}.${names.district(of)}`,
  };
}

/** The table and column names of a rule's datasets, checked against its declaration. */
export function ruleNames(sql: postgres.Sql, rule: ReadDeclaration) {
  const dataset = (name: string) => {
    const found = datasetByName(name);
    if (!found || !rule.reads[name]) throw new Error(`rule ${rule.id}: does not read ${name}`);
    return found;
  };
  return {
    dataset,
    table: (name: string) => sql(dataset(name).table),
    /** The district column of a dataset that has one. */
    district: (name: string) => {
      const field = dataset(name).districtField;
      if (!field) throw new Error(`rule ${rule.id}: ${name} has no district`);
      return sql(columnName(field));
    },
    column: (name: string, field: string) => {
      dataset(name);
      if (!ruleMayUse(rule, name, field))
        throw new Error(`rule ${rule.id}: does not declare ${name}.${field}`);
      return sql(columnName(field));
    },
  };
}

/** A row's natural key as the evidence holds it: a JSON object of its key fields as text. */
export function keyJson(
  sql: postgres.Sql,
  name: string,
  alias: string,
): postgres.PendingQuery<postgres.Row[]> {
  const found = datasetByName(name);
  if (!found) throw new Error(`no dataset ${name}`);
  const key = found.key
    .map((field) => sql`${field}::text, ${sql(alias)}.${sql(columnName(field))}::text`)
    .reduce((list, pair) => sql`${list}, ${pair}`);
  return sql`jsonb_build_object(${key})`;
}

/** Parameters with their defaults, overridden by the given values within their bounds. */
export function ruleParams(rule: Rule, given: Readonly<Record<string, number>> = {}): Record<string, number> {
  const values: Record<string, number> = {};
  for (const name of Object.keys(given)) {
    if (!rule.parameters?.[name]) {
      throw new RangeError(`规则 ${rule.id} 没有参数 ${name} / ${rule.id} has no parameter ${name}`);
    }
  }
  for (const [name, p] of Object.entries(rule.parameters ?? {})) {
    const value = given[name] ?? p.default;
    if (!Number.isFinite(value) || value < p.min || value > p.max) {
      throw new RangeError(
        `规则 ${rule.id} 的参数 ${name} 须在 ${p.min}–${p.max} ${p.unit} 之间 / ${rule.id}.${name} must be within ${p.min}–${p.max} ${p.unit}`,
      );
    }
    values[name] = value;
  }
  return values;
}
