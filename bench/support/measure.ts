/**
 * What a process costs, read from /proc: CPU time (user + system, every thread) and memory, of a server
 * process and of the PostgreSQL backends that serve its connections (found by application_name).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import autocannon, { type Options, type Result } from 'autocannon';
import type postgres from 'postgres';

/** Microseconds per clock tick of /proc/<pid>/stat. */
const MICROS_PER_TICK = (() => {
  try {
    const ticks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());
    return 1e6 / (ticks > 0 ? ticks : 100);
  } catch {
    return 1e6 / 100;
  }
})();

/** CPU time of a process so far, in µs; undefined when it is gone or not readable. */
export function processCpu(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The fields after the command name (which may hold spaces), from field 3 (state): utime is field 14,
    // stime field 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * MICROS_PER_TICK;
  } catch {
    return undefined;
  }
}

/** A server's connections to PostgreSQL, named by the application_name its URL gives them. */
export interface Backends {
  sql: postgres.Sql;
  application: string;
}

/** The URL with an application_name that marks its connections (and another port: a proxy's). */
export function urlNaming(url: string, application: string, port?: number): string {
  const parsed = new URL(url);
  if (port) parsed.port = String(port);
  parsed.searchParams.set('application_name', application);
  return parsed.toString();
}

/** CPU time so far of each backend of the connections (pid → µs), from pg_stat_activity. */
export async function backendCpu({ sql, application }: Backends): Promise<Map<number, number>> {
  const rows = await sql<{ pid: number }[]>`
    select pid from pg_stat_activity
    where datname = current_database() and application_name = ${application}`;
  const cpu = new Map<number, number>();
  for (const { pid } of rows) {
    const micros = processCpu(pid);
    if (micros !== undefined) cpu.set(pid, micros);
  }
  return cpu;
}

/** The backends' CPU time between two readings, in µs (a connection opened meanwhile counts from 0). */
export function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let micros = 0;
  for (const [pid, now] of after) micros += now - (before.get(pid) ?? 0);
  return micros;
}

/** Whether the backends are processes of this machine that we can read (PostgreSQL on loopback). */
export async function backendCpuReadable(backends: Backends): Promise<boolean> {
  const cpu = await backendCpu(backends);
  if (cpu.size === 0) return false;
  try {
    return [...cpu.keys()].every((pid) => readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'postgres');
  } catch {
    return false;
  }
}

/** VmRSS and VmHWM (peak RSS) of a process, in bytes (NaN when not reported). */
export function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (name: string) =>
    Number(status.match(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm'))?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') * 1024, hwm: kib('VmHWM') * 1024 };
}

/** Peak RSS of a process in MiB; 0 when it is gone. */
export function peakRssMiB(pid: number): number {
  try {
    return memoryOf(pid).hwm / 2 ** 20 || 0;
  } catch {
    return 0;
  }
}

/** Resets a process's VmHWM to its current RSS (Linux ≥ 4.0), so that it reads the peak from now on. */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** One side of a comparison: autocannon's figures and what the server and its backends spent on them. */
export interface Measured {
  rps: number;
  requests: number;
  p50: number;
  p99: number;
  /** The server process's CPU time over the load, in µs. */
  cpuMicros: number;
  /** Its backends' CPU time over the load, in µs; null when not measured. */
  dbCpuMicros: number | null;
  non2xx: number;
  mismatches: number;
  errors: number;
  timeouts: number;
}

/**
 * Loads a server with autocannon and reads the CPU time its process (`pid`) and, when given, its backends
 * spent meanwhile: CPU per request is hardly touched by other processes' load, throughput is.
 */
export async function measureLoad(options: Options, pid: number, backends?: Backends): Promise<Measured> {
  const dbBefore = backends ? await backendCpu(backends) : undefined;
  const cpuBefore = processCpu(pid) ?? 0;
  const result: Result = await autocannon(options);
  const cpuMicros = (processCpu(pid) ?? cpuBefore) - cpuBefore;
  const dbCpuMicros = backends && dbBefore ? cpuSince(dbBefore, await backendCpu(backends)) : null;
  return {
    rps: result.requests.total / result.duration,
    requests: result.requests.total,
    p50: result.latency.p50,
    p99: result.latency.p99,
    cpuMicros,
    dbCpuMicros,
    non2xx: result.non2xx,
    mismatches: result.mismatches,
    errors: result.errors,
    timeouts: result.timeouts,
  };
}
