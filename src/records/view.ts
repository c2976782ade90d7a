import type { EffectiveAccess, FieldDecision, FieldMode } from '../access/effectiveAccess.js';
import { maskValue } from '../access/masking.js';
import type { Dataset } from '../catalog/define.js';
import type { FieldDef } from '../catalog/types.js';

type Row = Readonly<Record<string, unknown>>;

/** One field as a caller reads it whatever the row: its decision (clear, masked, denied, and why). */
export interface FieldView {
  name: string;
  field: FieldDef;
  decision: FieldDecision;
}

/**
 * How one caller reads one dataset's records: every field's decision, and each row's values as the caller
 * may see them. The one place where a field decision meets a record's value, for GraphQL, the change feed
 * and exports alike.
 */
export class RecordView {
  // Decided when first asked: a list's resolvers ask for its masked fields only, per row.
  private readonly byName = new Map<string, FieldView>();
  private all?: readonly FieldView[];

  constructor(
    readonly dataset: Dataset,
    private readonly access: EffectiveAccess,
  ) {}

  /** Every declared field's view, in declaration order. */
  get fields(): readonly FieldView[] {
    this.all ??= Object.keys(this.dataset.fields).map((name) => this.view(name));
    return this.all;
  }

  /** The fields the caller reads on some row (a denied field it may still read on rows it published). */
  get readable(): readonly FieldView[] {
    return this.fields.filter((view) => view.decision.mode !== 'DENIED');
  }

  /** How the caller reads a field of a row: its own published rows in clear; no masking rule, no value. */
  mode(row: Row, name: string): FieldMode {
    return this.modeOf(this.view(name), row);
  }

  /** A field's value as the caller reads it (masked where it must be), or undefined when denied. */
  value(row: Row, name: string): unknown {
    const view = this.view(name);
    const mode = this.modeOf(view, row);
    if (mode === 'DENIED') return undefined;
    const value = row[name];
    if (value == null) return null;
    const mask = view.field.mask;
    return mode === 'MASKED' && mask ? maskValue(mask, value) : value;
  }

  /** The readable fields of a row, in declaration order; denied fields absent, empty ones null. */
  values(row: Row, skip?: string): Record<string, unknown> {
    const record: Record<string, unknown> = {};
    for (const { name } of this.fields) {
      if (name === skip) continue;
      const value = this.value(row, name);
      if (value !== undefined) record[name] = value;
    }
    return record;
  }

  private view(name: string): FieldView {
    let view = this.byName.get(name);
    if (!view) {
      view = { name, field: this.dataset.fields[name], decision: this.access.field(this.dataset, name) };
      this.byName.set(name, view);
    }
    return view;
  }

  private modeOf(view: FieldView, row: Row): FieldMode {
    if (view.decision.mode === 'CLEAR') return 'CLEAR';
    const mode = this.access.modeOfRow(view.decision, row);
    return mode === 'MASKED' && !view.field.mask ? 'DENIED' : mode;
  }
}
