import { Router } from 'express';
import type postgres from 'postgres';
import { migrationsApplied } from '../db/migrate.js';

/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: database reachable, migrated). */
export function healthRouter(sql: postgres.Sql): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    try {
      const migrated = await Promise.race([
        migrationsApplied(sql),
        new Promise<never>((_, reject) =>
          setTimeout(() => reject(new Error('database timeout')), 3000).unref(),
        ),
      ]);
      res
        .status(migrated ? 200 : 503)
        .json({ status: migrated ? 'ready' : 'migrations pending', database: 'up' });
    } catch (error) {
      res
        .status(503)
        .json({ status: 'database unreachable', database: 'down', reason: (error as Error).message });
    }
  });
  return router;
}
