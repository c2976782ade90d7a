import { type FieldNode, type GraphQLField, getArgumentValues } from 'graphql';
import type { Dataset } from '../catalog/define.js';
import { datasets } from '../catalog/registry.js';
import { aggregateNames, groupKeys, groupKeyValue, measureFields } from '../datasets/aggregate.js';

/** A dataset field that an operation reads. */
export interface DatasetFieldRef {
  dataset: Dataset;
  field: string;
}

const keysTypes = new Map<string, { dataset: Dataset; fieldOfKey: Map<string, string> }>();
const measuresTypes = new Map<string, Dataset>();
const queries = new Map<string, { dataset: Dataset; keyOf: Map<string, string> }>();
for (const dataset of datasets) {
  const names = aggregateNames(dataset);
  const fieldOfKey = new Map(groupKeys(dataset).map((key) => [key.name, key.field]));
  keysTypes.set(names.keys, { dataset, fieldOfKey });
  if (measureFields(dataset).length) measuresTypes.set(names.measures, dataset);
  // groupBy values: the enum's internal value from a literal, its name from raw variables.
  const keyOf = new Map(
    groupKeys(dataset).flatMap((key) => [
      [key.name, key.field],
      [groupKeyValue(key.name), key.field],
    ]),
  );
  queries.set(names.query, { dataset, keyOf });
}

/**
 * For the audit (src/audit/reads.ts): the dataset fields a field of an aggregate reads. A group key or a
 * measure reads its field; the aggregate query itself reads the fields it groups by, selected or not.
 */
export function aggregateFieldsRead(
  parentType: string | undefined,
  definition: GraphQLField<unknown, unknown> | null | undefined,
  node: FieldNode,
  variables: Record<string, unknown> | undefined,
): DatasetFieldRef[] {
  const name = node.name.value;
  const keys = parentType ? keysTypes.get(parentType) : undefined;
  const field = keys?.fieldOfKey.get(name);
  if (keys && field) return [{ dataset: keys.dataset, field }];
  const measured = parentType ? measuresTypes.get(parentType) : undefined;
  if (measured?.fields[name]) return [{ dataset: measured, field: name }];
  const query = parentType === 'Query' ? queries.get(name) : undefined;
  if (!query || !definition) return [];
  let groupBy: unknown;
  try {
    groupBy = getArgumentValues(definition, node, variables).groupBy;
  } catch {
    return []; // invalid arguments: the operation does not run
  }
  const values = Array.isArray(groupBy) ? groupBy : groupBy == null ? [] : [groupBy];
  return values.flatMap((value) => {
    const grouped = query.keyOf.get(String(value));
    return grouped ? [{ dataset: query.dataset, field: grouped }] : [];
  });
}
