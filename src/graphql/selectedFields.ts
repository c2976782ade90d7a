import type { FieldNode, GraphQLResolveInfo } from 'graphql';
import type { Dataset } from '../catalog/define.js';
import { datasetByName } from '../catalog/registry.js';
import { objectType, selectionVaries, subfields, type Walk } from './selection.js';

/**
 * The stored fields a query's selection of a dataset type reads, so that the store selects those columns
 * and not the whole row (most tables have twice the columns a query asks for). Beyond the selected fields:
 * the record id and publisher always (masking and the per-row rules read the publisher), the fields a
 * selected cross-link joins on, and every provenance column when `provenance` is selected. Undefined,
 * meaning every column, for a selection this does not understand. Fields are collected as execution
 * collects them (src/graphql/selection.ts): a field left out by @skip or @include is not read.
 */
export type SelectedFields = readonly string[] | undefined;

const PROVENANCE = [
  'publisher',
  'sourceRecordId',
  'syncBatch',
  'firstSeenAt',
  'lastChangedAt',
  'version',
  'deleted',
];

/** The fields read by the selections of a dataset type, and the nodes of its selected cross-links. */
function fieldsOf(
  walk: Walk,
  dataset: Dataset,
  nodes: readonly FieldNode[],
  links?: Map<string, FieldNode[]>,
): SelectedFields {
  const into = new Set<string>(['id', 'publisher']);
  if (!nodes.length) return [...into];
  for (const [name, selected] of subfields(walk, objectType(walk.schema, dataset.names.type), nodes)) {
    if (name === '__typename') continue;
    if (dataset.fields[name]) {
      into.add(name);
      continue;
    }
    const link = dataset.links?.[name];
    if (link) {
      links?.set(name, [...(links.get(name) ?? []), ...selected]);
      if (link.kind === 'overlap') into.add(link.from);
      else for (const local of Object.keys(link.on)) into.add(local);
      continue;
    }
    if (name === 'provenance') {
      for (const column of PROVENANCE) into.add(column);
      continue;
    }
    return undefined;
  }
  return [...into];
}

const walkOf = (info: GraphQLResolveInfo): Walk => ({
  schema: info.schema,
  fragments: info.fragments,
  variables: info.variableValues,
});

// Computed once per field node where the operation's selection does not depend on its variables:
// graphql-js hands every row of a list the same nodes, and Apollo's document cache every request of the
// same document.
const recordCache = new WeakMap<FieldNode, SelectedFields>();
const connectionCache = new WeakMap<FieldNode, ConnectionSelection>();

function cached<T>(cache: WeakMap<FieldNode, T>, info: GraphQLResolveInfo, compute: () => T): T {
  const nodes = info.fieldNodes;
  if (nodes.length !== 1 || selectionVaries(info.operation, info.fragments)) return compute();
  const node = nodes[0];
  if (cache.has(node)) return cache.get(node) as T;
  const fields = compute();
  cache.set(node, fields);
  return fields;
}

/** The fields read of the record (or records) a field resolves to: a lookup by key, a cross-link. */
export function recordFields(dataset: Dataset, info: GraphQLResolveInfo): SelectedFields {
  return cached(recordCache, info, () => fieldsOf(walkOf(info), dataset, info.fieldNodes));
}

/**
 * The same for a field whose type is a union of dataset types (an alert's evidence): not cached by field
 * node, since the same node reads a different dataset on each record.
 */
export function unionMemberFields(dataset: Dataset, info: GraphQLResolveInfo): SelectedFields {
  return fieldsOf(walkOf(info), dataset, info.fieldNodes);
}

export interface ConnectionSelection {
  /** The fields read of the records. */
  fields: SelectedFields;
  /** The cross-links selected on the records, with the fields read of their targets (all occurrences'). */
  links: ReadonlyMap<string, SelectedFields>;
}

/** What a connection reads of its records (`nodes { … }`, `edges { node { … } }`) and their cross-links. */
export function connectionSelection(dataset: Dataset, info: GraphQLResolveInfo): ConnectionSelection {
  return cached(connectionCache, info, () => {
    const walk = walkOf(info);
    const type = dataset.names.type;
    const connection = subfields(walk, objectType(info.schema, `${type}Connection`), info.fieldNodes);
    const records = [...(connection.get('nodes') ?? [])];
    const edges = connection.get('edges');
    if (edges)
      records.push(...(subfields(walk, objectType(info.schema, `${type}Edge`), edges).get('node') ?? []));
    const linkNodes = new Map<string, FieldNode[]>();
    const fields = fieldsOf(walk, dataset, records, linkNodes);
    const links = new Map<string, SelectedFields>();
    for (const [name, linked] of linkNodes) {
      const target = datasetByName(dataset.links?.[name]?.to ?? '') as Dataset;
      links.set(name, fieldsOf(walk, target, linked));
    }
    return { fields, links };
  });
}
