/**
 * Every label value of the hub's metrics is bounded, so that no client can grow the number of series (and
 * with it the hub's memory and the monitoring's storage) by sending new values: a value from a fixed set
 * (events, outcomes, principal kinds, the catalogue's datasets, the supervision rules), or a client-chosen
 * name admitted into a bounded set on first sight. What falls outside is counted under one value, OTHER.
 * The parenthesised values cannot be a GraphQL name, so no client's name can pass for them.
 */

/** A value outside its bounded set. */
export const OTHER = '(other)';
/** No value: a request with no GraphQL operation (a bulk transfer) or none known (refused before it was read). */
export const NONE = '(none)';
/** A GraphQL operation without a name. */
export const ANONYMOUS = '(anonymous)';

/** The GraphQL operation names that may become label values: GraphQL names of at most 64 characters. */
export const OPERATION_NAME = /^[_A-Za-z][_0-9A-Za-z]{0,63}$/;

/** Distinct operation names kept as label values, per hub process, unless told otherwise. */
export const MAX_OPERATION_NAMES = 100;

/** `value` when it is one of `values`, else OTHER. */
export function oneOf(values: ReadonlySet<string>, value: string | null | undefined): string {
  return value != null && values.has(value) ? value : OTHER;
}

/**
 * Client-chosen names as label values: a name that matches `pattern` is admitted on first sight while
 * fewer than `max` are; later names are OTHER, for as long as the process runs (series must not come and
 * go). Only requests with a valid key admit names (`admit`): without one, a client could take every place.
 */
export class BoundedNames {
  private readonly names = new Set<string>();

  constructor(
    readonly max: number,
    private readonly pattern: RegExp,
  ) {}

  label(name: string, admit: boolean): string {
    if (this.names.has(name)) return name;
    if (!admit || this.names.size >= this.max || !this.pattern.test(name)) return OTHER;
    this.names.add(name);
    return name;
  }
}
