import type { PlanBasis } from '../../catalog/types.js';
import type { RuleQuery } from '../rule.js';

/**
 * An indicator the plans set (考核指标), declared once per file in this folder: its definition, unit, target
 * with the plan that sets it, the fields it reads, and the set-based query giving numerator and denominator
 * per district. The service (service.ts) decides who sees which figures.
 */

/** The period an indicator is computed for: a year, or a quarter of it (dates inclusive, ISO). */
export interface Period {
  year: number;
  quarter: number | null;
  from: string;
  to: string;
}

/** An indicator's figures in one district (by its GB/T 2260 code). */
export interface DistrictFigure {
  district: string;
  numerator: number;
  denominator: number;
}

export interface IndicatorTarget {
  /** The least value (a ratio, 0.95 for 95%) that meets it. */
  atLeast: number;
  basis: readonly PlanBasis[];
  note: { zh: string; en: string };
}

export interface IndicatorUnit {
  /** What numerator and denominator count: `mu` (亩), `plot` (块), `enterprise` (家). */
  code: string;
  zh: string;
  en: string;
}

export interface Indicator {
  /** Stable id, e.g. `FARMLAND_SAFE_USE_RATE`. */
  id: string;
  zh: string;
  en: string;
  definition: { zh: string; en: string };
  unit: IndicatorUnit;
  target: IndicatorTarget;
  /**
   * The fields the figures depend on beyond keys and districts: a caller sees the indicator only if it
   * reads all of them in clear (a figure discloses nothing its records would not). The query may use no other.
   */
  reads: Readonly<Record<string, readonly string[]>>;
  /** Numerator and denominator per district, over live records; only `district` when it is given. */
  compute(query: RuleQuery, period: Period, district: string | null): Promise<DistrictFigure[]>;
}

/** Declares an indicator; its reads are checked when its query runs (ruleQuery). */
export function defineIndicator(input: Indicator): Indicator {
  if (!/^[A-Z][A-Z0-9_]{2,63}$/.test(input.id))
    throw new Error(`indicator ${input.id}: id not UPPER_SNAKE_CASE`);
  if (!(input.target.atLeast > 0 && input.target.atLeast <= 1))
    throw new Error(`indicator ${input.id}: target outside (0, 1]`);
  return input;
}

/** A sum or count as the database answers it (numeric as text, count as text or number) as a number. */
export const asFigure = (value: unknown): number => Math.round(Number(value ?? 0) * 100) / 100;
