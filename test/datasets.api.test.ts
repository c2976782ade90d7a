import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasets } from '../src/catalog/registry.js';
import type { FieldDef } from '../src/catalog/types.js';
import { columnName } from '../src/db/datasetTable.js';
import { outputType } from '../src/graphql/datasetTypes.js';
import { withTestHub } from './support/hub.js';
import { fieldSelection, sampleRecord, uniqueId } from './support/records.js';
import { seed } from './support/seed.js';

const hub = withTestHub();

/** The GraphQL type of a key argument's variable. */
function keyVarType(field: FieldDef): string {
  if (field.type === 'enum') return field.enum.name;
  return String(outputType(field) === 'Int' ? 'Int' : field.type === 'date' ? 'Date' : 'String');
}

/** A selection of every declared field (GeoJSON and lists as scalars) plus provenance. */
function selection(dataset: Dataset): string {
  return `${Object.entries(dataset.fields)
    .map(([name, field]) => fieldSelection(name, field))
    .join(' ')} provenance { publisher sourceRecordId version deleted lastChangedAt }`;
}

/** The first text-like filterable, non-key field: the filter that isolates this test's rows. */
function keyFilter(dataset: Dataset, id: string) {
  const [keyField] = dataset.key;
  return { [keyField]: [String(sampleRecord(dataset, id)[keyField as keyof object])] };
}

describe.each(datasets.map((d) => [d.name, d] as const))('dataset %s over GraphQL', (_name, dataset) => {
  it('lists, counts and looks up records with every declared field', async () => {
    const id = uniqueId();
    const record = sampleRecord(dataset, id);
    const { keys } = await seed(hub.database.db).records(dataset.name, [record]).keys(dataset.owner);
    const key = keys[dataset.owner]; // the owner reads every field in clear
    const listed = await hub.graphql(
      key,
      `query($filter: ${dataset.names.type}Filter) { list: ${dataset.names.many}(filter: $filter) {
        totalCount nodes { ${selection(dataset)} } } }`,
      { filter: keyFilter(dataset, id) },
    );
    expect(listed.body.errors).toBeUndefined();
    expect(listed.body.data.list.totalCount).toBe(1);
    const [node] = listed.body.data.list.nodes;
    for (const [name, field] of Object.entries(dataset.fields)) {
      const expected = (record as Record<string, unknown>)[name];
      expect(
        node[name],
        `${dataset.name}.${name} (${columnName(name)}, ${String(outputType(field))})`,
      ).toEqual(expected);
    }
    expect(node.provenance).toMatchObject({ publisher: dataset.owner, version: 1, deleted: false });

    const keyArgs = dataset.key.map((k) => `${k}: $${k}`).join(', ');
    const keyVars = dataset.key.map((k) => `$${k}: ${keyVarType(dataset.fields[k])}!`).join(', ');
    const lookedUp = await hub.graphql(
      key,
      `query(${keyVars}) { one: ${dataset.names.one}(${keyArgs}) { ${dataset.key.join(' ')} } }`,
      Object.fromEntries(dataset.key.map((k) => [k, (record as Record<string, unknown>)[k]])),
    );
    expect(lookedUp.body.errors).toBeUndefined();
    expect(lookedUp.body.data.one).toEqual(
      Object.fromEntries(dataset.key.map((k) => [k, (record as Record<string, unknown>)[k]])),
    );
  });

  it('pages through a filtered list in order with no gap and no repeat', async () => {
    const id = uniqueId();
    const district = '110117';
    const districtField = dataset.districtField ?? 'district';
    const records = Array.from({ length: 7 }, (_, i) => {
      const unique = `${id}${String(i).padStart(2, '0')}`;
      const overrides: Record<string, unknown> = { [districtField]: district };
      for (const k of dataset.key) {
        const field = dataset.fields[k];
        if (field.type === 'integer') overrides[k] = 2001 + i;
        if (field.type === 'date') overrides[k] = `2024-05-0${i + 1}`;
      }
      return sampleRecord(dataset, unique, overrides);
    });
    const { keys } = await seed(hub.database.db).records(dataset.name, records).keys(dataset.owner);
    const key = keys[dataset.owner];
    const search = Object.values(dataset.fields).some((f) => f.search) ? id : undefined;
    const filter = search ? { search } : { [districtField]: [district] };
    const seen: string[] = [];
    let after: string | null = null;
    for (let page = 0; page < 10; page++) {
      const result = await hub.graphql(
        key,
        `query($filter: ${dataset.names.type}Filter, $after: String) { list: ${dataset.names.many}(filter: $filter, first: 3, after: $after) {
          totalCount pageInfo { hasNextPage endCursor } edges { cursor node { ${dataset.key.join(' ')} } } } }`,
        { filter, after },
      );
      expect(result.body.errors).toBeUndefined();
      const list = result.body.data.list;
      seen.push(
        ...list.edges.map((e: { node: Record<string, unknown> }) =>
          dataset.key.map((k) => e.node[k]).join(':'),
        ),
      );
      if (!list.pageInfo.hasNextPage) break;
      after = list.pageInfo.endCursor;
    }
    if (search) {
      expect(new Set(seen).size).toBe(seen.length);
      expect(seen.sort()).toEqual(records.map((r) => r.sourceRecordId).sort());
    } else {
      expect(new Set(seen).size).toBe(seen.length);
      for (const r of records) expect(seen).toContain(r.sourceRecordId);
    }
  });
});
