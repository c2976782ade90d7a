import { describe, expect, inject, it } from 'vitest';
import { spawnHub } from './support/process.js';

/**
 * `jingtu serve` as deployed (NODE_ENV=production, where Apollo would install signal handlers of its own)
 * stops on SIGTERM with exit 0. Vitest runs children with NODE_ENV=test, which hid a hang here. On the
 * server run only: the embedded hub's stop is tested as a newcomer runs it (embedded.test.ts).
 */
describe.skipIf(inject('databaseKind') === 'embedded')('stopping the hub', () => {
  it('exits 0 on SIGTERM, and on SIGINT, in production', { timeout: 120_000 }, async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const hub = await spawnHub({
        DATABASE_URL: inject('databaseUrl'),
        NODE_ENV: 'production',
        JINGTU_JOBS: 'off',
      });
      const started = Date.now();
      const exited = new Promise<number | null>((resolve) => hub.child.once('exit', (code) => resolve(code)));
      hub.child.kill(signal);
      expect(await exited, `${signal}: ${hub.output()}`).toBe(0);
      expect(Date.now() - started).toBeLessThan(15_000);
    }
  });
});
