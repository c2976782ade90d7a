import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A Node 24 binary: this one when the suite runs on Node 24, else the one `.ci/smoke-node24.sh` caches
 * (npm's node@24 package), else none and the tests that need it are skipped.
 */
export function node24(): string | undefined {
  if (Number(process.versions.node.split('.')[0]) === 24) return process.execPath;
  const cached = join(tmpdir(), 'jingtu-node24', 'node_modules', '.bin', 'node');
  return existsSync(cached) ? cached : undefined;
}
