import type { ImplementableObjectRef } from '@pothos/core';
import type { GraphQLResolveInfo } from 'graphql';
import type { Dataset } from '../catalog/define.js';
import { datasetByName, datasets } from '../catalog/registry.js';
import type { FieldDef, LinkDef } from '../catalog/types.js';
import type { Context } from '../context.js';
import type { DatasetRow } from '../datasets/store.js';
import { builder, type HubSchemaTypes } from './builder.js';
import { bilingual, describeField } from './describe.js';
import { outputType } from './fieldTypes.js';
import { RecordProvenance } from './provenance.js';
import { recordFields } from './selectedFields.js';

/** The object type of every dataset, derived from its declaration. */
export const datasetTypes = new Map<string, ImplementableObjectRef<HubSchemaTypes, DatasetRow>>(
  datasets.map((dataset) => [dataset.name, builder.objectRef<DatasetRow>(dataset.names.type)]),
);

/** The GraphQL output type of a declared field: its kind's (src/fields). */
export { outputType };

function linkField(
  t: PothosSchemaTypes.ObjectFieldBuilder<HubSchemaTypes, DatasetRow>,
  source: Dataset,
  linkName: string,
  link: LinkDef,
) {
  const target = datasetByName(link.to) as Dataset;
  const targetType = datasetTypes.get(target.name) as ImplementableObjectRef<HubSchemaTypes, DatasetRow>;
  const description = bilingual(link.zh, link.en);
  const load = (row: DatasetRow, ctx: Context, info: GraphQLResolveInfo) =>
    ctx.records.linked(source, linkName, row, recordFields(target, info));
  if (link.kind === 'overlap') {
    return t.field({
      type: [targetType],
      description: `${description}\n\n按空间重叠关联 / Linked by spatial overlap`,
      resolve: (row, _args, ctx, info) => load(row, ctx, info),
    });
  }
  if (link.kind === 'one') {
    return t.field({
      type: targetType,
      description,
      // a link joined in the page's statement answers synchronously: no promise per row
      resolve: (row, _args, ctx, info) => {
        const joined = ctx.records.joined(source, linkName, row);
        return joined !== undefined ? joined : load(row, ctx, info).then((rows) => rows[0] ?? null);
      },
    });
  }
  return t.field({
    type: [targetType],
    description,
    resolve: (row, _args, ctx, info) => load(row, ctx, info),
  });
}

/**
 * A field's value as the caller may see it: masking (脱敏) per row, through the caller's record view.
 * Whether it may see it at all is the permission rules' call.
 */
function valueResolver(dataset: Dataset, name: string, field: FieldDef) {
  if (!(field.personal && field.mask)) return (row: DatasetRow) => row[name] as any;
  return (row: DatasetRow, _args: unknown, ctx: Context) =>
    (ctx.records.view(dataset).value(row, name) ?? null) as any;
}

for (const dataset of datasets) {
  const ref = datasetTypes.get(dataset.name) as ImplementableObjectRef<HubSchemaTypes, DatasetRow>;
  ref.implement({
    description: bilingual(dataset.zh, dataset.en, dataset.description),
    fields: (t) => ({
      ...Object.fromEntries(
        Object.entries(dataset.fields).map(([name, field]) => [
          name,
          t.field({
            type: outputType(field) as any,
            description: describeField(field),
            resolve: valueResolver(dataset, name, field),
          }),
        ]),
      ),
      ...Object.fromEntries(
        Object.entries(dataset.links ?? {}).map(([name, link]) => [name, linkField(t, dataset, name, link)]),
      ),
      provenance: t.field({
        type: RecordProvenance,
        nullable: false,
        description: '记录来源信息 / Provenance of the record',
        resolve: (row) => row,
      }),
    }),
  });
}
