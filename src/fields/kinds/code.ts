import type { FieldKind } from '../kind.js';
import { checkText, text } from './text.js';

/** A code of a declared form: text that always matches its pattern (an industry code, a plot code). */
export interface CodeDecl {
  type: 'code';
  pattern: RegExp;
  /** What the pattern asks for, in words: the message of a refused value says it. */
  patternHint: string;
  /** A valid value, for documentation and sample records. */
  example?: string;
  maxLength?: number;
}

/** Read, filtered and exported as text; published only when it matches its pattern. */
export const code: FieldKind<CodeDecl> = {
  ...(text as unknown as FieldKind<CodeDecl>),
  type: 'code',
  validate: (value, field) => checkText(value, field),
};
