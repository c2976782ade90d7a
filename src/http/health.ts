import { Router } from 'express';
import type postgres from 'postgres';
import { migrationsApplied } from '../db/migrate.js';

interface Readiness {
  status: number;
  body: Record<string, string>;
}

/** Whether the database answers and is migrated, within 3 s. Never throws. */
async function readiness(sql: postgres.Sql): Promise<Readiness> {
  try {
    const migrated = await Promise.race([
      migrationsApplied(sql),
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error('database timeout')), 3000).unref(),
      ),
    ]);
    return {
      status: migrated ? 200 : 503,
      body: { status: migrated ? 'ready' : 'migrations pending', database: 'up' },
    };
  } catch (error) {
    return {
      status: 503,
      body: { status: 'database unreachable', database: 'down', reason: (error as Error).message },
    };
  }
}

/** Liveness (`/healthz`: the process answers) and readiness (`/readyz`: database reachable, migrated). */
export function healthRouter(sql: postgres.Sql): Router {
  const router = Router();
  // /readyz is open to anyone: requests that arrive while a check runs share it, so a flood of them costs
  // the database one check at a time, not one each (the embedded database has one session for everything).
  let running: Promise<Readiness> | undefined;
  router.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    running ??= readiness(sql).finally(() => {
      running = undefined;
    });
    const { status, body } = await running;
    res.status(status).json(body);
  });
  return router;
}
