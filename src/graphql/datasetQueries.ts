import type { Dataset } from '../catalog/define.js';
import { datasets } from '../catalog/registry.js';
import type { FieldDef } from '../catalog/types.js';
import { filterKind } from '../datasets/filters.js';
import { type ListArgs, MAX_PAGE_SIZE } from '../datasets/store.js';
import { builder } from './builder.js';
import { connectionType } from './connection.js';
import { datasetTypes, outputType } from './datasetTypes.js';
import { bilingual } from './describe.js';
import { filterInputType } from './fieldTypes.js';
import { maxLength, maxLengthOf } from './inputLengths.js';
import { linkFilterFields } from './linkFilters.js';
import { connectionSelection, recordFields } from './selectedFields.js';

export const OrderDirection = builder.enumType('OrderDirection', {
  description: '排序方向 / Sort direction',
  values: {
    ASC: { description: '升序 / Ascending' },
    DESC: { description: '降序 / Descending' },
  },
});

const upperSnake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase();

function filterInputField(
  t: PothosSchemaTypes.InputFieldBuilder<any, 'InputObject'>,
  name: string,
  field: FieldDef,
) {
  const list = filterKind(field) === 'list';
  const description = `${bilingual(field.zh, field.en)}${list ? '：匹配任一值 / matches any of the values' : ''}`;
  return t.field({ type: filterInputType(field) as any, description, ...(list ? maxLengthOf(field) : {}) });
}

function filterInput(dataset: Dataset) {
  const filterable = Object.entries(dataset.fields).filter(([, field]) => filterKind(field));
  const searchable = Object.values(dataset.fields).filter((field) => field.search);
  return builder.inputType(`${dataset.names.type}Filter`, {
    description: bilingual(
      `${dataset.zh}筛选条件`,
      `Filter for ${dataset.en}`,
      '各条件同时满足 / All conditions must hold',
    ),
    fields: (t) => ({
      ...Object.fromEntries(filterable.map(([name, field]) => [name, filterInputField(t, name, field)])),
      ...(searchable.length
        ? {
            search: t.string({
              description: bilingual(
                `模糊查询：${searchable.map((f) => f.zh).join('、')}`,
                `Text search in ${searchable.map((f) => f.en).join(', ')}`,
              ),
              ...maxLength('text'),
            }),
          }
        : {}),
      updatedSince: t.field({
        type: 'DateTime',
        description: '此时间之后变更的记录 / Records changed at or after this time',
      }),
      ...(dataset.geometryField
        ? {
            bbox: t.floatList({
              description:
                '经纬度范围 [最小经度, 最小纬度, 最大经度, 最大纬度] / Bounding box [minLon, minLat, maxLon, maxLat]',
            }),
            intersects: t.field({
              type: 'GeoJSON',
              description: '与该几何对象相交 / Intersecting this GeoJSON Point or Polygon',
            }),
          }
        : {}),
      ...linkFilterFields(t, dataset),
    }),
  });
}

function orderInput(dataset: Dataset) {
  const sortable = Object.entries(dataset.fields).filter(([, field]) => field.sortable);
  const orderField = builder.enumType(`${dataset.names.type}OrderField`, {
    description: bilingual(`${dataset.zh}排序字段`, `Sort fields of ${dataset.en}`),
    values: {
      ...Object.fromEntries(
        sortable.map(([name, field]) => [
          upperSnake(name),
          { value: name, description: bilingual(field.zh, field.en) },
        ]),
      ),
      LAST_CHANGED_AT: { value: 'lastChangedAt', description: '最后变更时间 / Last changed' },
    },
  });
  return builder.inputType(`${dataset.names.type}Order`, {
    description: bilingual(`${dataset.zh}排序`, `Ordering of ${dataset.en}`),
    fields: (t) => ({
      field: t.field({ type: orderField, required: true, description: '排序字段 / Sort field' }),
      direction: t.field({ type: OrderDirection, defaultValue: 'ASC', description: '排序方向 / Direction' }),
    }),
  });
}

for (const dataset of datasets) {
  const node = datasetTypes.get(dataset.name);
  if (!node) throw new Error(`no type for ${dataset.name}`);
  const connection = connectionType(node, dataset.names.type, dataset.zh, dataset.en);
  const filter = filterInput(dataset);
  const orderBy = orderInput(dataset);

  builder.queryField(dataset.names.many, (t) =>
    t.field({
      type: connection,
      nullable: false,
      description: bilingual(`${dataset.zh}列表`, `List of ${dataset.en}`, dataset.description),
      args: {
        filter: t.arg({ type: filter, description: '筛选条件 / Filter' }),
        orderBy: t.arg({ type: orderBy, description: '排序（默认按声明的顺序） / Ordering' }),
        first: t.arg.int({
          description: `每页条数，默认 100，最多 ${MAX_PAGE_SIZE} / Page size (default 100, at most ${MAX_PAGE_SIZE})`,
        }),
        after: t.arg.string({ description: '上一页的 endCursor / The endCursor of the previous page' }),
        includeDeleted: t.arg.boolean({ description: '包含已删除记录 / Include tombstones' }),
      },
      resolve: (_root, args, ctx, info) =>
        ctx.records.list(dataset, args as ListArgs, connectionSelection(dataset, info)),
    }),
  );

  builder.queryField(dataset.names.one, (t) =>
    t.field({
      type: node,
      description: bilingual(`按主键查询${dataset.zh}`, `One record of ${dataset.en} by its natural key`),
      args: Object.fromEntries(
        dataset.key.map((name) => {
          const field = dataset.fields[name];
          return [
            name,
            t.arg({
              type: outputType(field) as any,
              required: true,
              description: bilingual(field.zh, field.en),
              ...maxLengthOf(field),
            }),
          ];
        }),
      ),
      resolve: (_root, args, ctx, info) => ctx.records.byKey(dataset, args, recordFields(dataset, info)),
    }),
  );
}
