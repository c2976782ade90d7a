import { badInput } from '../errors.js';
import type { CursorSeal } from './cursorSeal.js';

/** Keyset cursor: the sort value and the record id of the last row of a page. */
export interface Cursor {
  value: unknown;
  id: number;
}

/** The order a list cursor was made for: a cursor continues only the order it came from. */
export interface CursorOrder {
  field: string;
  direction: 'ASC' | 'DESC';
}

const malformed = () =>
  badInput(
    '游标无效：请原样传入同一列表上一页的 endCursor 或某条记录的 cursor / malformed cursor: pass the endCursor ' +
      'or an edge cursor of a previous page of the same list unchanged',
    { argument: 'after' },
  );

/**
 * A page's cursor, sealed (src/datasets/cursorSeal.ts) for the dataset: the record id is a global counter,
 * so it never leaves in clear, and a cursor is one the hub made, so its sort value is a value of the sort
 * field. The id takes 8 bytes whatever its size, so a cursor's length tells nothing of it.
 */
export function encodeCursor(seal: CursorSeal, dataset: string, order: CursorOrder, cursor: Cursor): string {
  const id = Buffer.alloc(8);
  id.writeBigUInt64BE(BigInt(cursor.id));
  const position = Buffer.from(JSON.stringify([order.field, order.direction, cursor.value]));
  return seal.seal('list', dataset, Buffer.concat([id, position]));
}

/** The position a cursor of `encodeCursor` holds; BAD_USER_INPUT for any other text or another order. */
export function decodeCursor(seal: CursorSeal, dataset: string, order: CursorOrder, text: string): Cursor {
  const content = seal.open('list', dataset, text);
  if (!content || content.length < 8) throw malformed();
  const [field, direction, value] = JSON.parse(content.subarray(8).toString('utf8')) as [
    string,
    string,
    unknown,
  ];
  if (field !== order.field || direction !== order.direction) {
    throw badInput(
      `游标属于另一种排序（${field} ${direction}）/ The cursor continues another order (${field} ${direction}): ` +
        'page with the orderBy of the page it came from',
      { argument: 'after' },
    );
  }
  return { value, id: Number(content.readBigUInt64BE(0)) };
}
