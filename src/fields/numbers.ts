import { type Column, type SQL, sql } from 'drizzle-orm';
import type { Aggregate, Checked } from './kind.js';

/** What the numeric kinds share: reading a published number, its declared bounds, aggregates. */

/** A published number: a JSON number, or decimal text (a CSV cell); undefined when it is neither. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'string' && /^\s*-?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*$/.test(value))
    return Number(value);
  return undefined;
}

/** Checks a number against a field's declared bounds. */
export function checkBounds(number: number, field: { min?: number; max?: number }): Checked {
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

/** An aggregate of a numeric column, as a double precision number (a JSON number on both drivers). */
export function plainAggregate(aggregate: Aggregate, column: Column): SQL {
  return sql`${sql.raw(aggregate)}(${column})::float8`;
}

/**
 * Significant digits of a stored quantity, `numeric(15, scale)`: every decimal of 15 significant digits
 * is a double whose shortest form is that decimal again, so a stored value leaves as the JSON number it is.
 */
export const QUANTITY_DIGITS = 15;

/** Decimal places a number has when read at 15 significant digits (what a double holds reliably). */
function decimalPlaces(number: number): number {
  const [mantissa, exponent = '0'] = number.toPrecision(QUANTITY_DIGITS).split('e');
  const fraction = (mantissa.split('.')[1] ?? '').replace(/0+$/, '');
  return Math.max(0, fraction.length - Number(exponent));
}

/**
 * Checks a number against a declared scale (decimal places): one with more decimals is refused, not
 * rounded, and one too large for `numeric(15, scale)` too. The binary noise of a double (0.1 + 0.2 =
 * 0.30000000000000004) is not a decimal of its own: it is read at 15 significant digits, as 0.3.
 */
export function checkScale(number: number, scale: number): Checked {
  const limit = 10 ** (QUANTITY_DIGITS - scale);
  if (Math.abs(number) >= limit) {
    return { reason: `is out of range (at most ${(limit - 10 ** -scale).toFixed(scale)}), got ${number}` };
  }
  if (decimalPlaces(number) > scale) {
    return {
      reason:
        scale === 0
          ? `must have no decimal places, got ${number}`
          : `must have at most ${scale} decimal place${scale === 1 ? '' : 's'}, got ${number}`,
    };
  }
  return { value: Number(number.toPrecision(QUANTITY_DIGITS)) };
}
