import { getTableColumns } from 'drizzle-orm';
import { alias, PgDialect } from 'drizzle-orm/pg-core';
import type { EffectiveAccess } from '../access/effectiveAccess.js';
import { filterReads } from '../audit/reads.js';
import type { AuditTrail } from '../audit/trail.js';
import type { Dataset } from '../catalog/define.js';
import { datasetByName } from '../catalog/registry.js';
import { type AggregateArgs, aggregateRecords, type Measures } from '../datasets/aggregate.js';
import { cursorSeal } from '../datasets/cursorSeal.js';
import type { FilterArgs } from '../datasets/filters.js';
import { DatasetLoaders } from '../datasets/loaders.js';
import type { ReferenceData } from '../datasets/reference.js';
import {
  assertKeyLookup,
  type DatasetRow,
  joinedOf,
  type LinkJoin,
  type ListArgs,
  listRecords,
  type Page,
} from '../datasets/store.js';
import type { Db } from '../db/connection.js';
import { badInput } from '../errors.js';
import { type ChangePage, changeCursor, changePosition, MAX_CHANGES_PAGE } from '../sync/changes.js';
import { changesAfter, PAGE_ROWS, recordsAfter } from './pages.js';
import { RecordView } from './view.js';

/** The fields to read of a record (all when undefined), as the selection walker found them. */
export type Fields = readonly string[] | undefined;

/** What a list reads: its records' fields and, per selected cross-link, the target's fields. */
export interface ListSelection {
  fields: Fields;
  links: ReadonlyMap<string, Fields>;
}

const dialect = new PgDialect();

/**
 * The caller's row scope (`EffectiveAccess.rowScope`, the one decision) as SQL text on a table alias, for
 * the statements written as text (the publishing scope's checks on staged rows).
 */
export function rowScopeText(access: EffectiveAccess, dataset: Dataset, tableAlias: string): string {
  const columns = getTableColumns(alias(dataset.drizzle, tableAlias)) as Record<string, any>;
  const scope = access.rowScope(dataset, columns);
  return scope ? dialect.sqlToQuery(scope.inlineParams()).sql : 'true';
}

/**
 * Every read of dataset records by one request: lists, lookups, cross-links, aggregates, the change feed,
 * exports and the publishing scope's checks. It owns the caller's row scope, its view of every field
 * (`view`), the link loaders and the audit's row accounting: one place where a permission meets a record.
 */
export class Records {
  private readonly loaders: DatasetLoaders;
  private readonly views = new Map<Dataset, RecordView>();

  constructor(
    private readonly db: Db,
    readonly access: EffectiveAccess,
    private readonly reference: ReferenceData,
    private readonly audit: AuditTrail,
  ) {
    this.loaders = new DatasetLoaders(db, access);
  }

  /** The caller's view of a dataset's fields (decided once per request). */
  view(dataset: Dataset): RecordView {
    let view = this.views.get(dataset);
    if (!view) {
      view = new RecordView(dataset, this.access);
      this.views.set(dataset, view);
    }
    return view;
  }

  /** One page of the records the caller may see; the filter's fields and the rows go to the audit. */
  async list(dataset: Dataset, args: ListArgs, selection: ListSelection): Promise<Page> {
    this.audit.filtered(filterReads(dataset, args.filter as FilterArgs | null, this.access));
    const page = await listRecords(
      this.db,
      dataset,
      args,
      this.reference,
      this.access,
      selection.fields,
      this.joinableLinks(dataset, selection.links),
    );
    this.audit.rows(dataset.name, page.rows.length);
    return page;
  }

  /** One live record by its natural key, or null (batched: a page of alerts' evidence is one statement a dataset). */
  async byKey(dataset: Dataset, key: Record<string, unknown>, fields: Fields): Promise<DatasetRow | null> {
    assertKeyLookup(dataset, key, this.reference, this.access);
    const [record = null] = await this.loaders.byKey(dataset, fields).load(key);
    this.audit.rows(dataset.name, record ? 1 : 0);
    return record;
  }

  /**
   * The target of a to-one cross-link read in its record's page statement: the row, null when none matched,
   * undefined when the link was not joined. Synchronous, so that a page's links cost no promise per row.
   */
  joined(source: Dataset, linkName: string, row: DatasetRow): DatasetRow | null | undefined {
    const joined = joinedOf(row)?.[linkName];
    if (joined === undefined) return undefined;
    const link = source.links?.[linkName];
    if (!link) throw new Error(`unknown link ${source.name}.${linkName}`);
    this.audit.rows(link.to, joined ? 1 : 0);
    return joined;
  }

  /** The targets of a cross-link of a record (not joined with its page), batched across the page's rows. */
  async linked(source: Dataset, linkName: string, row: DatasetRow, fields: Fields): Promise<DatasetRow[]> {
    const joined = this.joined(source, linkName, row);
    if (joined !== undefined) return joined ? [joined] : [];
    const link = source.links?.[linkName];
    if (!link) throw new Error(`unknown link ${source.name}.${linkName}`);
    const target = datasetByName(link.to) as Dataset;
    let rows: DatasetRow[];
    if (link.kind === 'overlap') {
      rows =
        row[link.from] == null
          ? []
          : await this.loaders.overlapping(source, link.from, target, link.toField, fields).load(row.id);
    } else {
      const [[local, remote]] = Object.entries(link.on);
      rows = row[local] == null ? [] : await this.loaders.byField(target, remote, fields).load(row[local]);
      if (link.kind === 'one') rows = rows.slice(0, 1);
    }
    this.audit.rows(target.name, rows.length);
    return rows;
  }

  /** Groups of the records the caller may see; the records counted into the answer go to the audit. */
  async aggregate(dataset: Dataset, args: AggregateArgs, measures: Measures) {
    this.audit.filtered(filterReads(dataset, args.filter as FilterArgs | null, this.access));
    const result = await aggregateRecords(this.db, dataset, args, measures, this.reference, this.access);
    this.audit.rows(
      dataset.name,
      result.groups.reduce((sum, group) => sum + group.count, 0),
    );
    return result;
  }

  /** A page of a dataset's change feed (GraphQL): at most `first` changes after the cursor. */
  async changes(dataset: Dataset, after: string | null | undefined, first: number | null | undefined) {
    const limit = first ?? 100;
    if (limit < 1 || limit > MAX_CHANGES_PAGE) throw badInput(`first must be 1..${MAX_CHANGES_PAGE}`);
    const seal = await cursorSeal(this.db.$client);
    const rows = await changesAfter(
      this.db.$client,
      dataset,
      this.access,
      changePosition(seal, dataset, after),
      limit + 1,
    );
    const page = rows.slice(0, limit);
    this.audit.rows(dataset.name, page.length);
    const cursorOf = (row: DatasetRow) => changeCursor(seal, dataset, row.changeSeq as string);
    const result: ChangePage = {
      rows: page,
      cursorOf,
      endCursor: page.length ? cursorOf(page[page.length - 1]) : after || '0',
      hasMore: rows.length > limit,
    };
    return result;
  }

  /**
   * The change feed after a cursor, `limit` changes at most, a page at a time (HTTP). A page of changes the
   * caller may not read is not there: the cursor never moves past changes it cannot see.
   */
  async *changePages(dataset: Dataset, after: string | undefined, limit: number): AsyncGenerator<ChangePage> {
    const seal = await cursorSeal(this.db.$client);
    let position = changePosition(seal, dataset, after);
    const cursorOf = (row: DatasetRow) => changeCursor(seal, dataset, row.changeSeq as string);
    let remaining = limit;
    for (;;) {
      // One row more than is left to send tells whether there is more.
      const size = Math.min(PAGE_ROWS, remaining + 1);
      const rows = await changesAfter(this.db.$client, dataset, this.access, position, size);
      const sent = rows.slice(0, remaining);
      remaining -= sent.length;
      const hasMore = rows.length > sent.length;
      this.audit.rows(dataset.name, sent.length);
      if (sent.length) position = BigInt(sent[sent.length - 1].changeSeq as string);
      const endCursor = sent.length ? cursorOf(sent[sent.length - 1]) : (after ?? '0');
      yield { rows: sent, cursorOf, endCursor, hasMore };
      if (hasMore || rows.length < size) return;
    }
  }

  /**
   * The live records of a dataset the caller may see, a page at a time, in record order (exports). The
   * exporter empties each page once it is text (src/sync/export.ts, for flat memory): after a yield, only
   * the page's length may be read here, never its rows.
   */
  async *exportPages(dataset: Dataset): AsyncGenerator<DatasetRow[]> {
    let last = '0';
    for (;;) {
      const rows = await recordsAfter(this.db.$client, dataset, this.access, last, PAGE_ROWS);
      this.audit.rows(dataset.name, rows.length);
      if (rows.length) {
        last = String(rows[rows.length - 1].id);
        yield rows;
      }
      if (rows.length < PAGE_ROWS) return;
    }
  }

  /**
   * The selected to-one cross-links that a page reads in its own statement (a join) instead of through the
   * link's loader: those on the target's whole natural key (at most one row matches), to another dataset,
   * that the caller may follow (the link's rule still decides, per field, as for any link).
   */
  private joinableLinks(dataset: Dataset, selected: ReadonlyMap<string, Fields>): LinkJoin[] {
    const joins: LinkJoin[] = [];
    for (const [name, fields] of selected) {
      const link = dataset.links?.[name];
      if (!link || link.kind !== 'one') continue;
      const target = datasetByName(link.to) as Dataset;
      const on = Object.entries(link.on);
      if (target === dataset || on.length !== 1) continue;
      const [[local, remote]] = on;
      if (target.key.length !== 1 || target.key[0] !== remote) continue;
      if (!this.access.canFollow(dataset, link, target)) continue;
      joins.push({ link: name, target, local, remote, fields });
    }
    return joins;
  }
}
