import type { FieldMode } from '../access/effectiveAccess.js';

/** One field of a dataset that a request asked for, and how the caller reads it. */
export interface FieldRead {
  dataset: string;
  field: string;
  mode: FieldMode;
  /** The grant that makes a CONDITIONAL field readable. */
  grant?: string;
}

/** Something a request did besides reading: a publish, a grant decision, a key change. */
export interface AuditAction {
  action: string;
  [detail: string]: unknown;
}

/** The `detail` of an audit record. */
export interface AuditDetail {
  reads: FieldRead[];
  /**
   * The fields the request's filters compared (a list's or an aggregate's, through their link filters too),
   * and how the caller reads them: a filter narrows the answer by a field's values. Absent when none.
   */
  filters?: FieldRead[];
  /** Rows returned, by dataset. */
  rows: Record<string, number>;
  grants: string[];
  actions: AuditAction[];
  /** Errors in the response, counted by code. */
  errors: Record<string, number>;
  /** The registered document the request ran by its id (trusted documents): absent for query text. */
  document?: RegisteredDocumentRun;
}

/** A registered document as its run is recorded: its id (the SHA-256 of its body) and operation name. */
export interface RegisteredDocumentRun {
  id: string;
  name: string;
}

/**
 * What one request read and did, gathered while it runs and written as one audit record at its end.
 * Created per request with its context; resolvers add rows and actions, the audit plugin the fields.
 */
export class AuditTrail {
  private readonly rowCounts = new Map<string, number>();
  private readonly actionList: AuditAction[] = [];
  private readonly filterReads = new Map<string, FieldRead>();
  private documentRun: RegisteredDocumentRun | undefined;

  /** Counts rows of a dataset returned to the caller (a page, a lookup, a cross-link's targets). */
  rows(dataset: string, count: number): void {
    if (count > 0) this.rowCounts.set(dataset, (this.rowCounts.get(dataset) ?? 0) + count);
  }

  /** Notes the fields a filter compared, each once. */
  filtered(reads: readonly FieldRead[]): void {
    for (const read of reads) this.filterReads.set(`${read.dataset}.${read.field}`, read);
  }

  action(action: AuditAction): void {
    this.actionList.push(action);
  }

  /** Notes that the request runs a registered document, by id and name. */
  ranDocument(document: RegisteredDocumentRun): void {
    this.documentRun = { id: document.id, name: document.name };
  }

  detail(reads: readonly FieldRead[], errors: Record<string, number> = {}): AuditDetail {
    const filters = [...this.filterReads.values()];
    const grants = [...new Set([...reads, ...filters].flatMap((r) => (r.grant ? [r.grant] : [])))];
    return {
      reads: [...reads],
      ...(filters.length ? { filters } : {}),
      rows: Object.fromEntries(this.rowCounts),
      grants,
      actions: [...this.actionList],
      errors,
      ...(this.documentRun ? { document: { ...this.documentRun } } : {}),
    };
  }
}
