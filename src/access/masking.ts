import type { MaskRule } from '../catalog/types.js';

/**
 * 脱敏: how personal data looks when it is shared masked. Names keep their first character (张三 → 张*),
 * phone numbers their first three and last four digits (13812341234 → 138****1234), ID numbers their
 * first six and last four characters.
 */
export function maskValue(rule: MaskRule, value: unknown): unknown {
  if (typeof value !== 'string' || value.length === 0) return value;
  // By characters (code points), not UTF-16 units. Most values hold no surrogate pair: then the string's own
  // units are its characters, and slicing it saves an array per value (masking runs per row and field).
  return masked(rule, SURROGATE.test(value) ? [...value] : value);
}

const SURROGATE = /[\uD800-\uDFFF]/;

/** Characters start…end of a value, as a string (no closure per call: masking runs per row and field). */
function part(chars: string | string[], start: number, end?: number): string {
  return typeof chars === 'string' ? chars.slice(start, end) : chars.slice(start, end).join('');
}

function masked(rule: MaskRule, chars: string | string[]): string {
  switch (rule) {
    case 'name':
      return chars[0] + '*'.repeat(Math.max(chars.length - 1, 1));
    case 'phone':
      return chars.length >= 7
        ? `${part(chars, 0, 3)}${'*'.repeat(chars.length - 7)}${part(chars, chars.length - 4)}`
        : '*'.repeat(chars.length);
    case 'idNumber':
      return chars.length > 10
        ? `${part(chars, 0, 6)}${'*'.repeat(chars.length - 10)}${part(chars, chars.length - 4)}`
        : '*'.repeat(chars.length);
  }
}
