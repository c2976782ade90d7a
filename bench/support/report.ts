/** What every benchmark says about its run: the machine, the code measured, the results file. */
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** The repository's root folder. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** bench/results, or BENCH_RESULTS_DIR: quick runs that must not replace the committed figures. */
export const resultsDir = () => resolve(process.env.BENCH_RESULTS_DIR || join(ROOT, 'bench/results'));

/** Where a benchmark writes its results: `variable` (a file) when set, else <name>.json in resultsDir(). */
function resultsFile(name: string, variable?: string): string {
  const given = variable ? process.env[variable] : undefined;
  return given ? resolve(given) : join(resultsDir(), `${name}.json`);
}

/** Writes a benchmark's results as JSON (see `resultsFile`) and says where. */
export function writeResults(name: string, results: object, variable?: string): void {
  const file = resultsFile(name, variable);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  const { seconds } = results as { seconds?: number };
  console.log(`results: ${file}${seconds === undefined ? '' : ` (${seconds} s in all)`}`);
}

/** The machine the figures come from, and its load average (1, 5, 15 min) before and after the run. */
export function machine(loadBefore: number[], loadAfter = os.loadavg()) {
  const cpus = os.cpus();
  return {
    nproc: os.availableParallelism(),
    cpus: cpus.length,
    model: cpus[0]?.model ?? 'unknown',
    platform: `${os.platform()} ${os.release()}`,
    arch: os.arch(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: { before: loadBefore, after: loadAfter },
  };
}

/** "load average … before, … after (N CPUs)": the line every benchmark ends its report with. */
export const loadLine = (before: number[], after: number[]) =>
  `load average ${before.map((l) => l.toFixed(2)).join(' ')} before, ${after.map((l) => l.toFixed(2)).join(' ')} after (1, 5, 15 min; ${os.availableParallelism()} CPUs)`;

/** Which code was measured: the commit, and the files under `paths` that differ from it. */
export async function gitState(root = ROOT, paths = ['src', 'migrations']) {
  const git = async (...args: string[]) =>
    (await execFileAsync('git', args, { cwd: root }).catch(() => ({ stdout: '' }))).stdout.trim();
  const commit = await git('rev-parse', '--short', 'HEAD');
  const changed = (await git('status', '--porcelain', '--', ...paths)).split('\n').filter(Boolean);
  return { root: root === ROOT ? '.' : root, commit, uncommittedChanges: changed.length, changed };
}

/** A hub's log lines (pino JSON) of level warn and above, counted by message. */
export function logSummary(output: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    try {
      const entry = JSON.parse(line) as { level?: number; msg?: string };
      if ((entry.level ?? 0) < 40) continue;
      const key = `${entry.level === 40 ? 'warn' : entry.level === 50 ? 'error' : 'fatal'}: ${entry.msg}`;
      counts[key] = (counts[key] ?? 0) + 1;
    } catch {
      counts['(unparsed line)'] = (counts['(unparsed line)'] ?? 0) + 1;
    }
  }
  return counts;
}

/** How this run was started, with the BENCH_* settings it was given. */
export function commandLine(file: string): string {
  const overrides = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_'))
    .map(([name, value]) => `${name}=${value} `)
    .join('');
  return isMain(file)
    ? `${overrides}node --import tsx ${file.slice(ROOT.length + 1)}`
    : `${overrides}npm run bench -- ${process.argv.slice(2).join(' ')}`.trim();
}

/** Whether the module at `url` (its import.meta.url) is the script node was started with. */
export function isMain(url: string): boolean {
  const file = url.startsWith('file:') ? fileURLToPath(url) : url;
  return Boolean(process.argv[1]) && resolve(process.argv[1]) === file;
}

/** Runs a benchmark when its module (`url`, its import.meta.url) was started as a script. */
export function runIfMain(url: string, run: () => Promise<void>): void {
  if (!isMain(url)) return;
  run().catch((error: Error) => {
    console.error(error);
    process.exitCode = 1;
  });
}
