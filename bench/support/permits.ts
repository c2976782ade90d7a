/**
 * The consumer of the list benchmarks (permissions, compare): PLANNING reading ten fields of construction
 * permits, which HOUSING owns: OPEN fields in clear, personal fields masked (脱敏) and a CONDITIONAL field
 * under a grant.
 */
import { datasetNamed } from './data.js';
import { withBenchDatabase } from './database.js';
import { ensureGrant, fieldAccess } from './grants.js';

export const PERMIT_CONSUMER = 'PLANNING';
export const PERMITS = datasetNamed('constructionPermit');
export const PERMIT_FIELDS = [
  'permitNo',
  'projectName',
  'parcelCode',
  'district',
  'address',
  'builder',
  'builderCreditCode',
  'issuedOn',
  'contactPerson',
  'contactPhone',
] as const;

/** W1 of compare and the levers: the first hundred permits, the ten fields (compare asks it in its own words). */
export const W1_QUERY = `query W1 { constructionPermits(first: 100) { nodes { ${PERMIT_FIELDS.join(' ')} } } }`;

/**
 * The grant of the consumer holding `key` (reused while it lasts; `purpose` says which benchmark asked),
 * and how it reads each field.
 */
export function permitConsumer(url: string, key: string, purpose: string) {
  return withBenchDatabase(url, async ({ db }) => {
    const grant = await ensureGrant(db, key, PERMITS, PERMIT_FIELDS, purpose);
    return { grant, access: await fieldAccess(db, key, PERMITS, PERMIT_FIELDS) };
  });
}
