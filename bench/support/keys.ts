/** API keys of a benchmark's principals, made and revoked by the hub's own key service. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createKey, revokeKey } from '../../src/access/keys.js';
import { withBenchDatabase } from './database.js';

export interface BenchKey {
  id: string;
  key: string;
}

/** A key for each principal, named `name` (e.g. bench:load) so that `jingtu keys list` tells what it is for. */
export function createKeys(
  url: string,
  principals: string[],
  name: string,
): Promise<Record<string, BenchKey>> {
  return withBenchDatabase(url, async (database) => {
    const keys: Record<string, BenchKey> = {};
    for (const code of principals) keys[code] = await createKey(database.db, code, name);
    return keys;
  });
}

/** Revokes a run's keys when it ends; a failure is printed, not thrown (the run's own outcome counts). */
export async function revokeKeys(url: string, keys: BenchKey[]): Promise<void> {
  if (keys.length === 0) return;
  await withBenchDatabase(url, async (database) => {
    for (const { id } of keys) await revokeKey(database.db, id);
  }).catch((error: Error) => console.error(`revoking the benchmark's keys: ${error.message}`));
}

/** The keys the first start of an empty embedded hub writes, one per department, by principal. */
export function demoKeys(dataDir: string): Record<string, string> {
  const text = readFileSync(join(dataDir, 'demo-keys.txt'), 'utf8');
  const keys: Record<string, string> = {};
  for (const match of text.matchAll(/^(\S+)\s.*\n\s+Authorization: Bearer (\S+)$/gm))
    keys[match[1]] = match[2];
  return keys;
}
