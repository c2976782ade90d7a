import type { MaskRule } from '../catalog/types.js';

/**
 * 脱敏: how personal data looks when it is shared masked. Names keep their first character (张三 → 张*),
 * phone numbers their first three and last four digits (13812341234 → 138****1234), ID numbers their
 * first six and last four characters.
 */
export function maskValue(rule: MaskRule, value: unknown): unknown {
  if (typeof value !== 'string' || value.length === 0) return value;
  const chars = [...value];
  switch (rule) {
    case 'name':
      return chars[0] + '*'.repeat(Math.max(chars.length - 1, 1));
    case 'phone':
      return chars.length >= 7
        ? `${chars.slice(0, 3).join('')}${'*'.repeat(chars.length - 7)}${chars.slice(-4).join('')}`
        : '*'.repeat(chars.length);
    case 'idNumber':
      return chars.length > 10
        ? `${chars.slice(0, 6).join('')}${'*'.repeat(chars.length - 10)}${chars.slice(-4).join('')}`
        : '*'.repeat(chars.length);
  }
}
