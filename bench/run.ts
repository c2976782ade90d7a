/**
 * Runs every benchmark in bench/: each module that exports a `run()` function, one after the other.
 *
 *   npm run bench                  (every benchmark)
 *   npm run bench -- permissions   (only those whose file name contains one of the words)
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);

const files = readdirSync(here)
  .filter((name) => name.endsWith('.ts') && !name.endsWith('.d.ts') && name !== 'run.ts')
  .filter((name) => only.length === 0 || only.some((word) => name.includes(word)))
  .sort();

let ran = 0;
let failed = 0;
for (const file of files) {
  const module = (await import(pathToFileURL(join(here, file)).href)) as { run?: unknown };
  if (typeof module.run !== 'function') continue;
  ran++;
  try {
    await (module.run as () => Promise<void>)();
  } catch (error) {
    failed++;
    console.error(`benchmark ${file} failed:`, error);
  }
}
console.log(`\n${ran} benchmark${ran === 1 ? '' : 's'} run, ${failed} failed`);
if (ran === 0 || failed > 0) process.exitCode = 1;
