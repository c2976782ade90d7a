#!/usr/bin/env node
// The `jingtu` command runs the JavaScript that the install step builds from src/ into dist/ (`npm run
// build`: esbuild, file by file, in about a second; `npm start` and the tests build it again first). A
// checkout that has not been built yet runs the TypeScript sources through tsx instead.
import { existsSync } from 'node:fs';

process.setSourceMapsEnabled(true);
const built = existsSync(new URL('../dist/cli/main.js', import.meta.url));
if (!built) {
  const { register } = await import('tsx/esm/api');
  register();
}
const source = (module) =>
  new URL(built ? `../dist/${module}.js` : `../src/${module}.ts`, import.meta.url).href;
// Tracing (OTEL_EXPORTER_OTLP_ENDPOINT set) starts before the hub's modules load, so that its
// instrumentations see them load (src/tracing/start.ts).
if (process.argv[2] === 'serve') await (await import(source('tracing/start'))).startTracing();
await import(source('cli/main'));
