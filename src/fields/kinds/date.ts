import { date as dateColumn } from 'drizzle-orm/pg-core';
import { dateRangeFilter } from '../filters.js';
import type { FieldKind } from '../kind.js';

/** A calendar day, ISO 8601 (`2024-05-01`). */
export interface DateDecl {
  type: 'date';
}

function realDate(text: string): boolean {
  const [year, month, day] = text.split('-').map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

export const date: FieldKind<DateDecl> = {
  type: 'date',
  column: (column) => dateColumn(column, { mode: 'string' }),
  sqlType: () => 'date',
  index: 'filterable',
  graphqlType: () => 'Date',
  filter: dateRangeFilter,
  groupBy: 'valueAndYear',
  validate(value) {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      return { reason: `must be an ISO date YYYY-MM-DD, got ${JSON.stringify(value)}` };
    }
    if (!realDate(value)) return { reason: `${value} is not a real date` };
    return { value };
  },
  // As text: the raw driver would make a Date of it, at midnight in the server's zone.
  sqlSelect: (column) => `${column}::text`,
  toCsv: String,
};
