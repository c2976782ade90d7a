/** Starting and stopping the processes a benchmark measures. */
import type { ChildProcess } from 'node:child_process';
import { type HubProcess, spawnHub } from '../../test/support/process.js';
import { ROOT } from './report.js';

export const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** How a process ended when asked to: within `waitMs`, or killed. */
export interface Stopped {
  exitedOnSigterm: boolean;
  ms: number | null;
  code: number | null;
  waitedMs: number;
}

/**
 * Asks a child to stop (`ask`, by default SIGTERM, as a process manager does) and kills it if it has not
 * exited within `waitMs`.
 */
export async function stopChild(
  child: ChildProcess,
  waitMs: number,
  ask: () => void = () => child.kill('SIGTERM'),
): Promise<Stopped> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return { exitedOnSigterm: true, ms: 0, code: child.exitCode, waitedMs: 0 };
  }
  const started = Date.now();
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));
  ask();
  const code = await Promise.race([exited, sleep(waitMs).then(() => 'still running' as const)]);
  if (code !== 'still running') return { exitedOnSigterm: true, ms: Date.now() - started, code, waitedMs: 0 };
  child.kill('SIGKILL');
  await exited;
  return { exitedOnSigterm: false, ms: null, code: null, waitedMs: waitMs };
}

/** Children still running: killed when this process exits, however it exits. */
const children = new Set<ChildProcess>();
let reaping = false;

/** Kills the child if the benchmark's own process ends first. */
export function killOnExit(child: ChildProcess): void {
  if (!reaping) {
    reaping = true;
    process.once('exit', () => {
      for (const running of children) running.kill('SIGKILL');
    });
  }
  children.add(child);
  child.once('exit', () => children.delete(child));
}

/**
 * The settings of a measured `jingtu serve`: as deployed (NODE_ENV=production), without the scheduled jobs
 * and without the rate limit (a benchmark's few principals send thousands of requests).
 */
export function serveEnv(logLevel: string, more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { JINGTU_JOBS: 'off', JINGTU_RATE_LIMIT: '0', LOG_LEVEL: logLevel, NODE_ENV: 'production', ...more };
}

/** Starts `jingtu serve` from `root` (its bin/jingtu.js: another checkout measures another version). */
export async function spawnServe(env: NodeJS.ProcessEnv, root = ROOT): Promise<HubProcess> {
  const here = process.cwd();
  process.chdir(root);
  try {
    const hub = await spawnHub(env);
    killOnExit(hub.child);
    return hub;
  } finally {
    process.chdir(here);
  }
}

/** One answer of /readyz: its status (0: none within 5 s), when it came and how long it took. */
export interface ReadySample {
  /** When the answer came (or the poll gave up): when /readyz said this. */
  at: number;
  startedAt: number;
  status: number;
  ms: number;
}

/** Asks a hub's /readyz every `intervalMs` until `stop()`: what it said all along, as samples. */
export function pollReadyz(url: string, intervalMs: number) {
  const samples: ReadySample[] = [];
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const startedAt = Date.now();
      let status = 0;
      try {
        const response = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(5000) });
        status = response.status;
        await response.arrayBuffer();
      } catch {
        status = 0;
      }
      const at = Date.now();
      samples.push({ at, startedAt, status, ms: at - startedAt });
      await sleep(Math.max(0, intervalMs - (at - startedAt)));
    }
  })();
  return {
    samples,
    async stop() {
      stopped = true;
      await loop;
    },
  };
}
