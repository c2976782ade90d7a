/**
 * A hub in a child process of the benchmark (bench/support/hubProcess.ts), as deployed (NODE_ENV=production),
 * over loopback: what a benchmark measures, apart from its own process and autocannon.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { createServer, get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { stopChild } from './processes.js';
import { ROOT } from './report.js';

export interface HubSettings {
  databaseUrl: string;
  pool: number;
  logLevel: string;
  /** Field-level permissions and the audit trail (both on unless false: the hub as deployed). */
  permissions?: boolean;
  audit?: boolean;
  /** The key read on every request (unless false: once per key, the upper bound of folding that read away). */
  keyCheckEveryRequest?: boolean;
  /** Queries compiled by graphql-jit (on unless false). */
  jit?: boolean;
  /** Metrics kept (on unless false: JINGTU_METRICS=off). */
  metrics?: boolean;
  /** /metrics read every this many seconds from the benchmark's process, as Prometheus would (none unless given). */
  metricsScrapeSeconds?: number;
  /**
   * /readyz asked every this many seconds from the benchmark's process, as a load balancer's health check
   * asks a deployed hub (none unless given). A hub that answers nothing but the query it is loaded with has
   * its HTTP path optimised for that alone: a metrics hub's first scrape set off 60 to 110 deoptimisations
   * in it (node:_http_server, streams, express, router; V8's --log-deopt, 2026-12-07), later ones a few.
   */
  probeSeconds?: number;
  /**
   * Tracing on, started as `jingtu serve` starts it (src/tracing/start.ts), the spans sent over OTLP to a
   * receiver in the benchmark's process that drops them; which requests are traced: OTEL_TRACES_SAMPLER and
   * its argument (the hub's default sampler unless given; tracing off unless `tracing` is given).
   */
  tracing?: { sampler?: string; argument?: string };
  /** The Node binary to run the hub (the benchmark's own unless given). */
  execPath?: string;
  /** false: no rate limit per principal. */
  rateLimit?: boolean;
  /** Names the hub's database connections, so that their backends can be found (bench/support/measure.ts). */
  applicationName?: string;
  /** The checkout whose hub runs (this one unless given): another commit's, with its own node_modules. */
  root?: string;
  /** Extra Node options, e.g. "--max-old-space-size=128". */
  nodeOptions?: string[];
  /** How the hub is called in messages. */
  name?: string;
}

/** What the benchmark may ask a hub. */
type HubRequest =
  | { type: 'memory' }
  | { type: 'profile-start' }
  | { type: 'profile-stop'; file: string }
  | { type: 'copy'; file: string; table: string; columns: string[] };

/** A request with the id its answer carries. */
export type HubQuestion = HubRequest & { id: number };

export type HubAnswer =
  | { type: 'ready'; port: number }
  | { type: 'failed'; error: string }
  | { type: 'answer'; id: number; value?: unknown; error?: string };

export interface ForkedHub {
  name: string;
  /** http://127.0.0.1:port */
  base: string;
  child: ChildProcess;
  pid: number;
  /** The hub's process.memoryUsage(), to tell where its RSS goes. */
  memory(): Promise<NodeJS.MemoryUsage>;
  /** CPU-profiles the hub's main thread until `stopProfile`, which writes the profile to `file`. */
  startProfile(): Promise<void>;
  stopProfile(file: string): Promise<string>;
  /** COPY text from `file` into `table` on a connection of the hub's pool; resolves when it has completed. */
  copy(file: string, table: string, columns: string[]): Promise<void>;
  /** Stops the hub (it writes what its audit still holds first); killed after 15 s. */
  stop(): Promise<void>;
}

const ENTRY = 'bench/support/hubProcess.ts';

/**
 * Asks `url` every `seconds` from this process, as Prometheus (a scrape) or a load balancer (a health check)
 * would from its own: the client's work is not the hub's, only answering is.
 */
function getEvery(url: string, seconds: number): NodeJS.Timeout {
  return setInterval(() => {
    get(url, (response) => response.resume()).on('error', () => {});
  }, seconds * 1000).unref();
}

/** What the OTLP receiver has been sent: requests and bytes. */
export const received = { requests: 0, bytes: 0 };
let receiver: Promise<string> | undefined;

/**
 * An OTLP/HTTP receiver on loopback that counts and drops what it is sent, as a collector elsewhere would
 * take it: the hub's work is to make and send its spans, not to keep them.
 */
export function otlpReceiver(): Promise<string> {
  receiver ??= new Promise((done) => {
    const server = createServer((request, response) => {
      received.requests++;
      request.on('data', (chunk: Buffer) => {
        received.bytes += chunk.length;
      });
      request.on('end', () => response.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    });
    server.listen(0, '127.0.0.1', () => done(`http://127.0.0.1:${(server.address() as AddressInfo).port}`));
    server.unref();
  });
  return receiver;
}

export async function forkHub(settings: HubSettings): Promise<ForkedHub> {
  const name = settings.name ?? 'the hub';
  const root = settings.root ?? ROOT;
  const tracing = settings.tracing
    ? {
        imports: ['--import', pathToFileURL(join(root, 'bench/support/startTracing.ts')).href],
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: await otlpReceiver(),
          // none: the hub's default (src/tracing/sdk.ts)
          OTEL_TRACES_SAMPLER: settings.tracing.sampler ?? '',
          OTEL_TRACES_SAMPLER_ARG: settings.tracing.argument ?? '',
        },
      }
    : { imports: [], env: {} };
  const child = fork(join(root, ENTRY), [JSON.stringify(settings)], {
    cwd: root,
    execArgv: ['--import', 'tsx', ...tracing.imports, ...(settings.nodeOptions ?? [])],
    execPath: settings.execPath,
    // As deployed; the same for every hub.
    env: { ...process.env, ...tracing.env, NODE_ENV: 'production' },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  // A message to a hub that has just died fails with EPIPE; its exit (and the request that failed with it)
  // tells the story, so the channel's error must not crash the benchmark.
  child.on('error', (error) => console.error(`${name} process: ${error.message}`));
  let asked = 0;
  const ask = (question: HubRequest): Promise<unknown> =>
    new Promise((done, fail) => {
      const id = ++asked;
      const listen = (answer: HubAnswer) => {
        if (answer.type !== 'answer' || answer.id !== id) return;
        settle();
        if (answer.error) fail(new Error(`${name}: ${question.type}: ${answer.error}`));
        else done(answer.value);
      };
      const exited = (code: number | null, signal: string | null) => {
        settle();
        fail(new Error(`${name} exited (${signal ?? code}) before it answered ${JSON.stringify(question)}`));
      };
      const settle = () => {
        child.off('message', listen);
        child.off('exit', exited);
      };
      child.on('message', listen);
      child.once('exit', exited);
      child.send({ ...question, id });
    });
  const hub = (port: number): ForkedHub => ({
    name,
    base: `http://127.0.0.1:${port}`,
    child,
    pid: child.pid as number,
    memory: () => ask({ type: 'memory' }) as Promise<NodeJS.MemoryUsage>,
    startProfile: async () => void (await ask({ type: 'profile-start' })),
    stopProfile: async (file) => {
      await ask({ type: 'profile-stop', file });
      return file;
    },
    copy: async (file, table, columns) => void (await ask({ type: 'copy', file, table, columns })),
    async stop() {
      for (const timer of asking) clearInterval(timer);
      // A hub that died (out of memory, say) has closed its channel before its exit is seen.
      await stopChild(child, 15_000, () => (child.connected ? child.send('stop') : child.kill('SIGTERM')));
    },
  });
  const asking: NodeJS.Timeout[] = [];
  return new Promise((done, fail) => {
    const timer = setTimeout(() => fail(new Error(`${name} did not start within 60 s`)), 60_000);
    child.once('exit', (code) => fail(new Error(`${name} exited with ${code} before it was ready`)));
    child.on('message', (message: HubAnswer) => {
      if (message.type === 'ready') {
        clearTimeout(timer);
        const base = `http://127.0.0.1:${message.port}`;
        if (settings.metrics !== false && settings.metricsScrapeSeconds)
          asking.push(getEvery(`${base}/metrics`, settings.metricsScrapeSeconds));
        if (settings.probeSeconds) asking.push(getEvery(`${base}/readyz`, settings.probeSeconds));
        done(hub(message.port));
      } else if (message.type === 'failed') {
        clearTimeout(timer);
        fail(new Error(`${name}: ${message.error}`));
      }
    });
  });
}
