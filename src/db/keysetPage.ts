import { count, type SQL, sql } from 'drizzle-orm';
import type { PgTable } from 'drizzle-orm/pg-core';
import { badInput } from '../errors.js';
import type { Db } from './connection.js';

/** A page of rows in keyset order, as a service gives it and a GraphQL connection serves it. */
export interface Paged<Row> {
  rows: Row[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  cursorOf(row: Row): string | Promise<string>;
  /** The rows matching, all, or at most `atMost` of them (see countMatching). */
  totalCount(atMost?: number): Promise<number>;
}

/** The largest `atMost` a bounded count takes: its cost stays that of reading this many index entries. */
export const MAX_COUNT_AT_MOST = 1_000_000;

/**
 * A page from what a keyset query fetched: it asks for one row more than `limit`, which says whether there
 * is a next page. The total is counted only when asked for, and once for each bound asked.
 */
export function keysetPage<Row, Cursor extends string | Promise<string>>(
  fetched: readonly Row[],
  limit: number,
  page: {
    hasPreviousPage: boolean;
    cursorOf: (row: Row) => Cursor;
    count: (atMost: number | undefined) => Promise<number>;
  },
): Paged<Row> & { cursorOf(row: Row): Cursor } {
  const totals = new Map<number | undefined, Promise<number>>();
  return {
    rows: fetched.slice(0, limit),
    hasNextPage: fetched.length > limit,
    hasPreviousPage: page.hasPreviousPage,
    cursorOf: page.cursorOf,
    totalCount: (atMost) => {
      checkAtMost(atMost);
      let total = totals.get(atMost);
      if (!total) {
        total = page.count(atMost);
        totals.set(atMost, total);
      }
      return total;
    },
  };
}

function checkAtMost(atMost: number | undefined): void {
  if (atMost === undefined) return;
  if (!Number.isInteger(atMost) || atMost < 1 || atMost > MAX_COUNT_AT_MOST) {
    throw badInput(
      `totalCount 的 atMost 须为 1 至 ${MAX_COUNT_AT_MOST} 的整数 / totalCount's atMost must be a whole number from 1 to ${MAX_COUNT_AT_MOST} (got ${atMost})`,
      { argument: 'atMost' },
    );
  }
}

/**
 * The rows of `table` matching `where`: all of them, or at most `atMost` (the count stops there, so its
 * cost grows with the bound, not with the table; the answer is `atMost` when at least that many match).
 */
export async function countMatching(
  db: Db,
  table: PgTable,
  where: SQL | undefined,
  atMost: number | undefined,
): Promise<number> {
  const matching =
    atMost === undefined
      ? db.select({ n: count() }).from(table).where(where)
      : db.select({ n: count() }).from(
          db
            .select({ one: sql`1`.as('one') })
            .from(table)
            .where(where)
            .limit(atMost)
            .as('bounded'),
        );
  const [row] = await matching;
  return Number(row.n);
}
