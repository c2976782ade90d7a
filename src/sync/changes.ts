import { and, asc, getTableColumns, gt } from 'drizzle-orm';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import type { Dataset } from '../catalog/define.js';
import type { DatasetRow } from '../datasets/store.js';
import type { Db } from '../db/connection.js';
import { badInput } from '../errors.js';

export const MAX_CHANGES_PAGE = 1000;

/** The change cursor is the change sequence of the last change seen; `null` starts at the beginning. */
export function parseChangeCursor(after: string | null | undefined): number {
  if (after == null || after === '') return 0;
  if (!/^\d{1,18}$/.test(after))
    throw badInput('malformed change cursor: pass the cursor of the last change you read');
  return Number(after);
}

export interface ChangePage {
  rows: DatasetRow[];
  /** The cursor to continue from: the last row's, or the one given when there was nothing new. */
  endCursor: string;
  hasMore: boolean;
}

/**
 * Changes of a dataset after a cursor, in change order: inserts, updates and tombstones, each record once
 * at its latest state. Row scope applies, as in every read.
 */
export async function listChanges(
  db: Db,
  dataset: Dataset,
  access: EffectiveAccess,
  after: string | null | undefined,
  first: number | null | undefined,
): Promise<ChangePage> {
  const limit = first ?? 100;
  if (limit < 1 || limit > MAX_CHANGES_PAGE) throw badInput(`first must be 1..${MAX_CHANGES_PAGE}`);
  const from = parseChangeCursor(after);
  const columns = getTableColumns(dataset.drizzle);
  const rows = (await db
    .select()
    .from(dataset.drizzle)
    .where(and(gt(columns.changeSeq, from), access.rowScope(dataset)))
    .orderBy(asc(columns.changeSeq))
    .limit(limit + 1)) as DatasetRow[];
  const page = rows.slice(0, limit);
  return {
    rows: page,
    endCursor: String(page.length ? page[page.length - 1].changeSeq : from),
    hasMore: rows.length > limit,
  };
}
