import { jsonb } from 'drizzle-orm/pg-core';
import { parsedJson } from '../json.js';
import type { Checked, FieldKind, GraphqlKit } from '../kind.js';
import { asNumber, checkScale } from '../numbers.js';

/**
 * The results of a sample's analysis (检测结果): per analyte its value, unit, method and detection limit,
 * or that it was below the detection limit. Stored as `jsonb`, a list of `AnalyteResult` objects at the API.
 */
export interface AnalyteResultsDecl {
  type: 'analyteResults';
  /** Decimal places of values and detection limits (a value with more is refused). */
  scale: number;
  /** The units a result may be in (`mg/kg`); any short text when not declared. */
  units?: readonly string[];
  /** The analyte codes a result may name (`Cd`, `Pb`); any code when not declared. */
  analytes?: readonly string[];
  /** Most results in one record (default MAX_ANALYTE_RESULTS). */
  maxResults?: number;
}

export interface AnalyteResult {
  analyte: string;
  /** Null when below the detection limit. */
  value: number | null;
  unit: string;
  method: string | null;
  detectionLimit: number | null;
  belowDetection: boolean;
}

export const MAX_ANALYTE_RESULTS = 200;
const ANALYTE_CODE = /^[\p{L}\p{N}][\p{L}\p{N}._:()+,-]{0,63}$/u;
const MAX_UNIT_LENGTH = 20;
const MAX_METHOD_LENGTH = 200;
const KEYS = new Set(['analyte', 'value', 'unit', 'method', 'detectionLimit', 'belowDetection']);

/** A text property of a result: absent is null; present, it is short text without NUL. */
function textOf(value: unknown, max: number): string | null | undefined {
  if (value === undefined || value === null || value === '') return null;
  if (typeof value !== 'string' || value.length > max || value.includes('\u0000')) return undefined;
  return value.trim();
}

/** A quantity of a result (a value, a detection limit): absent is null; present, non-negative at the scale. */
function quantityOf(value: unknown, scale: number): Checked | { value: null } {
  if (value === undefined || value === null || value === '') return { value: null };
  const number = asNumber(value);
  if (number === undefined) return { reason: `must be a number, got ${JSON.stringify(value)}` };
  if (number < 0) return { reason: `must not be negative, got ${number}` };
  return checkScale(number, scale);
}

/** One result checked and normalised, or why not. */
function checkResult(item: unknown, field: AnalyteResultsDecl): AnalyteResult | string {
  if (!item || typeof item !== 'object' || Array.isArray(item)) return 'must be an object';
  const raw = item as Record<string, unknown>;
  const unknown = Object.keys(raw).find((key) => !KEYS.has(key));
  if (unknown !== undefined) {
    return `has no property ${JSON.stringify(unknown)} (expected ${[...KEYS].join(', ')})`;
  }
  const analyte = raw.analyte;
  if (typeof analyte !== 'string' || !ANALYTE_CODE.test(analyte)) {
    return `analyte must be a code of letters, digits and ._:()+,- (at most 64), got ${JSON.stringify(analyte)}`;
  }
  if (field.analytes && !field.analytes.includes(analyte)) {
    return `analyte ${JSON.stringify(analyte)} is not one of ${field.analytes.join(', ')}`;
  }
  const unit = textOf(raw.unit, MAX_UNIT_LENGTH);
  if (!unit)
    return `unit must be text of at most ${MAX_UNIT_LENGTH} characters, got ${JSON.stringify(raw.unit)}`;
  if (field.units && !field.units.includes(unit)) {
    return `unit ${JSON.stringify(unit)} is not one of ${field.units.join(', ')}`;
  }
  const method = textOf(raw.method, MAX_METHOD_LENGTH);
  if (method === undefined) return `method must be text of at most ${MAX_METHOD_LENGTH} characters`;
  if (raw.belowDetection !== undefined && typeof raw.belowDetection !== 'boolean') {
    return `belowDetection must be true or false, got ${JSON.stringify(raw.belowDetection)}`;
  }
  const belowDetection = raw.belowDetection === true;
  const value = quantityOf(raw.value, field.scale);
  if ('reason' in value) return `value ${value.reason}`;
  const limit = quantityOf(raw.detectionLimit, field.scale);
  if ('reason' in limit) return `detectionLimit ${limit.reason}`;
  const result: AnalyteResult = {
    analyte,
    value: value.value as number | null,
    unit,
    method,
    detectionLimit: limit.value as number | null,
    belowDetection,
  };
  if (belowDetection) {
    if (result.detectionLimit === null) return 'a result below detection names its detectionLimit';
    if (result.value !== null) return 'a result below detection has no value (null)';
  } else {
    if (result.value === null) return 'value is required unless belowDetection is true';
    if (result.detectionLimit !== null && result.value < result.detectionLimit) {
      return `value ${result.value} is below the detection limit ${result.detectionLimit}: send belowDetection: true`;
    }
  }
  return result;
}

function resultType(kit: GraphqlKit) {
  return kit.once('AnalyteResult', () =>
    kit.builder.objectRef<AnalyteResult>('AnalyteResult').implement({
      description: '检测项目的结果 / The result of one analyte',
      fields: (t: any) => ({
        analyte: t.exposeString('analyte', { nullable: false, description: '检测项目代码 / Analyte code' }),
        value: t.exposeFloat('value', {
          nullable: true,
          description: '检测值，低于检出限时为空 / Measured value; null below the detection limit',
        }),
        unit: t.exposeString('unit', { nullable: false, description: '单位 / Unit' }),
        method: t.exposeString('method', { nullable: true, description: '检测方法 / Method' }),
        detectionLimit: t.exposeFloat('detectionLimit', {
          nullable: true,
          description: '检出限 / Detection limit',
        }),
        belowDetection: t.exposeBoolean('belowDetection', {
          nullable: false,
          description: '低于检出限（未检出） / Below the detection limit (not detected)',
        }),
      }),
    }),
  );
}

export const analyteResults: FieldKind<AnalyteResultsDecl> = {
  type: 'analyteResults',
  column: (column) => jsonb(column),
  sqlType: () => 'jsonb',
  index: 'none',
  graphqlType: (_field, kit) => [resultType(kit)],
  validate(value, field) {
    const json = parsedJson(value);
    const list = 'value' in json ? json.value : undefined;
    if (!Array.isArray(list)) return { reason: 'must be a list of analyte results (a JSON array)' };
    const max = field.maxResults ?? MAX_ANALYTE_RESULTS;
    if (list.length > max) return { reason: `must have at most ${max} results, got ${list.length}` };
    const results: AnalyteResult[] = [];
    const seen = new Set<string>();
    for (const [index, item] of list.entries()) {
      const result = checkResult(item, field);
      if (typeof result === 'string') return { reason: `result ${index + 1}: ${result}` };
      if (seen.has(result.analyte)) {
        return { reason: `result ${index + 1}: analyte ${result.analyte} is listed twice` };
      }
      seen.add(result.analyte);
      results.push(result);
    }
    return { value: results };
  },
  toCopy: (value) => JSON.stringify(value),
  // jsonb is parsed by postgres.js; text, were a driver to leave it so.
  fromSql: (value) => (typeof value === 'string' ? JSON.parse(value) : value),
  toCsv: (value) => JSON.stringify(value),
};
