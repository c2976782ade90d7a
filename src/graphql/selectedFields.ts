import type { FieldNode, FragmentDefinitionNode, GraphQLResolveInfo, SelectionSetNode } from 'graphql';
import type { Dataset } from '../catalog/define.js';
import { datasetByName } from '../catalog/registry.js';

/**
 * The stored fields a query's selection of a dataset type reads, so that the store selects those columns
 * and not the whole row (most tables have twice the columns a query asks for, and decoding the others
 * was a good part of a list's cost). Beyond the selected fields: the record id and publisher always (the
 * masking and the per-row rules read the publisher), the fields a selected cross-link joins on, and every
 * provenance column when `provenance` is selected. Undefined, meaning every column, for a selection this
 * does not understand (a field it does not know).
 *
 * `@skip` and `@include` are ignored: a field under either is read as if selected (a column too many, never
 * one too few).
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

type Fragments = Record<string, FragmentDefinitionNode>;

/** The selection sets of the cross-links met, by link name. */
type LinkSelections = Map<string, (SelectionSetNode | undefined)[]>;

function collect(
  dataset: Dataset,
  selectionSet: SelectionSetNode | undefined,
  fragments: Fragments,
  into: Set<string>,
  seen: Set<string>,
  links?: LinkSelections,
): boolean {
  if (!selectionSet) return true;
  for (const selection of selectionSet.selections) {
    if (selection.kind === 'InlineFragment') {
      if (!collect(dataset, selection.selectionSet, fragments, into, seen, links)) return false;
      continue;
    }
    if (selection.kind === 'FragmentSpread') {
      const name = selection.name.value;
      if (seen.has(name)) continue;
      seen.add(name);
      const fragment = fragments[name];
      if (!fragment || !collect(dataset, fragment.selectionSet, fragments, into, seen, links)) return false;
      continue;
    }
    const name = selection.name.value;
    if (name === '__typename') continue;
    if (dataset.fields[name]) {
      into.add(name);
      continue;
    }
    const link = dataset.links?.[name];
    if (link) {
      links?.set(name, [...(links.get(name) ?? []), selection.selectionSet]);
      if (link.kind === 'overlap') into.add(link.from);
      else for (const local of Object.keys(link.on)) into.add(local);
      continue;
    }
    if (name === 'provenance') {
      for (const column of PROVENANCE) into.add(column);
      continue;
    }
    return false;
  }
  return true;
}

/** The fields read by the selection sets of a dataset type (for a list: those under nodes and edges.node). */
function fieldsOf(
  dataset: Dataset,
  selectionSets: (SelectionSetNode | undefined)[],
  fragments: Fragments,
  links?: LinkSelections,
): SelectedFields {
  const into = new Set<string>(['id', 'publisher']);
  const seen = new Set<string>();
  for (const selectionSet of selectionSets) {
    if (!collect(dataset, selectionSet, fragments, into, seen, links)) return undefined;
  }
  return [...into];
}

/** The selection sets of the fields named `name` in a selection set, through fragments. */
function subSelections(
  selectionSet: SelectionSetNode | undefined,
  name: string,
  fragments: Fragments,
  found: (SelectionSetNode | undefined)[] = [],
  seen = new Set<string>(),
): (SelectionSetNode | undefined)[] {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === 'Field') {
      if (selection.name.value === name) found.push(selection.selectionSet);
    } else if (selection.kind === 'InlineFragment') {
      subSelections(selection.selectionSet, name, fragments, found, seen);
    } else if (!seen.has(selection.name.value)) {
      seen.add(selection.name.value);
      subSelections(fragments[selection.name.value]?.selectionSet, name, fragments, found, seen);
    }
  }
  return found;
}

// Computed once per field node: graphql-js hands every row of a list the same nodes, and Apollo's document
// cache hands every request of the same document the same nodes (fragments are the document's own, so the
// answer depends on the node alone).
const recordCache = new WeakMap<FieldNode, SelectedFields>();
const connectionCache = new WeakMap<FieldNode, ConnectionSelection>();

function cached<T>(cache: WeakMap<FieldNode, T>, nodes: readonly FieldNode[], compute: () => T): T {
  if (nodes.length !== 1) return compute();
  const node = nodes[0];
  if (cache.has(node)) return cache.get(node) as T;
  const fields = compute();
  cache.set(node, fields);
  return fields;
}

/** The fields read of the record (or records) a field resolves to: a lookup by key, a cross-link. */
export function recordFields(dataset: Dataset, info: GraphQLResolveInfo): SelectedFields {
  return cached(recordCache, info.fieldNodes, () =>
    fieldsOf(
      dataset,
      info.fieldNodes.map((node) => node.selectionSet),
      info.fragments,
    ),
  );
}

export interface ConnectionSelection {
  /** The fields read of the records. */
  fields: SelectedFields;
  /** The cross-links selected on the records, with the fields read of their targets (all occurrences'). */
  links: ReadonlyMap<string, SelectedFields>;
}

/** What a connection reads of its records (`nodes { … }`, `edges { node { … } }`) and their cross-links. */
export function connectionSelection(dataset: Dataset, info: GraphQLResolveInfo): ConnectionSelection {
  return cached(connectionCache, info.fieldNodes, () => {
    const sets: (SelectionSetNode | undefined)[] = [];
    for (const node of info.fieldNodes) {
      sets.push(...subSelections(node.selectionSet, 'nodes', info.fragments));
      for (const edges of subSelections(node.selectionSet, 'edges', info.fragments)) {
        sets.push(...subSelections(edges, 'node', info.fragments));
      }
    }
    const linkSets: LinkSelections = new Map();
    const fields = fieldsOf(dataset, sets, info.fragments, linkSets);
    const links = new Map<string, SelectedFields>();
    for (const [name, linked] of linkSets) {
      const target = datasetByName(dataset.links?.[name]?.to ?? '') as Dataset;
      links.set(name, fieldsOf(target, linked, info.fragments));
    }
    return { fields, links };
  });
}
