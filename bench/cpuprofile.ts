/**
 * Where the time goes in a V8 CPU profile (`node --cpu-prof`): self time per function and per package.
 *
 *   node --import tsx bench/cpuprofile.ts bench/results/profiles/hub-on.cpuprofile [top]
 *   node --import tsx bench/cpuprofile.ts a.cpuprofile requestsA b.cpuprofile requestsB   (compare)
 */
import { readFileSync } from 'node:fs';
import { isMain } from './support/report.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  where: string;
  ms: number;
}

export interface ProfileSummary {
  /** Microseconds sampled, and of them not idle. */
  totalMs: number;
  busyMs: number;
  functions: SelfTime[];
  packages: { name: string; ms: number }[];
}

/** The package of a script URL: `graphql`, `@apollo/server`, `src/access`, `node:internal`, or `(native)`. */
export function packageOf(url: string): string {
  if (!url) return '(native/VM)';
  if (url.startsWith('node:')) return 'node:internal';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules !== -1) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const src = url.match(/\/(src|bench|test)\/([^/]+)\//);
  if (src) return `${src[1]}/${src[2]}`;
  return url.replace(/^file:\/\//, '');
}

const IDLE = new Set(['(idle)', '(program)']);

export function summariseProfile(file: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfMicros = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; it is charged to sample i (the usual convention).
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + Math.max(profile.timeDeltas[i] ?? 0, 0));
  }
  const functions = new Map<string, SelfTime>();
  const packages = new Map<string, number>();
  let total = 0;
  let busy = 0;
  for (const [id, micros] of selfMicros) {
    const frame = byId.get(id)?.callFrame;
    if (!frame) continue;
    const name = frame.functionName || '(anonymous)';
    total += micros;
    if (IDLE.has(name)) continue;
    busy += micros;
    const where = frame.url
      ? `${frame.url.replace(/^file:\/\/.*?\/node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench)\//, '$1/')}:${frame.lineNumber + 1}`
      : '';
    const key = `${name} ${where}`;
    const entry = functions.get(key) ?? { name, where, ms: 0 };
    entry.ms += micros / 1000;
    functions.set(key, entry);
    const pkg = packageOf(frame.url);
    packages.set(pkg, (packages.get(pkg) ?? 0) + micros / 1000);
  }
  return {
    totalMs: total / 1000,
    busyMs: busy / 1000,
    functions: [...functions.values()].sort((a, b) => b.ms - a.ms),
    packages: [...packages.entries()].map(([name, ms]) => ({ name, ms })).sort((a, b) => b.ms - a.ms),
  };
}

export function formatProfileSummary(summary: ProfileSummary, top = 25): string {
  const share = (ms: number) => `${((ms / summary.busyMs) * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `sampled ${(summary.totalMs / 1000).toFixed(1)} s, busy ${(summary.busyMs / 1000).toFixed(1)} s (shares are of busy time)`,
    'self time by package:',
    ...summary.packages.slice(0, 15).map((p) => `  ${share(p.ms)}  ${p.name}`),
    `top ${top} functions by self time:`,
    ...summary.functions.slice(0, top).map((f) => `  ${share(f.ms)}  ${f.name}  ${f.where}`),
  ];
  return lines.join('\n');
}

/**
 * Two profiles of the same work side by side, per request served: where B's busy time per request and A's
 * differ, by package and by function (largest differences first).
 */
export function formatProfileComparison(
  a: ProfileSummary,
  requestsA: number,
  b: ProfileSummary,
  requestsB: number,
  options: { a: string; b: string; top?: number },
): string {
  const top = options.top ?? 25;
  const perA = (ms: number) => (ms * 1000) / requestsA;
  const perB = (ms: number) => (ms * 1000) / requestsB;
  const baseline = perB(b.busyMs);
  const row = (label: string, msA: number, msB: number) => {
    const delta = perA(msA) - perB(msB);
    const share = `${delta >= 0 ? '+' : ''}${((delta / baseline) * 100).toFixed(1)}%`;
    return `${perA(msA).toFixed(0).padStart(8)} ${perB(msB).toFixed(0).padStart(8)} ${delta.toFixed(0).padStart(8)} ${share.padStart(7)}  ${label}`;
  };
  const head = `${`${options.a} µs`.padStart(8)} ${`${options.b} µs`.padStart(8)} ${'Δ µs'.padStart(8)} ${`Δ/${options.b}`.padStart(7)}`;
  const compare = <T extends { ms: number }>(left: Map<string, T>, right: Map<string, T>, count: number) =>
    [...new Set([...left.keys(), ...right.keys()])]
      .map((key) => ({ key, msA: left.get(key)?.ms ?? 0, msB: right.get(key)?.ms ?? 0 }))
      .sort((x, y) => Math.abs(perA(y.msA) - perB(y.msB)) - Math.abs(perA(x.msA) - perB(x.msB)))
      .slice(0, count)
      .map((entry) => row(entry.key, entry.msA, entry.msB));
  const packages = (summary: ProfileSummary) => new Map(summary.packages.map((p) => [p.name, p]));
  const functions = (summary: ProfileSummary) =>
    new Map(summary.functions.map((f) => [`${f.name}  ${f.where}`, f]));
  return [
    `busy CPU per request: ${options.a} ${perA(a.busyMs).toFixed(0)} µs (${requestsA} requests), ` +
      `${options.b} ${perB(b.busyMs).toFixed(0)} µs (${requestsB} requests): ` +
      `${options.a} spends ${(((perA(a.busyMs) - baseline) / baseline) * 100).toFixed(1)}% more`,
    'self time per request by package (largest differences first):',
    `${head}  package`,
    ...compare(packages(a), packages(b), 15),
    `self time per request by function (largest ${top} differences first):`,
    `${head}  function`,
    ...compare(functions(a), functions(b), top),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const [file, top, other, otherRequests] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node --import tsx bench/cpuprofile.ts <file.cpuprofile> [top]');
    console.error(
      '       node --import tsx bench/cpuprofile.ts <a.cpuprofile> <requests> <b.cpuprofile> <requests>',
    );
    process.exitCode = 2;
  } else if (other) {
    const [a, b] = [file, other].map(summariseProfile);
    console.log(
      formatProfileComparison(a, Number(top), b, Number(otherRequests), { a: 'A', b: 'B', top: 30 }),
    );
  } else {
    console.log(formatProfileSummary(summariseProfile(file), Number(top) || 25));
  }
}
