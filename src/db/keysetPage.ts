/** A page of rows in keyset order, as a service gives it and a GraphQL connection serves it. */
export interface Paged<Row> {
  rows: Row[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  cursorOf(row: Row): string | Promise<string>;
  totalCount(): Promise<number>;
}

/**
 * A page from what a keyset query fetched: it asks for one row more than `limit`, which says whether there
 * is a next page. The total is counted only when asked for, and once.
 */
export function keysetPage<Row, Cursor extends string | Promise<string>>(
  fetched: readonly Row[],
  limit: number,
  page: { hasPreviousPage: boolean; cursorOf: (row: Row) => Cursor; count: () => Promise<number> },
): Paged<Row> & { cursorOf(row: Row): Cursor } {
  let total: Promise<number> | undefined;
  return {
    rows: fetched.slice(0, limit),
    hasNextPage: fetched.length > limit,
    hasPreviousPage: page.hasPreviousPage,
    cursorOf: page.cursorOf,
    totalCount: () => {
      total ??= page.count();
      return total;
    },
  };
}
