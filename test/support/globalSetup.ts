import { execFileSync } from 'node:child_process';
import postgres from 'postgres';
import type { TestProject } from 'vitest/node';
import { runMigrations } from '../../src/db/migrate.js';
import { createPglite } from '../../src/db/pglite.js';
import { servePglite } from '../../src/db/pgliteServer.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    databaseKind: 'embedded' | 'server';
  }
}

/**
 * One database for the whole run: with DATABASE_URL, that server's database wiped and migrated; without it,
 * an in-memory PGlite behind its socket, exactly as the embedded hub serves it. Tests isolate themselves
 * with unique ids, never by owning the database.
 */
export default async function setup(project: TestProject) {
  // The `jingtu` command that tests start runs dist/: built from the sources as they are now.
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
  const serverUrl = process.env.DATABASE_URL;
  let stop: () => Promise<void>;
  let url: string;
  if (serverUrl) {
    const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
    await sql.unsafe(
      'drop schema if exists drizzle cascade; drop schema if exists pgboss cascade; drop schema public cascade; create schema public;',
    );
    await sql.end();
    url = serverUrl;
    stop = async () => {};
  } else {
    const pglite = await createPglite();
    const server = await servePglite(pglite);
    url = server.url;
    stop = async () => {
      await server.stop();
      await pglite.close();
    };
  }
  await runMigrations(url);
  project.provide('databaseUrl', url);
  project.provide('databaseKind', serverUrl ? 'server' : 'embedded');
  return stop;
}
