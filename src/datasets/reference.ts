import { eq } from 'drizzle-orm';
import type { Db } from '../db/connection.js';
import { principal } from '../db/hubTables.js';

/** Reference data read once per process: the districts that exist (rows of `principal`). */
export interface ReferenceData {
  districts: ReadonlyMap<string, { nameZh: string; nameEn: string }>;
}

export async function loadReference(db: Db): Promise<ReferenceData> {
  const rows = await db.select().from(principal).where(eq(principal.kind, 'DISTRICT'));
  return { districts: new Map(rows.map((row) => [row.code, { nameZh: row.nameZh, nameEn: row.nameEn }])) };
}
