import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';

/**
 * The embedded PostgreSQL (PGlite) as the hub runs it: in a folder, or in memory without one, with the
 * extensions its migrations create (pg_trgm, for the trigram indexes behind free-text search); a new
 * folder may be filled from a backup (`loadDataDir`: the gzipped tar of dumpDataDir).
 */
export function createPglite(dataDir?: string, loadDataDir?: Blob): Promise<PGlite> {
  return PGlite.create(dataDir, { extensions: { pg_trgm }, ...(loadDataDir && { loadDataDir }) });
}
