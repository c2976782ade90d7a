/** Figures from samples, and how the benchmarks print them. */

export const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The median of rounds with their extremes: on a shared machine the spread says how far to trust it. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export const spread = (values: number[]): Spread => ({
  median: median(values),
  min: Math.min(...values),
  max: Math.max(...values),
});

/** The q-quantile of sorted samples (nearest rank); NaN without samples. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}

/** A number for a results file: rounded, or null where there was nothing to measure. */
export const round = (value: number, digits = 1) =>
  Number.isFinite(value) ? Number(value.toFixed(digits)) : null;

/** Latencies measured one by one (ms): how many, p50, p90, p99 and the slowest. */
export function latency(ms: number[]) {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: round(percentile(sorted, 0.5)),
    p90: round(percentile(sorted, 0.9)),
    p99: round(percentile(sorted, 0.99)),
    max: round(sorted.at(-1) ?? Number.NaN),
  };
}

export function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

export const fixed = (value: number, digits = 1) => value.toFixed(digits);
export const pct = (value: number) => `${(value * 100).toFixed(1)}%`;
export const thousands = (value: number) => Math.round(value).toLocaleString('en-US');
export const mib = (bytes: number) => bytes / 2 ** 20;

/** How many times `needle` occurs in `text`, without overlaps. */
export function occurrences(text: string, needle: string): number {
  let n = 0;
  for (let at = text.indexOf(needle); at !== -1; at = text.indexOf(needle, at + needle.length)) n++;
  return n;
}

/** Paths where two JSON values differ (at most `limit`), for a failure message. */
export function differences(a: unknown, b: unknown, limit = 10, path = '$', found: string[] = []): string[] {
  if (found.length >= limit) return found;
  if (typeof a !== typeof b || Array.isArray(a) !== Array.isArray(b) || (a === null) !== (b === null)) {
    found.push(`${path}: ${JSON.stringify(a)?.slice(0, 80)} ≠ ${JSON.stringify(b)?.slice(0, 80)}`);
  } else if (a && typeof a === 'object') {
    const left = a as Record<string, unknown>;
    const right = b as Record<string, unknown>;
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      const at = Array.isArray(a) ? `${path}[${key}]` : `${path}.${key}`;
      differences(left[key], right[key], limit, at, found);
    }
  } else if (a !== b) {
    found.push(`${path}: ${JSON.stringify(a)} ≠ ${JSON.stringify(b)}`);
  }
  return found;
}

/**
 * A text table, right-aligned but for the first `left` columns (names): what the benchmarks print after
 * their rounds.
 */
export function table(header: string[], rows: string[][], left = 0): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i < left ? cell.padEnd(widths[i]) : cell.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}
