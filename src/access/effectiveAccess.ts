import { eq, getTableColumns, type SQL } from 'drizzle-orm';
import { type Dataset, sharingOf } from '../catalog/define.js';
import type { LinkDef, Mandate } from '../catalog/types.js';
import { readsEveryField } from './actions.js';
import type { Principal } from './principal.js';

/** How a caller reads a field: in clear, masked (脱敏), or not at all. */
export type FieldMode = 'CLEAR' | 'MASKED' | 'DENIED';

/** Why: the caller's capability or ownership, the field's sharing class, or the grant that allows it. */
export type AccessReason =
  | 'ALL_FIELDS'
  | 'OWNER'
  | 'PUBLIC'
  | 'OPEN'
  | 'MANDATE'
  | 'GRANT'
  | 'NO_GRANT'
  | 'PRIVATE';

export interface ActiveGrant {
  id: string;
  dataset: string;
  fields: string[];
  expiresAt: string;
}

export interface FieldDecision {
  mode: FieldMode;
  reason: AccessReason;
  grant?: ActiveGrant;
  /** The plan's order that shares the field with the caller (reason MANDATE). */
  mandate?: Mandate;
}

/** The mandate of a dataset that names a principal (by code, or `DISTRICT` for any district) for a field. */
export function mandateFor(dataset: Dataset, principal: Principal, field: string): Mandate | undefined {
  return dataset.mandates?.find(
    (mandate) =>
      mandate.fields.includes(field) &&
      (mandate.to.includes(principal.code) ||
        (principal.kind === 'DISTRICT' && mandate.to.includes('DISTRICT'))),
  );
}

/**
 * What one principal may read, decided from the catalogue (sharing class, personal data, masking), its
 * active grants and its district. Built per request; every decision is a lookup, cheap on hot paths.
 *
 * - the owning department and holders of readAllFields (auditors) read every field in clear;
 * - PUBLIC and OPEN fields: every principal; CONDITIONAL: under an active grant; PRIVATE: nobody else;
 * - a field a plan orders shared with the caller (a mandate, src/catalog/types.ts) reads like a standing
 *   grant, CONDITIONAL or PRIVATE alike (mandates never cover personal data);
 * - personal fields with a masking rule are masked for everyone else;
 * - a publisher reads the rows it published in clear (FORESTRY its own pesticide rows, a district its
 *   own screening entries);
 * - a district principal sees only rows of its district (a SQL condition, `rowScope`).
 */
export class EffectiveAccess {
  /** By dataset, then field: no key to build on the hot path (a masked field asks once per row). */
  private readonly decisions = new Map<Dataset, Map<string, FieldDecision>>();
  private readonly grantsByField = new Map<string, ActiveGrant>();

  constructor(
    readonly principal: Principal,
    readonly grants: readonly ActiveGrant[],
  ) {
    for (const grant of grants) {
      for (const field of grant.fields) {
        const key = `${grant.dataset}.${field}`;
        const known = this.grantsByField.get(key);
        if (!known || known.expiresAt < grant.expiresAt) this.grantsByField.set(key, grant);
      }
    }
  }

  /** The caller's access to a field, whatever the row. */
  field(dataset: Dataset, name: string): FieldDecision {
    let ofDataset = this.decisions.get(dataset);
    if (!ofDataset) {
      ofDataset = new Map();
      this.decisions.set(dataset, ofDataset);
    }
    let decision = ofDataset.get(name);
    if (!decision) {
      decision = this.decide(dataset, name, `${dataset.name}.${name}`);
      ofDataset.set(name, decision);
    }
    return decision;
  }

  private decide(dataset: Dataset, name: string, key: string): FieldDecision {
    const field = dataset.fields[name];
    const all = readsEveryField(this.principal, dataset);
    if (all) return { mode: 'CLEAR', reason: all };
    const shown: FieldMode = field.personal && field.mask ? 'MASKED' : 'CLEAR';
    const sharing = sharingOf(field);
    if (sharing === 'PUBLIC' || sharing === 'OPEN') return { mode: shown, reason: sharing };
    const mandate = mandateFor(dataset, this.principal, name);
    if (mandate) return { mode: shown, reason: 'MANDATE', mandate };
    switch (sharing) {
      case 'CONDITIONAL': {
        const grant = this.grantsByField.get(key);
        return grant ? { mode: shown, reason: 'GRANT', grant } : { mode: 'DENIED', reason: 'NO_GRANT' };
      }
      case 'PRIVATE':
        return { mode: 'DENIED', reason: 'PRIVATE' };
    }
  }

  /** The caller's access to a field of one row: its own published rows it reads in clear. */
  fieldOfRow(dataset: Dataset, name: string, row: Readonly<Record<string, unknown>>): FieldMode {
    return this.modeOfRow(this.field(dataset, name), row);
  }

  /** `fieldOfRow` for a decision already in hand (a record view keeps its fields' decisions). */
  modeOfRow(decision: FieldDecision, row: Readonly<Record<string, unknown>>): FieldMode {
    const mode = decision.mode;
    return mode !== 'CLEAR' && row.publisher === this.principal.code ? 'CLEAR' : mode;
  }

  /** Whether the caller reads a field in clear for every row: required to filter, sort or join on it. */
  readsClear(dataset: Dataset, name: string): boolean {
    return this.field(dataset, name).mode === 'CLEAR';
  }

  /** A cross-link may be followed when the caller reads the fields it joins on, on both sides, in clear. */
  canFollow(source: Dataset, link: LinkDef, target: Dataset): boolean {
    if (link.kind === 'overlap')
      return this.readsClear(source, link.from) && this.readsClear(target, link.toField);
    return Object.entries(link.on).every(
      ([local, remote]) => this.readsClear(source, local) && this.readsClear(target, remote),
    );
  }

  /**
   * The rows a caller may see, as SQL: a district sees its district's rows; departments see all. `columns`
   * are the dataset's columns under an alias, where the statement reads the table under one.
   */
  rowScope(dataset: Dataset, columns?: Record<string, Parameters<typeof eq>[0]>): SQL | undefined {
    if (this.principal.kind !== 'DISTRICT' || !dataset.districtField) return undefined;
    const scoped = columns ?? (getTableColumns(dataset.drizzle) as Record<string, Parameters<typeof eq>[0]>);
    return eq(scoped[dataset.districtField], this.principal.code);
  }
}
