/** Bounds of a benchmark setting: by default any positive number. */
export interface NumberBounds {
  min?: number;
  max?: number;
  integer?: boolean;
}

/**
 * A benchmark setting from the environment: `fallback` when unset or empty; a value that is not a number
 * within the bounds stops the benchmark with one line naming the variable.
 */
export function envNumber(name: string, fallback: number, bounds: NumberBounds = {}): number {
  const { min, max = Number.POSITIVE_INFINITY, integer = false } = bounds;
  const given = process.env[name];
  const value = given === undefined || given === '' ? fallback : Number(given);
  const within = Number.isFinite(value) && (min === undefined ? value > 0 : value >= min) && value <= max;
  if (!within || (integer && !Number.isInteger(value))) {
    const kind = integer ? 'whole number' : 'number';
    const range = min === undefined ? `a positive ${kind}` : `a ${kind} from ${min} to ${max}`;
    throw new Error(`${name} must be ${range}, not ${JSON.stringify(given)}`);
  }
  return value;
}
