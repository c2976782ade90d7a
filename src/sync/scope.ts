import type postgres from 'postgres';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import type { Dataset } from '../catalog/define.js';
import { datasetByName } from '../catalog/registry.js';
import { columnName } from '../db/datasetTable.js';
import { rowScopeText } from '../records/records.js';
import type { Rejection } from './validate.js';

/**
 * The publishing scope of a batch (发布范围, `publishingScope` in the catalogue), checked on its staged rows
 * (`jt_staging`) inside the publishing transaction, before the merge.
 *
 * - A record whose key another publisher holds is not the writer's to change: "belongs to publisher X"
 *   when the writer can read that record (a department, or a district for its district's rows); when it
 *   cannot, the row gets the scope reason, the very answer it gets for an entity outside its scope.
 * - A publisher other than the owner writes a record only about entities it can read (the declared
 *   `entities` links: a district, the closed enterprise of its own district by ECONOMY's record).
 * - The owner writes every record of its dataset, and takes over one another publisher holds (counted in
 *   the result and the audit record).
 *
 * So an answer never depends on records the writer cannot read: "held by another district" and "does
 * not exist" are the same rejection, computed by the same statements.
 */

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (text: string) => `'${text.replace(/'/g, "''")}'`;
const column = (alias: string, field: string) => `${alias}.${quote(columnName(field))}`;

/** The rows of a dataset the caller can read, as SQL on `alias`. */
const readable = (access: EffectiveAccess, dataset: Dataset, alias: string) =>
  rowScopeText(access, dataset, alias);

/** The one reason for every row outside the writer's scope, whatever record is or is not behind it. */
export function scopeReason(dataset: Dataset, access: EffectiveAccess): string {
  const { code, kind } = access.principal;
  const entities = (dataset.publishingScope?.entities ?? []).map((name) => {
    const link = dataset.links?.[name];
    return link && link.kind === 'one' ? `${link.to} (${Object.keys(link.on).join(', ')})` : name;
  });
  const about = entities.length ? ` about a ${entities.join(' and a ')} it can read` : '';
  const own = kind === 'DISTRICT' ? ' of its own district' : '';
  return `outside the publishing scope of ${code}: it publishes ${dataset.name} records${own}${about} that no other publisher holds`;
}

export interface ScopeCheck {
  /** Rows refused, with the first rejections (one per row) in line order. */
  refusedRows: number;
  rejections: Rejection[];
  /** Records the owner took over from another publisher. */
  takenOver: number;
}

/**
 * Checks the staged rows against the publishing scope; removes the refused ones from the staging table.
 * The same statements run whatever the data, so the time taken says nothing of what they found.
 */
export async function checkPublishingScope(
  tx: postgres.TransactionSql,
  dataset: Dataset,
  access: EffectiveAccess,
  reported: number,
): Promise<ScopeCheck> {
  const table = quote(dataset.table);
  const keyJoin = dataset.key.map((k) => `${column('s', k)} = ${column('t', k)}`).join(' and ');
  const me = literal(access.principal.code);
  if (access.principal.code === dataset.owner) {
    const [{ count }] = await tx.unsafe<{ count: number }[]>(
      `select count(distinct s.line)::int as count from jt_staging s join ${table} t on ${keyJoin}
       where t.publisher <> ${me}`,
    );
    return { refusedRows: 0, rejections: [], takenOver: count };
  }
  const scope = literal(scopeReason(dataset, access));
  const held = `select s.line, case when ${readable(access, dataset, 't')}
      then 'this record belongs to publisher ' || t.publisher else ${scope} end as reason
    from jt_staging s join ${table} t on ${keyJoin} where t.publisher <> ${me}`;
  const outside = (dataset.publishingScope?.entities ?? []).map((name) => {
    const link = dataset.links?.[name];
    const target = link?.kind === 'one' ? datasetByName(link.to) : undefined;
    if (link?.kind !== 'one' || !target) throw new Error(`${dataset.name}: bad entity link ${name}`);
    const pairs = Object.entries(link.on);
    const named = pairs.map(([local]) => `${column('s', local)} is not null`).join(' and ');
    const match = pairs
      .map(([local, remote]) => `${column('e', remote)} = ${column('s', local)}`)
      .join(' and ');
    return `select s.line, ${scope} as reason from jt_staging s where ${named} and not exists (
      select 1 from ${quote(target.table)} e where ${match} and not e.deleted and ${readable(access, target, 'e')})`;
  });
  await tx.unsafe(
    `create temp table jt_refused on commit drop as
     select distinct on (line) line, reason from (${[held, ...outside].join(' union all ')}) r order by line, reason`,
  );
  const [{ count }] = await tx.unsafe<{ count: number }[]>('select count(*)::int as count from jt_refused');
  const rejections = await tx.unsafe<{ line: number; reason: string }[]>(
    'select line, reason from jt_refused order by line limit $1',
    [reported],
  );
  await tx.unsafe('delete from jt_staging s using jt_refused r where s.line = r.line');
  return {
    refusedRows: count,
    rejections: rejections.map(({ line, reason }) => ({ line, field: null, reason })),
    takenOver: 0,
  };
}
