/**
 * One hub in a child process of a benchmark (bench/support/hub.ts forks it): `createHub` over a server
 * database, listening on a loopback port, and answering the benchmark's questions over the IPC channel
 * (its memory, a CPU profile of its main thread, a plain COPY on its own pool).
 */
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pino } from 'pino';
import { DEFAULT_LIMITS } from '../../src/config.js';
import { loadReference } from '../../src/datasets/reference.js';
import type { Database } from '../../src/db/connection.js';
import { createHub } from '../../src/http/app.js';
import { openBenchDatabase } from './database.js';
import type { HubAnswer, HubQuestion, HubSettings } from './hub.js';
import { urlNaming } from './measure.js';

/**
 * The hub's own CPU profiler (the main thread only, over what the benchmark measures only). The inspector
 * session opens at the first start, so that a hub that is not profiled runs without one.
 */
function profiler() {
  let session: Session | undefined;
  const post = (method: string, params?: object) =>
    new Promise<unknown>((done, fail) => {
      if (!session) {
        session = new Session();
        session.connect();
      }
      session.post(method, params, (error, result) => (error ? fail(error) : done(result)));
    });
  return {
    async start() {
      await post('Profiler.enable');
      await post('Profiler.setSamplingInterval', { interval: 500 });
      await post('Profiler.start');
    },
    async stop(file: string) {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(profile));
    },
  };
}

/**
 * COPY text into a table on a connection of the hub's pool, with nothing of the hub in between (no
 * validation, staging or merge): the reference a publish is measured against. Like a publish, it lifts
 * the pool's statement timeout for its own transaction: a million rows take longer.
 */
async function copyInto(database: Database, file: string, table: string, columns: string[]): Promise<void> {
  await database.sql.begin(async (tx) => {
    await tx`set local statement_timeout = 0`;
    const target = await tx`copy ${tx(table)} (${tx(columns)}) from stdin`.writable();
    await pipeline(createReadStream(file), target);
  });
}

async function serve(settings: HubSettings): Promise<void> {
  // The connections name the hub when asked (a URL parameter postgres.js sends at startup, over the hub's
  // own application_name), so that the benchmark can find their backends and read their CPU time.
  const url = settings.applicationName
    ? urlNaming(settings.databaseUrl, settings.applicationName)
    : settings.databaseUrl;
  const database = await openBenchDatabase(url, settings.pool);
  const hub = await createHub({
    db: database.db,
    sql: database.sql,
    reference: await loadReference(database.db),
    logger: pino({ level: settings.logLevel }),
    permissions: settings.permissions,
    audit: settings.audit,
    jit: settings.jit,
    metrics: settings.metrics === false ? false : undefined,
    keyCheckEveryRequest: settings.keyCheckEveryRequest,
    // One principal's thousands of requests must not meet the rate limit.
    limits: settings.rateLimit === false ? { ...DEFAULT_LIMITS, ratePerMinute: 0 } : undefined,
  });
  await new Promise<void>((done, fail) => {
    hub.httpServer.once('error', fail);
    hub.httpServer.listen(0, '127.0.0.1', done);
  });
  const address = hub.httpServer.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    // hub.stop() writes what the audit still holds before the process ends.
    await hub.stop();
    await database.close();
    process.exit(0);
  };
  const cpu = profiler();
  const answer = async (question: HubQuestion): Promise<unknown> => {
    switch (question.type) {
      case 'memory':
        return process.memoryUsage();
      case 'profile-start':
        return cpu.start();
      case 'profile-stop':
        return cpu.stop(question.file);
      case 'copy':
        return copyInto(database, question.file, question.table, question.columns);
    }
  };
  process.on('message', (question: HubQuestion | 'stop') => {
    if (question === 'stop') return void stop();
    answer(question).then(
      (value) => process.send?.({ type: 'answer', id: question.id, value } satisfies HubAnswer),
      (error: Error) =>
        process.send?.({ type: 'answer', id: question.id, error: String(error) } satisfies HubAnswer),
    );
  });
  process.on('disconnect', () => void stop());
  process.send?.({ type: 'ready', port } satisfies HubAnswer);
}

serve(JSON.parse(process.argv[2] ?? '{}') as HubSettings).catch((error: Error) => {
  process.send?.({ type: 'failed', error: error.stack ?? String(error) } satisfies HubAnswer);
  process.exit(1);
});
