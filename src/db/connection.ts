import { drizzle, type PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { Config } from '../config.js';
import { DataDirInUseError, type EmbeddedDatabase, openEmbedded, runningOwnerUrl } from './embedded.js';

/** The drizzle database; `$client` is its postgres.js pool (for COPY, which drizzle does not speak). */
export type Db = PostgresJsDatabase & { $client: postgres.Sql };

export interface Database {
  /** Where the data lives: a PostgreSQL server, or the embedded PGlite folder. */
  mode: 'server' | 'embedded';
  /** True when the embedded folder was empty and this process created the cluster. */
  createdEmpty: boolean;
  /** Connection URL (for the embedded database, its loopback socket). */
  url: string;
  sql: postgres.Sql;
  db: Db;
  close(): Promise<void>;
}

export interface OpenOptions {
  /**
   * Commands (migrate, keys, seed) may use the embedded database of a hub that is running, through its
   * socket; the hub itself must own its folder.
   */
  shareRunningHub?: boolean;
  /** Called with every SQL statement (tests count statements with it). */
  onQuery?: (query: string) => void;
}

function connect(url: string, poolSize: number, onQuery?: (query: string) => void): postgres.Sql {
  return postgres(url, {
    max: poolSize,
    onnotice: () => {},
    connection: { application_name: 'jingtu-hub' },
    debug: onQuery ? (_connection, query) => onQuery(query) : undefined,
  });
}

export async function openDatabase(config: Config, options: OpenOptions = {}): Promise<Database> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    try {
      embedded = await openEmbedded(config.dataDir);
      url = embedded.url;
    } catch (error) {
      const shared = error instanceof DataDirInUseError && options.shareRunningHub;
      url = shared ? await runningOwnerUrl(config.dataDir) : undefined;
      if (!url) throw error;
    }
  }
  // PGlite is one session that runs one statement at a time: more connections from the hub would only
  // queue behind each other (src/db/pgliteServer.ts), so the embedded hub uses one.
  const sql = connect(url, config.databaseUrl ? config.poolSize : 1, options.onQuery);
  return {
    mode: config.databaseUrl ? 'server' : 'embedded',
    createdEmpty: embedded?.created ?? false,
    url,
    sql,
    db: drizzle({ client: sql }),
    async close() {
      await sql.end({ timeout: 5 });
      await embedded?.close();
    },
  };
}
