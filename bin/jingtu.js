#!/usr/bin/env node
// The `jingtu` command runs the JavaScript that the install step builds from src/ into dist/ (`npm run
// build`: esbuild, file by file, in about a second; `npm start` and the tests build it again first). A
// checkout that has not been built yet runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';

process.setSourceMapsEnabled(true);
const built = new URL('../dist/cli/main.js', import.meta.url);
if (existsSync(built)) {
  await import(built.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
