import { resolve } from 'node:path';
import { z } from 'zod';
import { type PullJobConfig, pullJobsSetting } from './jobs/settings.js';

/** Configuration comes from the environment only, validated once at start. */
const environment = z.object({
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\/\S+$/, 'must be a postgres:// or postgresql:// connection URL')
    .optional(),
  JINGTU_DATA_DIR: z.string().min(1, 'must not be empty').default('./data'),
  PORT: z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(0, 'must be 0..65535')
    .max(65535, 'must be 0..65535')
    .default(4000),
  HOST: z
    .string()
    .regex(/^[\w.:[\]-]+$/, 'must be a host name or IP address')
    .default('127.0.0.1'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  JINGTU_DB_POOL: z.coerce.number().int().min(1).max(100).default(10),
  JINGTU_JOBS: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  JINGTU_PULL_JOBS: pullJobsSetting.default([]),
});

export interface Config {
  /** Connection URL of a PostgreSQL server; undefined means embedded PGlite. */
  databaseUrl: string | undefined;
  /** Folder of the embedded database. */
  dataDir: string;
  port: number;
  host: string;
  logLevel: z.infer<typeof environment>['LOG_LEVEL'];
  poolSize: number;
  /** Run the scheduled jobs (pg-boss) in this process (default true). */
  jobs?: boolean;
  /** Pull jobs from other hubs (JINGTU_PULL_JOBS). */
  pullJobs?: PullJobConfig[];
}

export class ConfigError extends Error {}

/** Reads and validates the environment; a bad value throws a ConfigError with one readable line. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environment.safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [variable, ...inner] = issue.path.map(String);
      // Pull jobs hold API keys: name the offending entry, never echo the value.
      if (variable === 'JINGTU_PULL_JOBS') {
        const where = inner.map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('');
        return `${variable}${where} ${issue.message}`;
      }
      const name = issue.path.join('.');
      return `${name}=${JSON.stringify(env[name] ?? '')} ${issue.message}`;
    });
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  const values = parsed.data;
  return {
    databaseUrl: values.DATABASE_URL,
    dataDir: resolve(values.JINGTU_DATA_DIR),
    port: values.PORT,
    host: values.HOST,
    logLevel: values.LOG_LEVEL,
    poolSize: values.JINGTU_DB_POOL,
    jobs: values.JINGTU_JOBS === 'on',
    pullJobs: values.JINGTU_PULL_JOBS,
  };
}
