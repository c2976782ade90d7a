import { text } from 'drizzle-orm/pg-core';
import { parsedJson } from '../json.js';
import type { FieldKind } from '../kind.js';

/** A list of short texts (the pollutants of a site): PostgreSQL `text[]`. */
export interface TextListDecl {
  type: 'textList';
}

/** Bounds of a published list where the declaration sets none: every input has a size limit. */
export const MAX_LIST_ITEMS = 200;
export const MAX_LIST_ITEM_LENGTH = 200;

/** A text list as a PostgreSQL array literal (`{"a","b"}`), for COPY. */
const arrayLiteral = (items: readonly string[]) =>
  `{${items.map((item) => `"${item.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;

export const textList: FieldKind<TextListDecl> = {
  type: 'textList',
  column: (column) => text(column).array(),
  sqlType: () => 'text[]',
  index: 'none',
  graphqlType: () => ['String'],
  validate(value) {
    let list = value;
    if (typeof value === 'string') {
      const json = value.trim().startsWith('[') ? parsedJson(value) : { value: value.split(';') };
      list = 'value' in json ? json.value : undefined;
    }
    if (!Array.isArray(list) || !list.every((item) => typeof item === 'string' && !item.includes('\u0000'))) {
      return { reason: 'must be a list of text (a JSON array, or values separated by ";")' };
    }
    if (list.length > MAX_LIST_ITEMS || list.some((item) => item.length > MAX_LIST_ITEM_LENGTH)) {
      return {
        reason: `must have at most ${MAX_LIST_ITEMS} items of at most ${MAX_LIST_ITEM_LENGTH} characters each`,
      };
    }
    return { value: list.map((item) => item.trim()).filter(Boolean) };
  },
  toCopy: (value) => arrayLiteral(value as string[]),
  sqlSelect: (column) => `to_json(${column})`,
  toCsv: (value) => JSON.stringify(value),
};
