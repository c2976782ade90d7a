import type { GraphQLResolveInfo } from 'graphql';
import type { Dataset } from '../catalog/define.js';
import { datasets } from '../catalog/registry.js';
import {
  AGGREGATES,
  type AggregateGroup,
  type AggregateName,
  type AggregateResult,
  aggregateNames,
  aggregateRecords,
  DEFAULT_GROUPS,
  groupKeys,
  groupKeyValue,
  MAX_GROUPS,
  type Measures,
  measureFields,
} from '../datasets/aggregate.js';
import type { FilterArgs } from '../datasets/filters.js';
import { builder } from './builder.js';
import { outputType } from './datasetTypes.js';
import { bilingual } from './describe.js';
import { objectType, subfields, type Walk } from './selection.js';

/**
 * `<dataset>Aggregate(filter, groupBy, first, includeDeleted)`: groups of a dataset's records with their
 * count and the sum, average, minimum and maximum of numeric fields, for every dataset of the catalogue
 * (src/datasets/aggregate.ts decides what may be grouped and measured, and by whom). The SQL computes only
 * the aggregates the selection asks for.
 */

const AGGREGATE_NAMES: Record<AggregateName, [string, string]> = {
  sum: ['合计', 'Sum'],
  avg: ['平均值', 'Average'],
  min: ['最小值', 'Minimum'],
  max: ['最大值', 'Maximum'],
};

/** Which aggregates of which fields the operation selects under `groups`. */
function requestedMeasures(dataset: Dataset, info: GraphQLResolveInfo): Measures {
  const walk: Walk = { schema: info.schema, fragments: info.fragments, variables: info.variableValues };
  const names = aggregateNames(dataset);
  const measures: Record<string, string[]> = {};
  const groups = subfields(walk, objectType(info.schema, names.result), info.fieldNodes).get('groups');
  if (!groups) return measures;
  const inGroup = subfields(walk, objectType(info.schema, names.group), groups);
  for (const aggregate of AGGREGATES) {
    const nodes = inGroup.get(aggregate);
    if (!nodes) continue;
    const fields = subfields(walk, objectType(info.schema, names.measures), nodes);
    measures[aggregate] = [...fields.keys()].filter((name) => name !== '__typename');
  }
  return measures;
}

function aggregateQuery(dataset: Dataset) {
  const names = aggregateNames(dataset);
  const keys = groupKeys(dataset);
  const measured = measureFields(dataset);
  const title = (zh: string, en: string) => bilingual(`${dataset.zh}${zh}`, `${en} of ${dataset.en}`);

  const keyEnum = builder.enumType(names.keyEnum, {
    description: title('分组字段', 'Group keys'),
    values: Object.fromEntries(
      keys.map((key) => {
        const field = dataset.fields[key.field];
        const description = key.byYear
          ? bilingual(`${field.zh}（年份）`, `Year of ${field.en}`)
          : bilingual(field.zh, field.en);
        return [groupKeyValue(key.name), { value: key.name, description }];
      }),
    ),
  });

  const keysType = builder.objectRef<AggregateGroup['keys']>(names.keys).implement({
    description: title('分组键', 'Group key values'),
    fields: (t) =>
      Object.fromEntries(
        keys.map((key) => {
          const field = dataset.fields[key.field];
          return [
            key.name,
            t.field({
              type: (key.byYear ? 'Int' : outputType(field)) as any,
              description: key.byYear
                ? bilingual(
                    `${field.zh}（年份）`,
                    `Year of ${field.en}`,
                    '未按此分组时为空 / null unless grouped by it',
                  )
                : bilingual(field.zh, field.en, '未按此分组时为空 / null unless grouped by it'),
              resolve: (values) => (values[key.name] ?? null) as any,
            }),
          ];
        }),
      ),
  });

  const measuresType = measured.length
    ? builder.objectRef<Record<string, number | null>>(names.measures).implement({
        description: title('数值字段统计值', 'Aggregated numeric fields'),
        fields: (t) =>
          Object.fromEntries(
            measured.map((name) => {
              const field = dataset.fields[name];
              return [
                name,
                t.float({
                  description: bilingual(field.zh, field.en),
                  resolve: (values) => values[name] ?? null,
                }),
              ];
            }),
          ),
      })
    : undefined;

  const groupType = builder.objectRef<AggregateGroup>(names.group).implement({
    description: title('分组统计', 'One group'),
    fields: (t) => ({
      keys: t.field({
        type: keysType,
        nullable: false,
        description: '分组键的取值 / The values of the group keys',
        resolve: (group) => group.keys,
      }),
      count: t.int({
        nullable: false,
        description: '记录数 / Number of records',
        resolve: (group) => group.count,
      }),
      ...(measuresType
        ? Object.fromEntries(
            AGGREGATES.map((aggregate) => {
              const [zh, en] = AGGREGATE_NAMES[aggregate];
              return [
                aggregate,
                t.field({
                  type: measuresType,
                  nullable: false,
                  description: bilingual(
                    zh,
                    en,
                    '只计算所选字段；空值不计 / Only the selected fields are computed; nulls are ignored',
                  ),
                  resolve: (group) => group[aggregate],
                }),
              ];
            }),
          )
        : {}),
    }),
  });

  const resultType = builder.objectRef<AggregateResult>(names.result).implement({
    description: title('分组统计结果', 'Aggregate'),
    fields: (t) => ({
      groups: t.field({
        type: [groupType],
        nullable: false,
        description: '各分组，按分组键升序 / The groups, in ascending order of their keys',
        resolve: (result) => result.groups,
      }),
      truncated: t.boolean({
        nullable: false,
        description: `分组数超过 first，结果不全 / More groups than \`first\` matched: the list is cut`,
        resolve: (result) => result.truncated,
      }),
    }),
  });

  builder.queryField(names.query, (t) =>
    t.field({
      type: resultType,
      description: bilingual(
        `${dataset.zh}分组统计`,
        `Aggregate of ${dataset.en}: counts, sums, averages and extremes by group`,
        '只能按明文可读的字段分组或统计 / Only fields you read in clear may be grouped by or aggregated',
      ),
      args: {
        // The list's own filter input (datasetQueries.ts), by its name.
        filter: t.arg({ type: `${dataset.names.type}Filter` as any, description: '筛选条件 / Filter' }),
        groupBy: t.arg({
          type: [keyEnum],
          description: '分组字段（可为空：整体统计） / Group keys (none: one group of everything)',
        }),
        first: t.arg.int({
          // declared, so that the query's cost (src/http/limits.ts) counts the default number of groups
          defaultValue: DEFAULT_GROUPS,
          description: `最多返回的分组数，默认 ${DEFAULT_GROUPS}，最多 ${MAX_GROUPS} / Most groups returned (default ${DEFAULT_GROUPS}, at most ${MAX_GROUPS})`,
        }),
        includeDeleted: t.arg.boolean({ description: '包含已删除记录 / Include tombstones' }),
      },
      resolve: (_root, args, ctx, info) =>
        ctx.records.aggregate(dataset, args as never, requestedMeasures(dataset, info)),
    }),
  );
}

for (const dataset of datasets) aggregateQuery(dataset);
