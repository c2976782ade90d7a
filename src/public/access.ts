import { EffectiveAccess, type FieldDecision, type FieldMode } from '../access/effectiveAccess.js';
import type { Principal } from '../access/principal.js';
import { AuditTrail } from '../audit/trail.js';
import type { Dataset } from '../catalog/define.js';
import type { LinkDef } from '../catalog/types.js';
import type { Context } from '../context.js';
import type { ReferenceData } from '../datasets/reference.js';
import type { Db } from '../db/connection.js';
import { Records } from '../records/records.js';
import { isPublicField } from './catalog.js';

/**
 * Who asks at /public: nobody in particular. Not a row of the principal table and holds no key; its code
 * names no department or district, so no row is ever "its own".
 */
export const PUBLIC_CALLER: Principal = {
  code: 'PUBLIC',
  kind: 'DEPARTMENT',
  nameZh: '社会公众',
  nameEn: 'The public',
  keyId: '',
  capabilities: [],
};

const DENIED: FieldDecision = { mode: 'DENIED', reason: 'PRIVATE' };

/**
 * The public's access: PUBLIC fields in clear (a personal field is never PUBLIC: src/catalog/define.ts),
 * every other field DENIED whatever its class, mandates or grants; every live row of every district; no
 * cross-link. The records service applies it as it applies any caller's, so that the store's own checks
 * (filter, sort, search, look up only on fields read in clear) hold for the public too.
 */
export class PublicAccess extends EffectiveAccess {
  constructor() {
    super(PUBLIC_CALLER, []);
  }

  override field(dataset: Dataset, name: string): FieldDecision {
    return isPublicField(dataset, name) ? { mode: 'CLEAR', reason: 'PUBLIC' } : DENIED;
  }

  // No row is the public's own: a field's mode never depends on the row (its publisher included), whatever
  // principal code a row names. The records service and `fieldOfRow` both come here.
  override modeOfRow(decision: FieldDecision): FieldMode {
    return decision.mode;
  }

  override canFollow(_source: Dataset, _link: LinkDef, _target: Dataset): boolean {
    return false;
  }

  override rowScope(): undefined {
    return undefined;
  }
}

/** A public request's context: the public's access, its records service; nothing outlives the request. */
export function createPublicContext(input: { db: Db; reference: ReferenceData; requestId: string }): Context {
  const access = new PublicAccess();
  const audit = new AuditTrail();
  return {
    ...input,
    principal: PUBLIC_CALLER,
    access,
    audit,
    records: new Records(input.db, access, input.reference, audit),
  };
}
