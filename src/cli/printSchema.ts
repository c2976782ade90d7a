import { readFileSync, writeFileSync } from 'node:fs';
import { printedSchema } from '../graphql/schema.js';

/** `schema:print` writes the SDL; `schema:check` fails when the checked-in SDL is stale. */
const file = new URL('../../schema/schema.graphql', import.meta.url);
const printed = printedSchema();
if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(file, 'utf8');
  } catch {}
  if (current !== printed) {
    console.error('schema/schema.graphql is stale: run `npm run schema:print` and commit the result');
    process.exit(1);
  }
  console.log('schema/schema.graphql is up to date');
} else {
  writeFileSync(file, printed);
  console.log('wrote schema/schema.graphql');
}
