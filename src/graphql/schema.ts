import { lexicographicSortSchema, printSchema } from 'graphql';
import { builder } from './builder.js';
import { enforceInputLengths } from './inputLengths.js';
import './scalars.js';
import './datasetTypes.js';
import './datasetQueries.js';
import './aggregate.js';
import './catalog.js';
import './me.js';
import './myAccess.js';
import './grants.js';
import './sync.js';
import './audit.js';
import './standards.js';
import './alerts.js';
import './indicators.js';
import './webhooks.js';

/**
 * The one place the schema is assembled; no schema module imports this file. Every text argument's
 * declared longest length is checked before its resolver runs (src/graphql/inputLengths.ts).
 */
export const schema = enforceInputLengths(builder.toSchema());

export function printedSchema(): string {
  return `${printSchema(lexicographicSortSchema(schema))}\n`;
}
