import { badInput } from '../errors.js';

/** Keyset cursor: the sort value and the record id of the last row of a page, opaque to clients. */
export interface Cursor {
  value: unknown;
  id: number;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.value, cursor.id])).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === 2 && Number.isSafeInteger(parsed[1])) {
      const value = parsed[0];
      if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) {
        return { value, id: parsed[1] };
      }
    }
  } catch {
    // fall through to the error below
  }
  throw badInput('malformed cursor: pass the endCursor or an edge cursor of a previous page unchanged', {
    argument: 'after',
  });
}
