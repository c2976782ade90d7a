import { text } from 'drizzle-orm/pg-core';
import { listFilter } from './filters.js';

/**
 * What the kinds stored as text share (free text, codes, enumerations, districts, credit codes): a text
 * column, indexed when filterable, filtered by any of a list of values, a group key, its own CSV cell.
 */
export const storedAsText = {
  column: (column: string) => text(column),
  sqlType: () => 'text',
  index: 'filterable',
  filter: listFilter,
  groupBy: 'value',
  toCsv: String,
} as const;
