import { eq, getTableColumns } from 'drizzle-orm';
import { locatedError } from 'graphql';
import { pinoHttp } from 'pino-http';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import { createLogger } from '../src/http/logger.js';
import { withTestDatabase } from './support/db.js';
import { uniqueId } from './support/records.js';

const database = withTestDatabase();
const permits = datasetByName('constructionPermit') as Dataset;

describe('the log of a failed statement', () => {
  it('carries no parameter, statement or row value, on every logger the hub uses', async () => {
    const canary = `canary-${uniqueId()}`;
    // A real failure: a parameter that is no date (as a forged cursor's sort value was), through drizzle,
    // whose error names the statement and its parameters; the test connection's debug option makes
    // postgres.js's `query` and `parameters` enumerable too.
    const columns = getTableColumns(permits.drizzle);
    const error = await database.db
      .select({ id: columns.id })
      .from(permits.drizzle)
      .where(eq(columns.issuedOn, canary))
      .then(
        () => undefined,
        (failure: unknown) => failure as Error,
      );
    expect(error, 'the statement fails').toBeInstanceOf(Error);
    expect(`${error?.message} ${(error?.cause as Error | undefined)?.message}`).toContain(canary);

    const lines: string[] = [];
    const logger = createLogger('info', { write: (line: string) => void lines.push(line) });
    logger.error({ err: error, requestId: 'r1', path: ['constructionPermits'] }, 'resolver failed');
    logger.error(error as Error);
    // The request logger of pino-http (src/http/app.ts), which has an `err` serializer of its own.
    pinoHttp({ logger }).logger.error({ err: error }, 'bulk request failed');
    // A resolver's error as Apollo hands it on: a GraphQLError with the same message.
    logger.error(locatedError(error, undefined, ['constructionPermits']), 'resolver failed');
    const unique = new Error('a unique violation');
    Object.assign(unique, { detail: `Key (permit_no)=(${canary}) already exists.`, code: '23505' });
    logger.warn({ err: unique }, 'publish failed');

    expect(lines).toHaveLength(5);
    for (const line of lines) {
      expect(line).not.toContain(canary);
      expect(line).not.toContain('construction_permit"."issued_on" = $1');
    }
    const [first] = lines.map((line) => JSON.parse(line));
    expect(first).toMatchObject({
      requestId: 'r1',
      msg: 'resolver failed',
      err: { type: 'DrizzleQueryError' },
    });
    // What an operator needs stays: what failed, the SQLSTATE, where in the code.
    expect(first.err.message).toMatch(/Failed query.*invalid input syntax for type date: "…"/s);
    expect(first.err.stack).toMatch(/\n\s+at /);
    expect(JSON.parse(lines[4]).err).toMatchObject({ code: '23505', message: 'a unique violation' });
  });
});
