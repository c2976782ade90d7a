/**
 * Start-up (issue 16): how long a `jingtu` command takes to start and a first `npm start` to be ready, and
 * what an idle hub holds in memory, side by side in one run:
 *
 *   commands    `node -e ''` (the floor), then `jingtu sync push --help` and `jingtu keys list` (on a
 *               server database) run as installed (bin/jingtu.js: the JavaScript built into dist/) and
 *               through tsx (the TypeScript sources, as before the build step), the order rotating by
 *               round; the median wall time of each, and its ratio to the floor (target ≤ 3)
 *   first start `jingtu serve` on an empty data folder: from the spawn to the address printed (ready),
 *               against the demo data's own load (the hub's two log lines around it; target ≤ 2)
 *   memory      the idle hub's RSS 10 s after that first start, against the RSS of the same hub started
 *               again on the loaded folder, idle as long (target ≤ 1.5)
 *
 *   npm run bench -- startup       (or: node --import tsx bench/startup.ts)
 *
 * Environment: BENCH_STARTUP_ROUNDS (10), BENCH_STARTUP_DATABASE_URL (default
 * postgres://postgres@127.0.0.1:5432/jt_bench_startup, created when missing).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { benchDatabaseUrl, prepareBenchDatabase, redacted } from './support/database.js';
import { envNumber } from './support/env.js';
import { gitState, loadLine, machine, ROOT, runIfMain, writeResults } from './support/report.js';
import { fixed, spread, table } from './support/stats.js';

const BIN = join(ROOT, 'bin', 'jingtu.js');
const SOURCES = join(ROOT, 'src', 'cli', 'main.ts');

interface Command {
  name: string;
  args: string[];
  env?: Record<string, string>;
}

/** Runs a command to its end and returns its wall time in ms (it must exit 0). */
function timed(command: Command): number {
  const started = performance.now();
  execFileSync(process.execPath, command.args, {
    cwd: ROOT,
    env: { ...process.env, ...command.env },
    stdio: 'ignore',
  });
  return performance.now() - started;
}

/** Resolves with the time from the spawn to a line of output that matches, or rejects after 5 minutes. */
function until(child: ChildProcess, pattern: RegExp, lines: string[]): Promise<number> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within 5 minutes`)), 300_000);
    let buffer = '';
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const parts = buffer.split('\n');
      buffer = parts.pop() ?? '';
      for (const line of parts) {
        lines.push(line);
        if (pattern.test(line)) {
          clearTimeout(timer);
          resolve(performance.now() - started);
        }
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`the hub exited with ${code}:\n${lines.join('\n')}`)));
  });
}

/** The resident set of a process, in MiB (Linux). */
function rssMiB(pid: number): number {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmRSS:'));
  return Number(line?.match(/(\d+)/)?.[1] ?? Number.NaN) / 1024;
}

/** The time of a log line of the hub (pino JSON), by its message. */
function loggedAt(lines: string[], message: string): number {
  for (const line of lines) {
    if (!line.startsWith('{')) continue;
    const entry = JSON.parse(line) as { msg?: string; time?: number };
    if (entry.msg === message && entry.time) return entry.time;
  }
  throw new Error(`the hub did not log "${message}"`);
}

async function stop(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** `jingtu serve` on a data folder: ready time, the demo load's own time (first start), idle RSS. */
async function startHub(dataDir: string): Promise<{ readyMs: number; loadMs?: number; idleRssMiB: number }> {
  const child = spawn(process.execPath, [BIN, 'serve'], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_URL: '', JINGTU_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  try {
    const readyMs = await until(child, /^GraphiQL: http/, lines);
    const loading = lines.some((l) => l.includes('loading the demo data set'));
    const loadMs = loading
      ? loggedAt(lines, 'demo data loaded') - loggedAt(lines, 'empty embedded hub: loading the demo data set')
      : undefined;
    // Idle: the jobs the hub starts with (rules, freshness) have run by then.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    return { readyMs, loadMs, idleRssMiB: rssMiB(child.pid as number) };
  } finally {
    await stop(child);
  }
}

export async function run(): Promise<void> {
  const rounds = envNumber('BENCH_STARTUP_ROUNDS', 10, { integer: true, min: 1, max: 100 });
  const url = benchDatabaseUrl(
    'BENCH_STARTUP_DATABASE_URL',
    'postgres://postgres@127.0.0.1:5432/jt_bench_startup',
  );
  const loadBefore = os.loadavg();
  console.log(`\n== start-up: commands (${rounds} rounds, keys on ${redacted(url)}), first start, memory`);
  await prepareBenchDatabase(url, 'BENCH_STARTUP_DATABASE_URL');
  // The installed command runs dist/: build it from the sources being measured.
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: 'inherit' });
  const server = { DATABASE_URL: url, LOG_LEVEL: 'warn' };
  const commands: Command[] = [
    { name: "node -e ''", args: ['-e', ''] },
    { name: 'sync push --help (built)', args: [BIN, 'sync', 'push', '--help'] },
    { name: 'sync push --help (tsx)', args: ['--import', 'tsx', SOURCES, 'sync', 'push', '--help'] },
    { name: 'keys list (built)', args: [BIN, 'keys', 'list'], env: server },
    { name: 'keys list (tsx)', args: ['--import', 'tsx', SOURCES, 'keys', 'list'], env: server },
  ];
  for (const command of commands) timed(command); // warm the file cache
  const times = new Map(commands.map((c) => [c.name, [] as number[]]));
  for (let r = 0; r < rounds; r++)
    for (let i = 0; i < commands.length; i++) {
      const command = commands[(i + r) % commands.length];
      times.get(command.name)?.push(timed(command));
    }
  const floor = spread(times.get(commands[0].name) ?? []).median;
  const commandRows = commands.map((c) => {
    const s = spread(times.get(c.name) ?? []);
    return [c.name, fixed(s.median), `${fixed(s.min)}–${fixed(s.max)}`, fixed(s.median / floor, 2)];
  });
  console.log(table(['command', 'median ms', 'range', '÷ node -e'], commandRows, 1));

  const dataDir = mkdtempSync(join(tmpdir(), 'jingtu-bench-startup-'));
  let first: Awaited<ReturnType<typeof startHub>>;
  let again: Awaited<ReturnType<typeof startHub>>;
  try {
    first = await startHub(dataDir);
    again = await startHub(dataDir);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  const loadMs = first.loadMs ?? Number.NaN;
  const startRows = [
    ['first start: ready (ms)', fixed(first.readyMs)],
    ["the demo data's own load (ms)", fixed(loadMs)],
    ['ready ÷ load (target ≤ 2)', fixed(first.readyMs / loadMs, 2)],
    ['second start: ready (ms)', fixed(again.readyMs)],
    ['idle RSS after the first start (MiB)', fixed(first.idleRssMiB)],
    ['idle RSS, started on the loaded folder (MiB)', fixed(again.idleRssMiB)],
    ['after ÷ before (target ≤ 1.5)', fixed(first.idleRssMiB / again.idleRssMiB, 2)],
  ];
  console.log(table(['first start and memory', ''], startRows, 1));
  const loadAfter = os.loadavg();
  console.log(loadLine(loadBefore, loadAfter));
  writeResults('startup', {
    benchmark: 'startup',
    when: new Date().toISOString(),
    machine: machine(loadBefore, loadAfter),
    code: await gitState(ROOT, ['src', 'bin', 'package.json']),
    node: process.version,
    rounds,
    commands: Object.fromEntries(
      commands.map((c) => {
        const s = spread(times.get(c.name) ?? []);
        return [c.name, { ...s, overFloor: s.median / floor }];
      }),
    ),
    firstStart: { readyMs: first.readyMs, demoLoadMs: loadMs, ratio: first.readyMs / loadMs },
    secondStart: { readyMs: again.readyMs },
    idleRssMiB: { afterDemoLoad: first.idleRssMiB, onLoadedFolder: again.idleRssMiB },
  });
}

runIfMain(import.meta.url, run);
