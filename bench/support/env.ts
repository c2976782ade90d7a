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

/**
 * The settings of a benchmark that loads servers in turn, round after round: its rounds (`variable`, at
 * most `max`), BENCH_SECONDS per side (3), BENCH_WARMUP_SECONDS per side (`warmup`), BENCH_CONNECTIONS (10)
 * and the servers' pools, BENCH_POOL (10, the hub's default); values above the bounds are cut to them.
 */
export function roundSettings(rounds: { variable: string; fallback: number; max: number }, warmup: number) {
  return {
    rounds: Math.min(envNumber(rounds.variable, rounds.fallback), rounds.max),
    seconds: Math.min(envNumber('BENCH_SECONDS', 3), 30),
    warmupSeconds: Math.min(envNumber('BENCH_WARMUP_SECONDS', warmup), 30),
    connections: Math.min(envNumber('BENCH_CONNECTIONS', 10), 100),
    pool: Math.min(envNumber('BENCH_POOL', 10), 100),
  };
}
