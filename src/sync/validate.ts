import { type Dataset, fieldOf } from '../catalog/define.js';
import type { FieldDef } from '../catalog/types.js';
import type { ReferenceData } from '../datasets/reference.js';
import { creditCodeProblem } from '../domain/creditCode.js';
import { GeometryError, parsePoint, parsePolygon, pointToPg, polygonToPg } from '../domain/geometry.js';

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

/**
 * Bounds of published text where the declaration sets none: a text field (an address, a follow-up, a
 * reason) and a text list (pollutants). Every input has a size limit, not only the line length.
 */
export const MAX_TEXT_LENGTH = 4000;
export const MAX_LIST_ITEMS = 200;
export const MAX_LIST_ITEM_LENGTH = 200;
export const MAX_SOURCE_ID_LENGTH = 200;

/** Keys a row may carry besides the declared fields. */
const PROVENANCE_KEYS = new Set(['sourceRecordId', 'deleted']);

const isBlank = (value: unknown) => value === undefined || value === null || value === '';

function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(value))
    return Number(value);
  return undefined;
}

function realDate(text: string): boolean {
  const [year, month, day] = text.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

function parseJsonText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    throw new GeometryError('is not valid JSON');
  }
}

/** Converts one value to its stored form, or returns the reason it cannot be. */
function convert(
  field: FieldDef,
  value: unknown,
  reference: ReferenceData,
): { value: unknown } | { reason: string } {
  switch (field.type) {
    case 'text': {
      if (typeof value !== 'string' && typeof value !== 'number') return { reason: 'must be text' };
      const text = String(value);
      if (text.includes('\u0000')) return { reason: 'must not contain the NUL character (\\u0000)' };
      const maxLength = field.maxLength ?? MAX_TEXT_LENGTH;
      if (text.length > maxLength) return { reason: `is longer than ${maxLength} characters` };
      if (field.pattern && !field.pattern.test(text)) {
        return {
          reason: `must be ${field.patternHint ?? `text matching ${field.pattern}`}, got ${JSON.stringify(text)}`,
        };
      }
      return { value: text };
    }
    case 'integer':
    case 'number': {
      const number = asNumber(value);
      if (number === undefined) return { reason: `must be a number, got ${JSON.stringify(value)}` };
      if (field.type === 'integer' && !Number.isInteger(number))
        return { reason: `must be a whole number, got ${number}` };
      // integer columns are PostgreSQL `integer` (32 bits)
      if (field.type === 'integer' && Math.abs(number) > 2_147_483_647)
        return { reason: `is out of range, got ${number}` };
      if (field.min !== undefined && number < field.min) {
        return {
          reason:
            field.min === 0
              ? `must not be negative, got ${number}`
              : `must be at least ${field.min}, got ${number}`,
        };
      }
      if (field.max !== undefined && number > field.max)
        return { reason: `must be at most ${field.max}, got ${number}` };
      return { value: number };
    }
    case 'date': {
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
        return { reason: `must be an ISO date YYYY-MM-DD, got ${JSON.stringify(value)}` };
      }
      if (!realDate(value)) return { reason: `${value} is not a real date` };
      return { value };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { value };
      const text = String(value).trim().toLowerCase();
      if (['true', '1', 'yes', '是'].includes(text)) return { value: true };
      if (['false', '0', 'no', '否'].includes(text)) return { value: false };
      return { reason: `must be true or false, got ${JSON.stringify(value)}` };
    }
    case 'enum': {
      if (typeof value === 'string' && Object.hasOwn(field.enum.values, value)) return { value };
      return {
        reason: `unknown value ${JSON.stringify(value)}; expected one of ${Object.keys(field.enum.values).join(', ')}`,
      };
    }
    case 'creditCode': {
      if (typeof value !== 'string') return { reason: 'must be a unified social credit code' };
      const problem = creditCodeProblem(value);
      return problem ? { reason: `invalid credit code ${JSON.stringify(value)}: ${problem}` } : { value };
    }
    case 'district': {
      const code = String(value);
      return reference.districts.has(code)
        ? { value: code }
        : { reason: `unknown district code ${JSON.stringify(code)} (GB/T 2260, e.g. 110105)` };
    }
    case 'point':
    case 'polygon': {
      try {
        const geo = parseJsonText(value);
        return {
          value: field.type === 'point' ? pointToPg(parsePoint(geo)) : polygonToPg(parsePolygon(geo)),
        };
      } catch (error) {
        if (error instanceof GeometryError)
          return { reason: `invalid GeoJSON ${field.type}: ${error.message}` };
        throw error;
      }
    }
    case 'textList': {
      let list = value;
      if (typeof value === 'string')
        list = value.trim().startsWith('[') ? parseJsonText(value) : value.split(';');
      if (
        !Array.isArray(list) ||
        !list.every((item) => typeof item === 'string' && !item.includes('\u0000'))
      ) {
        return { reason: 'must be a list of text (a JSON array, or values separated by ";")' };
      }
      if (list.length > MAX_LIST_ITEMS || list.some((item) => item.length > MAX_LIST_ITEM_LENGTH)) {
        return {
          reason: `must have at most ${MAX_LIST_ITEMS} items of at most ${MAX_LIST_ITEM_LENGTH} characters each`,
        };
      }
      return { value: list.map((item) => item.trim()).filter(Boolean) };
    }
  }
}

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
    const converted = convert(field, value, reference);
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
