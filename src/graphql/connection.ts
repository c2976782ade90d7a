import type { ObjectRef } from '@pothos/core';
import { MAX_COUNT_AT_MOST, type Paged } from '../db/keysetPage.js';
import { builder, type HubSchemaTypes } from './builder.js';

/**
 * Relay-style connections with keyset cursors. Hand-built rather than with @pothos/plugin-relay because
 * the plugin's offset and node-interface machinery fits neither keyset paging over SQL nor lazy totals.
 */
export const PageInfo = builder.objectRef<{ page: Paged<unknown> }>('PageInfo').implement({
  description: '分页信息 / Pagination information',
  fields: (t) => ({
    hasNextPage: t.boolean({
      nullable: false,
      description: '是否还有下一页 / Whether another page follows',
      resolve: ({ page }) => page.hasNextPage,
    }),
    hasPreviousPage: t.boolean({
      nullable: false,
      description: '是否有上一页 / Whether a page precedes this one',
      resolve: ({ page }) => page.hasPreviousPage,
    }),
    startCursor: t.string({
      description: '本页第一条的游标 / Cursor of the first row of the page',
      resolve: ({ page }) => (page.rows.length ? page.cursorOf(page.rows[0]) : null),
    }),
    endCursor: t.string({
      description: '本页最后一条的游标，作为下一页的 after 参数 / Cursor of the last row: pass it as `after`',
      resolve: ({ page }) => (page.rows.length ? page.cursorOf(page.rows[page.rows.length - 1]) : null),
    }),
  }),
});

/** The `…Connection` and `…Edge` types of a record type. */
export function connectionType<Row>(
  node: ObjectRef<HubSchemaTypes, Row>,
  typeName: string,
  zh: string,
  en: string,
) {
  const edge = builder.objectRef<{ page: Paged<Row>; row: Row }>(`${typeName}Edge`).implement({
    description: `${zh}（分页条目） / An edge in a list of ${en}`,
    fields: (t) => ({
      cursor: t.string({
        nullable: false,
        description: '游标 / Cursor of this row',
        resolve: ({ page, row }) => page.cursorOf(row),
      }),
      node: t.field({
        type: node,
        nullable: false,
        description: `${zh} / ${en}`,
        // Pothos cannot resolve its result type for a type parameter: `row` is a Row, the node's shape.
        resolve: ({ row }) => row as never,
      }),
    }),
  });
  return builder.objectRef<Paged<Row>>(`${typeName}Connection`).implement({
    description: `${zh}（分页列表） / A page of ${en}`,
    fields: (t) => ({
      edges: t.field({
        type: [edge],
        nullable: false,
        description: '分页条目 / Edges',
        resolve: (page) => page.rows.map((row) => ({ page, row })),
      }),
      nodes: t.field({
        type: [node],
        nullable: false,
        description: '本页记录 / The records of this page',
        resolve: (page) => page.rows,
      }),
      pageInfo: t.field({
        type: PageInfo,
        nullable: false,
        description: '分页信息 / Pagination information',
        resolve: (page) => ({ page }),
      }),
      totalCount: t.int({
        nullable: false,
        description:
          '符合条件的记录总数；给出 atMost 时最多数到该值（记录多时更快） / Number of records matching the filter; with `atMost`, counted up to that many only (faster over many records)',
        args: {
          atMost: t.arg.int({
            description: `最多数到多少条（1–${MAX_COUNT_AT_MOST.toLocaleString('en')}）：至少有这么多时返回该值，计数的开销不随记录增长 / Count no further than this (1–${MAX_COUNT_AT_MOST.toLocaleString('en')}): the answer is \`atMost\` when at least that many match, and the count's cost stays bounded by it`,
          }),
        },
        resolve: (page, { atMost }) => page.totalCount(atMost ?? undefined),
      }),
    }),
  });
}
