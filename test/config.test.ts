import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config.js';

const run = promisify(execFile);

describe('configuration', () => {
  it('has defaults for everything', () => {
    const config = loadConfig({});
    expect(config).toMatchObject({ databaseUrl: undefined, port: 4000, host: '127.0.0.1' });
    expect(config.dataDir).toMatch(/\/data$/);
  });

  it('reads the limits, in the units the README gives', () => {
    const config = loadConfig({
      JINGTU_MAX_COST: '1000',
      JINGTU_MAX_BODY: '512kb',
      JINGTU_RATE_LIMIT: '0',
      JINGTU_REQUEST_TIMEOUT: '5',
      JINGTU_STATEMENT_TIMEOUT: '0',
    });
    expect(config.limits).toMatchObject({
      query: { cost: 1000, depth: 10 },
      bodyBytes: 512 * 1024,
      ratePerMinute: 0,
      requestTimeoutMs: 5000,
    });
    expect(config.statementTimeoutMs).toBe(0);
  });

  it.each([
    [{ PORT: 'abc' }, /PORT="abc" must be a number/],
    [{ PORT: '70000' }, /PORT="70000" must be 0\.\.65535/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL="mysql:\/\/x" must be a postgres/],
    [{ HOST: 'bad host!' }, /HOST="bad host!" must be a host name/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud"/],
    [{ JINGTU_MAX_BODY: 'lots' }, /JINGTU_MAX_BODY="lots" must be a size such as 8mb/],
    [{ JINGTU_MAX_DEPTH: '0' }, /JINGTU_MAX_DEPTH="0" must be at least 1/],
    [{ JINGTU_RATE_LIMIT: '-5' }, /JINGTU_RATE_LIMIT="-5" must be at least 0/],
    [{ JINGTU_STATEMENT_TIMEOUT: '1.5' }, /JINGTU_STATEMENT_TIMEOUT="1.5" must be a whole number/],
    [{ JINGTU_AUDIT_RETENTION_DAYS: '90' }, /JINGTU_AUDIT_RETENTION_DAYS="90" must be at least 183/],
  ])('refuses %o with one clear line', (env, message) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(message);
  });

  it('stops `jingtu serve` on a bad value with one line and exit code 2', async () => {
    const failure = await run('node', ['bin/jingtu.js', 'serve'], {
      env: { ...process.env, PORT: 'abc', DATABASE_URL: '' },
    }).catch((error: { code: number; stderr: string; stdout: string }) => error);
    expect('code' in failure && failure.code).toBe(2);
    const lines = (failure as { stderr: string }).stderr.trim().split('\n');
    expect(lines).toEqual(['jingtu: invalid configuration: PORT="abc" must be a number']);
  });
});
