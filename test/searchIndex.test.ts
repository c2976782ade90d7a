import { describe, expect, it } from 'vitest';
import { datasets } from '../src/catalog/registry.js';
import { columnName } from '../src/db/datasetTable.js';
import { withTestDatabase } from './support/db.js';

/**
 * The trigram indexes serve free-text search and nothing else. pg_trgm's GIN opclass also answers `=`:
 * on the bare column the planner took it for joins on codes, whose values share most of their trigrams
 * (a supervision rule's join of monitoring points by code: 1 s to 11 s at city scale). The indexes hold
 * the lowercased text instead, which `=` on the column cannot use.
 */

const { sql } = withTestDatabase();

const searchable = datasets.flatMap((dataset) =>
  Object.entries(dataset.fields)
    .filter(([, field]) => field.search)
    .map(([name]) => ({
      table: dataset.table,
      column: columnName(name),
      index: `${dataset.table}_${columnName(name)}_trgm`,
    })),
);

/**
 * The indexes a statement's plan names when only bitmap scans are allowed (what a GIN index does): any index
 * that can answer a condition of the statement is then used.
 */
async function indexesUsed(statement: string): Promise<string[]> {
  return sql.begin(async (tx) => {
    await tx`set local enable_seqscan = off`;
    await tx`set local enable_indexscan = off`;
    await tx`set local enable_indexonlyscan = off`;
    const [row] = await tx.unsafe(`explain (format json) ${statement}`);
    const names: string[] = [];
    const walk = (node: Record<string, unknown>) => {
      if (typeof node['Index Name'] === 'string') names.push(node['Index Name']);
      for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
    };
    const plan = row['QUERY PLAN'];
    walk((typeof plan === 'string' ? JSON.parse(plan) : plan)[0].Plan);
    return names;
  }) as Promise<string[]>;
}

describe('the trigram indexes', () => {
  it('exist for every searchable field', () => {
    expect(searchable.length).toBeGreaterThan(20);
  });

  it('answer the search', async () => {
    for (const { table, column, index } of searchable) {
      expect(
        await indexesUsed(`select id from ${table} where lower(${column}) like lower('%abc%')`),
      ).toContain(index);
    }
  });

  it('hold the lowercased text, which equality on the column cannot use', async () => {
    const definitions = new Map(
      (
        await sql<{ name: string; definition: string }[]>`
          select indexname as name, indexdef as definition from pg_indexes where indexname like '%\_trgm'`
      ).map((row) => [row.name, row.definition]),
    );
    for (const { column, index } of searchable) {
      expect(definitions.get(index)).toMatch(
        new RegExp(`USING gin \\(lower\\(${column}\\) gin_trgm_ops\\)$`),
      );
    }
  });

  it('are never used for equality on the column', async () => {
    for (const { table, column, index } of searchable) {
      expect(await indexesUsed(`select id from ${table} where ${column} = 'JC-110101-0001'`)).not.toContain(
        index,
      );
    }
  });
});
