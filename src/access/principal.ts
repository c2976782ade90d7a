import { type Capability, capabilitiesOf } from './capabilities.js';

/** Who is asking: the holder of an API key. */
export interface Principal {
  code: string;
  kind: 'DEPARTMENT' | 'DISTRICT' | 'AUDITOR';
  nameZh: string;
  nameEn: string;
  keyId: string;
  /** What it may do beyond what the catalogue gives it (src/access/capabilities.ts). */
  capabilities: readonly Capability[];
  /** Its key may run only the principal's registered documents, no query text (src/http/trustedDocuments.ts). */
  documentsOnly?: boolean;
}

/** A principal as a row of the principal table holds it, acting through `keyId`. */
export function principalFromRow(
  row: { code: string; kind: string; nameZh: string; nameEn: string; capabilities: readonly string[] | null },
  keyId: string,
): Principal {
  return {
    code: row.code,
    kind: row.kind as Principal['kind'],
    nameZh: row.nameZh,
    nameEn: row.nameEn,
    keyId,
    capabilities: capabilitiesOf(row.capabilities),
  };
}
