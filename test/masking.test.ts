import { describe, expect, it } from 'vitest';
import { maskValue } from '../src/access/masking.js';

/** 脱敏 counts characters, not UTF-16 units: a character outside the BMP (𠀀, 𪚥) is one character. */
describe('masking (脱敏) by characters', () => {
  it.each([
    ['name', '张三', '张*'],
    ['name', '欧阳修', '欧**'],
    ['phone', '13812341234', '138****1234'],
    ['idNumber', '110105199001011234', '110105********1234'],
    ['phone', '', ''],
    ['name', '𪚥明', '𪚥*'],
    ['name', '𠀀', '𠀀*'],
    ['name', '李𠀀𠀁', '李**'],
    ['phone', '138𠀀234123𠀁', '138****123𠀁'],
    ['phone', '12𠀀456', '******'],
    ['idNumber', '𠀀10105199001011234', '𠀀10105********1234'],
    ['idNumber', '11010519900101123𠀁', '110105********123𠀁'],
    ['phone', '+86 138 1234 1234', '+86**********1234'],
  ] as const)('%s %s → %s', (rule, value, masked) => {
    expect(maskValue(rule, value)).toBe(masked);
  });

  it('leaves what is not a non-empty string as it is', () => {
    expect(maskValue('name', '')).toBe('');
    expect(maskValue('phone', null)).toBe(null);
    expect(maskValue('idNumber', 42)).toBe(42);
  });
});
