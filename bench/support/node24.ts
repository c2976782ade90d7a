import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** npm's node@24, in the folder the CI's Node 24 smoke run caches it (.ci/smoke-node24.sh), installed once. */
export function node24(): string {
  const cache = join(process.env.TMPDIR || tmpdir(), 'jingtu-node24');
  const binary = join(cache, 'node_modules', '.bin', 'node');
  if (!existsSync(binary)) {
    console.log(`installing node@24 into ${cache} (npm)`);
    execFileSync(
      'npm',
      ['install', '--prefix', cache, '--no-save', '--no-audit', '--no-fund', '--loglevel=error', 'node@24'],
      {
        stdio: 'inherit',
      },
    );
  }
  return binary;
}
