import { cellText, csvCell } from '../../sync/csvCells.js';
import type { Checked, FieldKind } from '../kind.js';
import { storedAsText } from '../textCodes.js';

/** Free text: a name, an address, a crop. */
export interface TextDecl {
  type: 'text';
  /** Longest value in characters (default MAX_TEXT_LENGTH). */
  maxLength?: number;
  /** A pattern every value matches: prefer the `code` kind, which requires one. */
  pattern?: RegExp;
  /** What the pattern asks for, in words (`a GB/T 4754 code such as C2614`). */
  patternHint?: string;
  /** A valid value, for documentation and sample records. */
  example?: string;
}

/** Bound of a published text where the declaration sets none: every input has a size limit. */
export const MAX_TEXT_LENGTH = 4000;

/** Checks published text: no NUL, not too long, matching the declared pattern if any. */
export function checkText(value: unknown, field: Omit<TextDecl, 'type'>): Checked {
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

export const text: FieldKind<TextDecl> = {
  ...storedAsText,
  type: 'text',
  graphqlType: () => 'String',
  freeText: true,
  validate: (value, field) => checkText(value, field),
  // Exports put a ' before free text a spreadsheet would take for a formula (src/sync/csvCells.ts).
  fromCsv: cellText,
  toCsv: (value) => csvCell(String(value)),
};
