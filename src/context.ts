import { type ActiveGrant, EffectiveAccess } from './access/effectiveAccess.js';
import type { Principal } from './access/principal.js';
import { AuditTrail } from './audit/trail.js';
import type { ReferenceData } from './datasets/reference.js';
import type { Db } from './db/connection.js';
import type { RequestDeadline } from './http/timeouts.js';
import { Records } from './records/records.js';

/** Everything a request's resolvers may use. Created per request; nothing in it outlives the request. */
export interface Context {
  principal: Principal;
  requestId: string;
  db: Db;
  reference: ReferenceData;
  /** What this principal may read: fields, masking, rows. */
  access: EffectiveAccess;
  /** Every read of dataset records, as this principal may read them. */
  records: Records;
  /** What this request reads and does, for its audit record. */
  audit: AuditTrail;
  /** The request's deadline (HTTP requests only): whether the client got its answer or TIMEOUT. */
  deadline?: RequestDeadline;
}

export interface ContextInput {
  principal: Principal;
  grants: readonly ActiveGrant[];
  requestId: string;
  db: Db;
  reference: ReferenceData;
  deadline?: RequestDeadline;
}

export function createContext({ grants, ...input }: ContextInput): Context {
  const access = new EffectiveAccess(input.principal, grants);
  const audit = new AuditTrail();
  return { ...input, access, audit, records: new Records(input.db, access, input.reference, audit) };
}
