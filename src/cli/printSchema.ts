import { readFileSync, writeFileSync } from 'node:fs';
import { generateIndexes } from './generatedIndexes.js';

/**
 * `schema:print` writes the generated catalogue and demo indexes, then the SDL of /graphql and of
 * /public/graphql; `schema:check` fails when any of them is stale. The schema is imported after the
 * indexes are written, so that it is printed from the catalogue the files declare.
 */
const check = process.argv.includes('--check');
let stale = !(await generateIndexes(check));
const { printedSchema } = await import('../graphql/schema.js');
const { printedPublicSchema } = await import('../public/schema.js');
const schemas = [
  { path: 'schema/schema.graphql', printed: printedSchema() },
  { path: 'schema/public.graphql', printed: printedPublicSchema() },
];
for (const { path, printed } of schemas) {
  const file = new URL(`../../${path}`, import.meta.url);
  if (check) {
    let current = '';
    try {
      current = readFileSync(file, 'utf8');
    } catch {}
    if (current !== printed) {
      console.error(`${path} is stale: run \`npm run schema:print\` and commit the result`);
      stale = true;
    } else console.log(`${path} is up to date`);
  } else {
    writeFileSync(file, printed);
    console.log(`wrote ${path}`);
  }
}
if (stale) process.exit(1);
