/**
 * Which principal an analyst signs in as: the identity provider's claim (JINGTU_OIDC_CLAIM) names a department
 * or district, by the principal's code or by a value JINGTU_OIDC_PRINCIPALS maps to one. Exactly one principal
 * must come out: none is refused (the analyst belongs to no department the hub knows), and two or more too
 * (the hub will not pick one: whoever sees a district's rows must not get a department's by chance).
 */

/** Values of the claim looked at, at most (a `groups` claim may list many); longer claims are refused. */
export const MAX_CLAIM_VALUES = 100;
/** Longest claim value looked at. */
export const MAX_CLAIM_VALUE_LENGTH = 200;

export type ClaimRefusal =
  /** The claim is not there. */
  | 'NO_CLAIM'
  /** The claim is not a string, a whole number or an array of them, or is too long. */
  | 'INVALID_CLAIM'
  /** No value names a principal. */
  | 'UNMAPPED'
  /** Values name different principals. */
  | 'AMBIGUOUS';

export type ClaimPrincipal =
  | { principal: string; values: string[] }
  | { refused: ClaimRefusal; values: string[]; principals: string[] };

/** The claim's values as text, or undefined when it is of no kind a principal could come from. */
function claimValues(claim: unknown): string[] | undefined {
  const list = Array.isArray(claim) ? claim : [claim];
  if (list.length > MAX_CLAIM_VALUES) return undefined;
  const values: string[] = [];
  for (const value of list) {
    // A district's code may come as a number (110105).
    if (typeof value === 'number' && Number.isSafeInteger(value)) values.push(String(value));
    else if (typeof value === 'string' && value.length <= MAX_CLAIM_VALUE_LENGTH) values.push(value);
    else return undefined;
  }
  return values;
}

/**
 * The principal a claim names. `principals` maps claim values to codes (values it does not name are other
 * groups of the analyst's, and ignored); without it a value is a principal's code. Only codes of `known`
 * principals count.
 */
export function principalOfClaim(
  claim: unknown,
  known: ReadonlySet<string>,
  principals?: Readonly<Record<string, string>>,
): ClaimPrincipal {
  if (claim === undefined || claim === null) return { refused: 'NO_CLAIM', values: [], principals: [] };
  const values = claimValues(claim);
  if (!values) return { refused: 'INVALID_CLAIM', values: [], principals: [] };
  const codes = values.map((value) =>
    principals ? Object.hasOwn(principals, value) && principals[value] : value,
  );
  const named = [
    ...new Set(codes.filter((code): code is string => Boolean(code) && known.has(code as string))),
  ];
  if (named.length === 1) return { principal: named[0], values };
  return { refused: named.length ? 'AMBIGUOUS' : 'UNMAPPED', values, principals: named.sort() };
}
