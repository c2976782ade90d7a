import type { Dataset } from '../catalog/define.js';
import type { CursorSeal } from '../datasets/cursorSeal.js';
import { cursorSeal } from '../datasets/cursorSeal.js';
import type { DatasetRow } from '../datasets/store.js';
import { badInput } from '../errors.js';

export const MAX_CHANGES_PAGE = 1000;

/**
 * Change cursors are sealed change sequences (src/datasets/cursorSeal.ts), bound to their dataset. The
 * sequence is global (every dataset's changes take the next value), so in clear the gap between two of a
 * district's changes would count every change of other districts and datasets in between; sealed, a
 * caller sees one opaque text per change it may read, and the same text for the same position.
 *
 * Numeric cursors, which hubs gave out before cursors were sealed, are still accepted up to the last
 * sequence given out then (`numericHorizon`, recorded by migration 0011), so pull states kept from before
 * keep working: any such number shows a caller only what the feed showed it before the upgrade. A larger
 * number was never given out, and is refused.
 */
export function changeCursor(seal: CursorSeal, dataset: Dataset, changeSeq: number | string): string {
  return seal.sealPosition('changes', dataset.name, BigInt(changeSeq));
}

/** The change sequence a change cursor stands for; `null`, empty or "0" is the beginning. */
export function changePosition(seal: CursorSeal, dataset: Dataset, after: string | null | undefined): bigint {
  if (after == null || after === '') return 0n;
  if (/^\d{1,19}$/.test(after)) {
    const position = BigInt(after);
    if (position <= BigInt(seal.numericHorizon)) return position;
    throw badInput(
      '变更游标无效：请从头开始读取（不带 after）/ This change cursor is not one the hub gave out: start again ' +
        'from the beginning (without after)',
      { argument: 'after' },
    );
  }
  const position = seal.openPosition('changes', dataset.name, after);
  if (position === undefined) {
    throw badInput(
      `变更游标无效：请原样传入 ${dataset.name} 上次返回的游标 / Malformed change cursor: pass a cursor the ` +
        `change feed of ${dataset.name} returned, unchanged (or none, to start from the beginning)`,
      { argument: 'after' },
    );
  }
  return position;
}

export interface ChangePage {
  rows: DatasetRow[];
  /** Each row's change cursor. */
  cursorOf(row: DatasetRow): string;
  /** The cursor to continue from: the last row's, or the one given when there was nothing new. */
  endCursor: string;
  hasMore: boolean;
}
