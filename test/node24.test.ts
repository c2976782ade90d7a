import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createKey } from '../src/access/keys.js';
import { withTestDatabase } from './support/db.js';
import { node24 } from './support/node24.js';
import { postGraphql, spawnHub } from './support/process.js';

/**
 * The hub runs on Node 24 LTS as well as on Node 20. Node 23 removed these `util` functions; graphql-shield
 * 7.6.5 imported one, so the hub did not start (patches/graphql-shield+7.6.5.patch).
 */
const REMOVED_IN_NODE_23 = [
  'isBoolean',
  'isBuffer',
  'isDate',
  'isError',
  'isFunction',
  'isNull',
  'isNullOrUndefined',
  'isNumber',
  'isObject',
  'isPrimitive',
  'isRegExp',
  'isString',
  'isSymbol',
  'isUndefined',
  'log',
];

const UTIL = `['"](?:node:)?util['"]`;
const removed = (name: string) => REMOVED_IN_NODE_23.includes(name.trim().split(/\s+as\s+|\s*:\s*/)[0]);

/** The removed functions a module takes from Node's own `util` (not from a package's "util" object). */
function removedUtilUses(source: string): string[] {
  if (!new RegExp(UTIL).test(source)) return [];
  const uses: string[] = [];
  const bindings = new Set<string>();
  const all = (pattern: string) => source.matchAll(new RegExp(pattern, 'g'));
  for (const m of all(
    `(?:var|let|const)\\s+(\\w+)\\s*=\\s*(?:\\w+\\.__importStar\\(|__importStar\\()?require\\(${UTIL}\\)`,
  ))
    bindings.add(m[1]);
  for (const m of all(`import\\s+(?:\\*\\s+as\\s+)?(\\w+)\\s+from\\s+${UTIL}`)) bindings.add(m[1]);
  for (const m of all(
    `(?:import\\s*\\{([^}]*)\\}\\s*from|(?:var|let|const)\\s*\\{([^}]*)\\}\\s*=\\s*require\\()\\s*${UTIL}`,
  ))
    uses.push(...(m[1] ?? m[2]).split(',').filter(removed));
  for (const m of all(`require\\(${UTIL}\\)\\s*\\.\\s*(\\w+)`)) if (removed(m[1])) uses.push(m[1]);
  for (const name of bindings)
    for (const m of all(`\\b${name}\\)?\\s*\\.\\s*(\\w+)`)) if (removed(m[1])) uses.push(`${name}.${m[1]}`);
  return [...new Set(uses.map((use) => use.trim()))];
}

function modulesUnder(folder: string): string[] {
  return readdirSync(folder, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.[cm]?js$/.test(entry.name))
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('installed packages', () => {
  it('take no function from util that Node 23 removed', { timeout: 120_000 }, () => {
    const found = modulesUnder('node_modules').flatMap((file) =>
      removedUtilUses(readFileSync(file, 'utf8')).map((use) => `${file}: ${use}`),
    );
    expect(found).toEqual([]);
  });

  it('the scan finds such uses where there are some', () => {
    expect(
      removedUtilUses("import { isLogicRule } from './utils.js';\nimport { isUndefined } from 'util';"),
    ).toEqual(['isUndefined']);
    expect(removedUtilUses('const util_1 = require("util");\nif ((0, util_1.isUndefined)(rule)) {}')).toEqual(
      ['util_1.isUndefined'],
    );
    expect(removedUtilUses("const { isArray, log: say } = require('node:util');")).toEqual(['log: say']);
    expect(removedUtilUses("import util from 'node:util'; util.inspect(x); util.isFunction(f);")).toEqual([
      'util.isFunction',
    ]);
    // A package's own util object is not Node's.
    expect(removedUtilUses("import { util } from './util/minimal.js'; util.isString(x);")).toEqual([]);
  });
});

const NODE24 = node24();
const run = promisify(execFile);

describe.runIf(NODE24)('on Node 24', { timeout: 120_000 }, () => {
  const node = NODE24 as string;
  const database = withTestDatabase();

  it('is a Node 24 binary', async () => {
    expect((await run(node, ['--version'])).stdout).toMatch(/^v24\./);
  });

  it("loads graphql-shield's ESM and CommonJS builds, whose chain and race rules evaluate", async () => {
    const script = `
      import { createRequire } from 'node:module';
      import * as esm from 'graphql-shield';
      const cjs = createRequire(import.meta.url)('graphql-shield');
      const answers = [];
      for (const shield of [esm, cjs]) {
        const yes = shield.rule({ cache: 'no_cache' })(() => true);
        const no = shield.rule({ cache: 'no_cache' })(() => false);
        for (const logic of [shield.chain(yes, no), shield.chain(yes, yes), shield.race(no, yes), shield.race(no, no)])
          answers.push(await logic.resolve({}, {}, {}, {}, { debug: true }));
      }
      console.log(JSON.stringify(answers));`;
    const { stdout } = await run(node, ['--input-type=module', '-e', script]);
    expect(JSON.parse(stdout)).toEqual([false, true, true, false, false, true, true, false]);
  });

  it('jingtu serve starts, is ready and answers a query', async () => {
    // The command's `node` is the Node 24 binary: first on the PATH.
    const hub = await spawnHub({
      DATABASE_URL: database.url,
      JINGTU_JOBS: 'off',
      PATH: `${dirname(node)}:${process.env.PATH}`,
    });
    try {
      expect((await fetch(`${hub.url}/readyz`)).status).toBe(200);
      const { key } = await createKey(database.db, 'HOUSING', 'node 24 test');
      const answer = await postGraphql(hub.url, key, '{ constructionPermits(first: 1) { totalCount } }');
      expect(answer.body.errors).toBeUndefined();
      expect(answer.body.data.constructionPermits.totalCount).toBeGreaterThanOrEqual(0);
      if (existsSync('/proc/self/exe'))
        expect(realpathSync(`/proc/${hub.child.pid}/exe`)).toBe(realpathSync(node));
    } finally {
      expect(await hub.stop()).toBe(0);
    }
  });
});
