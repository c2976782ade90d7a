import { type Dataset, fieldOf } from '../catalog/define.js';
import type { ReferenceData } from '../datasets/reference.js';
import { kindOf } from '../fields/registry.js';

/** One reason a published row was refused: its line (1-based), the field, and why. */
export interface Rejection {
  line: number;
  field: string | null;
  reason: string;
}

/** A row that passed validation, in the form the staging table takes (geometry as PostgreSQL text). */
export interface ValidRow {
  line: number;
  values: Record<string, unknown>;
  sourceRecordId: string;
  deleted: boolean;
}

export type Validated = { ok: true; row: ValidRow } | { ok: false; rejections: Rejection[] };

/** Bounds of published text and lists where the declaration sets none (src/fields/kinds). */
export { MAX_TEXT_LENGTH } from '../fields/kinds/text.js';
export { MAX_LIST_ITEM_LENGTH, MAX_LIST_ITEMS } from '../fields/kinds/textList.js';
export const MAX_SOURCE_ID_LENGTH = 200;

/** Keys a row may carry besides the declared fields. */
const PROVENANCE_KEYS = new Set(['sourceRecordId', 'deleted']);

const isBlank = (value: unknown) => value === undefined || value === null || value === '';

/** Why a code does not name the record's district (it names another, or is not a code), if it does not. */
function codeDistrictProblem(pattern: RegExp, hint: string, code: string, district: unknown) {
  const named = pattern.exec(code)?.[1];
  if (named === undefined) return `must be ${hint}, got ${JSON.stringify(code)}`;
  if (district !== null && named !== district) {
    return `names district ${named}, but the record's district is ${String(district)}`;
  }
  return undefined;
}

/**
 * Checks one published record against its dataset's declaration: required fields, types, enumerations,
 * credit-code check characters, district codes, GeoJSON, ranges, real dates, unknown fields. A tombstone
 * (`deleted: true`) needs only its natural key.
 */
export function validateRecord(
  dataset: Dataset,
  raw: unknown,
  line: number,
  reference: ReferenceData,
): Validated {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) {
    return { ok: false, rejections: [{ line, field: null, reason: 'a record must be a JSON object' }] };
  }
  const record = raw as Record<string, unknown>;
  const rejections: Rejection[] = [];
  for (const name of Object.keys(record)) {
    if (!fieldOf(dataset, name) && !PROVENANCE_KEYS.has(name)) {
      rejections.push({ line, field: name, reason: `${dataset.name} has no field ${JSON.stringify(name)}` });
    }
  }
  const deleted = record.deleted === true || record.deleted === 'true';
  const values: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(dataset.fields)) {
    const value = record[name];
    const needed = deleted ? dataset.key.includes(name) : field.required;
    if (isBlank(value)) {
      if (needed) rejections.push({ line, field: name, reason: 'is required' });
      values[name] = null;
      continue;
    }
    const converted = kindOf(field).validate(value, field, reference);
    if ('reason' in converted) rejections.push({ line, field: name, reason: converted.reason });
    else values[name] = converted.value;
  }
  const coded = dataset.publishingScope?.codeNamesDistrict;
  if (coded && dataset.districtField && typeof values[coded.field] === 'string') {
    const problem = codeDistrictProblem(
      coded.pattern,
      coded.hint,
      values[coded.field] as string,
      values[dataset.districtField],
    );
    if (problem) rejections.push({ line, field: coded.field, reason: problem });
  }
  if (rejections.length) return { ok: false, rejections };
  if (typeof record.sourceRecordId === 'string' && record.sourceRecordId.includes('\u0000')) {
    return {
      ok: false,
      rejections: [{ line, field: 'sourceRecordId', reason: 'must not contain the NUL character' }],
    };
  }
  if (String(record.sourceRecordId ?? '').length > MAX_SOURCE_ID_LENGTH) {
    const reason = `is longer than ${MAX_SOURCE_ID_LENGTH} characters`;
    return { ok: false, rejections: [{ line, field: 'sourceRecordId', reason }] };
  }
  const sourceRecordId = isBlank(record.sourceRecordId)
    ? dataset.key.map((key) => String(values[key])).join(':')
    : String(record.sourceRecordId);
  return { ok: true, row: { line, values, sourceRecordId, deleted } };
}
