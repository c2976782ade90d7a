import { isIP } from 'node:net';
import { resolve } from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

/**
 * The hub's settings, read from the environment. A leaf: it imports nothing of the hub's, so every module
 * may read its types and defaults (what it checks against the catalogue, the caller hands it).
 */

/**
 * Limits on the shape and size of a GraphQL document, checked before anything runs (src/http/limits.ts):
 * tokens while parsing, depth, aliases and directives while validating, cost once the operation and its
 * variables are known.
 */
export interface QueryLimits {
  /** Levels of nested selections (fragments flattened: the depth of the response). */
  depth: number;
  /** Aliased fields in an operation, through its fragments. */
  aliases: number;
  /** Lexical tokens of the document (names, punctuation, values; not comments). */
  tokens: number;
  /** Directives (`@include`, `@skip`) in an operation, through its fragments. */
  directives: number;
  /** Estimated cost (see `pageSizeEstimator` in src/http/limits.ts). */
  cost: number;
}

/** Limits on one bulk upload: size and pace (how they are applied: src/http/uploadLimits.ts). */
export interface UploadLimits {
  /** Largest body, in bytes once inflated. */
  maxBytes: number;
  /** Largest ratio of inflated to compressed bytes of a gzip or deflate body. */
  maxExpansion: number;
  /** Longest wait for the next bytes of a body, in milliseconds; also the grace before the rate counts. */
  idleTimeoutMs: number;
  /** Slowest average pace of a body, in (compressed) bytes per second of waiting; 0: no minimum. */
  minBytesPerSecond: number;
}

/** Limits on what one request may ask (README, "Hardening"). */
export interface HubLimits {
  query: QueryLimits;
  /** Largest /graphql request body, in bytes (the bulk endpoints stream and have none). */
  bodyBytes: number;
  /** Requests per principal per minute, per hub process; 0 turns the limit off. */
  ratePerMinute: number;
  /** Requests without a valid key per client address per minute, per hub process; 0 turns the limit off. */
  anonymousPerMinute: number;
  /** Requests to the public surface (/public) per client address per minute, per hub process; 0: no limit. */
  publicPerMinute?: number;
  /** Time for a /graphql request to arrive and be answered, in milliseconds. */
  requestTimeoutMs: number;
  /** Size and pace of one bulk upload (src/http/uploadLimits.ts). */
  upload: UploadLimits;
  /** Publishes running at once in this process, HTTP and GraphQL (src/sync/publishSlots.ts). */
  publishes: number;
}

export const DEFAULT_LIMITS: HubLimits = {
  query: { depth: 10, aliases: 256, tokens: 5000, directives: 200, cost: 500_000 },
  bodyBytes: 8 * 1024 * 1024,
  ratePerMinute: 1200,
  anonymousPerMinute: 60,
  publicPerMinute: 120,
  requestTimeoutMs: 30_000,
  upload: {
    maxBytes: 1024 * 1024 * 1024,
    // Department exports gzip 10–40× (generated permits, wells, pesticide rows); a gzip bomb ~1000×.
    maxExpansion: 200,
    idleTimeoutMs: 60_000,
    minBytesPerSecond: 64 * 1024,
  },
  // Half the default pool of 10: the queries keep the other half.
  publishes: 5,
};

/** Longest a database statement may run on a server, in milliseconds (0: no limit). */
export const DEFAULT_STATEMENT_TIMEOUT_MS = 15_000;

/** The Cybersecurity Law keeps network logs at least 6 months; the hub keeps them 186 days unless told. */
export const DEFAULT_AUDIT_RETENTION_DAYS = 186;

/** One pull job: copy a dataset's changes from another hub (county → city → province) on a schedule. */
export interface PullJobConfig {
  /** Unique name: the job's queue, its cursor row and its batch keys are named after it. */
  name: string;
  /** Base URL of the remote hub (its /graphql answers the same protocol). */
  url: string;
  /** API key on the remote hub; it must read every field of the dataset in clear. */
  key: string;
  dataset: string;
  /** Cron expression (5 fields, China Standard Time), e.g. `*\/15 * * * *`. */
  every: string;
  /** Local principal code that publishes the pulled rows (an owner or publisher of the dataset). */
  publishAs: string;
}

/** What the settings are checked against that only the caller knows: the catalogue's dataset names. */
export interface Known {
  datasets: readonly string[];
}

const text = (hint: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : hint) });

const CRON_FIELD = String.raw`[\d*/,A-Za-z?LW#-]+`;
const CRON = new RegExp(`^\\s*${CRON_FIELD}(\\s+${CRON_FIELD}){4}\\s*$`);

function pullJob(known: Known | undefined) {
  const datasets = new Set(known?.datasets);
  return z.strictObject(
    {
      name: text('must be text').regex(/^[A-Za-z0-9_-]{1,60}$/, 'must be 1-60 letters, digits, "_" or "-"'),
      url: text('must be text').regex(
        /^https?:\/\/[^\s/]+\S*$/,
        'must be the http(s):// URL of the remote hub',
      ),
      key: text('must be text').min(1, "must be the remote hub's API key"),
      dataset: text('must be text').refine((name) => !known || datasets.has(name), {
        error: 'must be a dataset id of the catalogue (e.g. constructionPermit)',
      }),
      every: text('must be text').regex(CRON, 'must be a cron expression of 5 fields, e.g. "*/15 * * * *"'),
      publishAs: text('must be text').regex(
        /^[A-Z0-9_]{1,40}$/,
        'must be a principal code (e.g. PLANNING, 110105)',
      ),
    },
    {
      error: (issue) =>
        issue.code === 'unrecognized_keys'
          ? `has unknown fields ${issue.keys.join(', ')} (a pull job has name, url, key, dataset, every, publishAs)`
          : 'must be an object { name, url, key, dataset, every, publishAs }',
    },
  );
}

/**
 * JINGTU_PULL_JOBS: a JSON array of pull jobs with unique names. Its errors name the entry and field, never
 * the value (it holds API keys): `JINGTU_PULL_JOBS[0].every must be …`.
 */
function pullJobsSetting(known: Known | undefined) {
  return z
    .string()
    .transform((json, ctx) => {
      try {
        return JSON.parse(json) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of pull jobs' });
        return z.NEVER;
      }
    })
    .pipe(
      z.array(pullJob(known), { error: 'must be a JSON array of pull jobs' }).superRefine((jobs, ctx) => {
        const seen = new Set<string>();
        jobs.forEach((job, index) => {
          if (seen.has(job.name)) {
            ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `repeats the name ${job.name}` });
          }
          seen.add(job.name);
        });
      }),
    );
}

const wholeNumber = (fallback: number, min = 1) =>
  z.coerce
    .number({ error: 'must be a number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .default(fallback);

const SIZE = /^(\d+)\s*(kb|mb|gb)?$/i;
const UNITS: Record<string, number> = { '': 1, kb: 1024, mb: 1024 * 1024, gb: 1024 * 1024 * 1024 };
const sizeOf = (text: string) => {
  const [, digits, unit = ''] = text.match(SIZE) as RegExpMatchArray;
  return Number(digits) * UNITS[unit.toLowerCase()];
};
const bytes = z
  .string()
  .regex(SIZE, 'must be a size such as 8mb, 512kb or 1000000')
  .transform(sizeOf)
  .refine((value) => value >= 1024, 'must be at least 1kb');
/** Bytes per second, `0` for none. */
const rate = z
  .string()
  .regex(SIZE, 'must be a size per second such as 64kb, or 0 for none')
  .transform(sizeOf);

/** The proxy presets Express's `trust proxy` knows by name. */
const PROXY_PRESETS = new Set(['loopback', 'linklocal', 'uniquelocal']);

/** Whether an entry is an IP address, a CIDR subnet or one of Express's presets. */
function proxyEntry(entry: string): boolean {
  if (PROXY_PRESETS.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}

/** A comma-separated list (blanks around entries ignored) whose every entry passes `valid`. */
const commaList = (valid: (entry: string) => boolean, message: string) =>
  z
    .string()
    .transform((text) =>
      text
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .refine((entries) => entries.every(valid), message);

/** Comma-separated proxy addresses and subnets (Express's `trust proxy`), for example `10.0.0.5, 10.1.0.0/16`. */
const proxies = commaList(
  proxyEntry,
  'must be IP addresses or subnets (10.0.0.5, 10.1.0.0/16, fd00::/8) or loopback, linklocal, uniquelocal, separated by commas',
);

/**
 * Comma-separated addresses and subnets (src/networks.ts): those alert webhooks may reach beyond public ones
 * (src/supervision/webhookTargets.ts), those /metrics answers beyond loopback (src/http/metricsAccess.ts).
 */
const networks = commaList(
  (entry) => ipaddr.isValid(entry) || ipaddr.isValidCIDR(entry),
  'must be IP addresses or subnets (10.20.0.0/16, 192.168.1.10, fd00::/8), separated by commas',
);

/** Who may read /metrics besides loopback, and whether the hub keeps metrics at all (README, "Metrics"). */
export interface MetricsConfig {
  /** false: no metrics are kept and /metrics is not there (JINGTU_METRICS=off). */
  enabled: boolean;
  /** Client addresses and subnets that may read /metrics (JINGTU_METRICS_NETWORKS). */
  networks: string[];
  /** The key that opens /metrics from anywhere (`Authorization: Bearer <key>`; JINGTU_METRICS_KEY). */
  key?: string;
}

/** Single sign-on for analysts by OpenID Connect (README, "Single sign-on"); off without an issuer. */
export interface SsoConfig {
  /** The identity provider's issuer identifier (its discovery document is at /.well-known/openid-configuration). */
  issuer: string;
  clientId: string;
  /** The client's secret; none: a public client, protected by PKCE alone. */
  clientSecret?: string;
  /** The hub's /auth/callback URL, as registered at the identity provider. */
  redirectUri: string;
  /** The claim that names the analyst's department or district (a string, or an array of strings). */
  claim: string;
  /** Claim values to principal codes; without it, the claim's value is the principal's code. */
  principals?: Record<string, string>;
  /** How long a session's key works. */
  sessionHours: number;
}

export const DEFAULT_SSO_CLAIM = 'jingtu_principal';
export const DEFAULT_SSO_SESSION_HOURS = 8;
/** A working day and a half at most: a session is not a system's key. */
export const MAX_SSO_SESSION_HOURS = 36;

/** Whether a URL's host is this machine (an http issuer is allowed only there: a test's provider). */
export function isLoopbackUrl(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || (ipaddr.isValid(host) && ipaddr.parse(host).range() === 'loopback');
}

const httpsUrl = (what: string) =>
  z.string().refine((text) => {
    try {
      const url = new URL(text);
      return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackUrl(url));
    } catch {
      return false;
    }
  }, `must be ${what}, an https:// URL (http:// only on loopback)`);

const PRINCIPAL_CODE = /^[A-Z0-9_]{1,40}$/;

/** `value=CODE, value2=CODE2`: claim values to principal codes. */
const claimPrincipals = z.string().transform((text, ctx) => {
  const map: Record<string, string> = {};
  for (const entry of text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    const [value, code, ...rest] = entry.split('=').map((part) => part.trim());
    if (!value || !code || rest.length || !PRINCIPAL_CODE.test(code) || value.length > 200) {
      ctx.addIssue({
        code: 'custom',
        message:
          'must be claim values and principal codes, value=CODE, separated by commas (e.g. ghj=PLANNING,cy=110105)',
      });
      return z.NEVER;
    }
    map[value] = code;
  }
  return map;
});

/** The settings whose values never appear in an error (they are secrets): only what is wrong with them. */
const SECRET_SETTINGS = new Set(['JINGTU_METRICS_KEY', 'JINGTU_OIDC_CLIENT_SECRET']);

/** Configuration comes from the environment only, validated once at start. */
const environment = (known: Known | undefined) =>
  z
    .object({
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
      JINGTU_JIT: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
      JINGTU_PULL_JOBS: pullJobsSetting(known).default([]),
      JINGTU_MAX_DEPTH: wholeNumber(DEFAULT_LIMITS.query.depth),
      JINGTU_MAX_ALIASES: wholeNumber(DEFAULT_LIMITS.query.aliases, 0),
      JINGTU_MAX_TOKENS: wholeNumber(DEFAULT_LIMITS.query.tokens, 100),
      JINGTU_MAX_DIRECTIVES: wholeNumber(DEFAULT_LIMITS.query.directives, 0),
      JINGTU_MAX_COST: wholeNumber(DEFAULT_LIMITS.query.cost, 100),
      JINGTU_MAX_BODY: bytes.optional(),
      JINGTU_RATE_LIMIT: wholeNumber(DEFAULT_LIMITS.ratePerMinute, 0),
      JINGTU_ANONYMOUS_RATE_LIMIT: wholeNumber(DEFAULT_LIMITS.anonymousPerMinute, 0),
      JINGTU_PUBLIC_RATE_LIMIT: wholeNumber(DEFAULT_LIMITS.publicPerMinute ?? 0, 0),
      JINGTU_TRUSTED_PROXIES: proxies.default([]),
      JINGTU_WEBHOOK_NETWORKS: networks.default([]),
      JINGTU_METRICS: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
      JINGTU_METRICS_NETWORKS: networks.default([]),
      JINGTU_METRICS_KEY: z
        .string()
        .regex(/^[\x21-\x7e]{16,256}$/, 'must be 16 to 256 printable characters without spaces')
        .optional(),
      JINGTU_REQUEST_TIMEOUT: wholeNumber(DEFAULT_LIMITS.requestTimeoutMs / 1000),
      JINGTU_STATEMENT_TIMEOUT: wholeNumber(DEFAULT_STATEMENT_TIMEOUT_MS / 1000, 0),
      JINGTU_MAX_UPLOAD: bytes.optional(),
      JINGTU_MAX_EXPANSION: wholeNumber(DEFAULT_LIMITS.upload.maxExpansion, 2),
      JINGTU_UPLOAD_IDLE_TIMEOUT: wholeNumber(DEFAULT_LIMITS.upload.idleTimeoutMs / 1000),
      JINGTU_UPLOAD_MIN_RATE: rate.optional(),
      // Without it, half of JINGTU_DB_POOL.
      JINGTU_MAX_PUBLISHES: z.coerce
        .number({ error: 'must be a number' })
        .int('must be a whole number')
        .min(1, 'must be at least 1')
        .optional(),
      // the Cybersecurity Law keeps network logs at least 6 months
      JINGTU_AUDIT_RETENTION_DAYS: wholeNumber(DEFAULT_AUDIT_RETENTION_DAYS, 183),
      JINGTU_OIDC_ISSUER: httpsUrl("the identity provider's issuer").optional(),
      JINGTU_OIDC_CLIENT_ID: z
        .string()
        .regex(/^[\x21-\x7e]{1,200}$/, 'must be 1 to 200 printable characters')
        .optional(),
      JINGTU_OIDC_CLIENT_SECRET: z
        .string()
        .regex(/^[\x21-\x7e]{1,500}$/, 'must be 1 to 500 printable characters without spaces')
        .optional(),
      JINGTU_OIDC_REDIRECT_URI: httpsUrl("the hub's /auth/callback URL")
        .refine((text) => URL.canParse(text) && new URL(text).pathname.endsWith('/auth/callback'), {
          error: "must end with /auth/callback (the hub's callback, as registered at the identity provider)",
        })
        .optional(),
      JINGTU_OIDC_CLAIM: z
        .string()
        .regex(/^[\w.:/-]{1,100}$/, 'must be a claim name (letters, digits, _ . : / -)')
        .default(DEFAULT_SSO_CLAIM),
      JINGTU_OIDC_PRINCIPALS: claimPrincipals.optional(),
      JINGTU_OIDC_SESSION_HOURS: wholeNumber(DEFAULT_SSO_SESSION_HOURS).pipe(
        z.number().max(MAX_SSO_SESSION_HOURS, `must be at most ${MAX_SSO_SESSION_HOURS}`),
      ),
    })
    .superRefine((values, ctx) => {
      // An issuer needs its client; the other settings without an issuer would be silently off.
      const oidc = ['JINGTU_OIDC_CLIENT_ID', 'JINGTU_OIDC_REDIRECT_URI'] as const;
      if (values.JINGTU_OIDC_ISSUER) {
        for (const name of oidc) {
          if (!values[name])
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'is required when JINGTU_OIDC_ISSUER is set',
            });
        }
      } else {
        for (const name of [...oidc, 'JINGTU_OIDC_CLIENT_SECRET', 'JINGTU_OIDC_PRINCIPALS'] as const) {
          if (values[name])
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: 'needs JINGTU_OIDC_ISSUER (single sign-on is off without it)',
            });
        }
      }
    });

export interface Config {
  /** Days audit records are kept (at least 183). */
  auditRetentionDays?: number;
  /** Connection URL of a PostgreSQL server; undefined means embedded PGlite. */
  databaseUrl: string | undefined;
  /** Folder of the embedded database. */
  dataDir: string;
  port: number;
  host: string;
  logLevel: z.infer<ReturnType<typeof environment>>['LOG_LEVEL'];
  poolSize: number;
  /** Run the scheduled jobs (pg-boss) in this process (default true). */
  jobs?: boolean;
  /** Pull jobs from other hubs (JINGTU_PULL_JOBS). */
  pullJobs?: PullJobConfig[];
  /** Queries run compiled by graphql-jit (default true; JINGTU_JIT=off: graphql-js runs them all). */
  jit?: boolean;
  /** Query, body, rate and time limits (DEFAULT_LIMITS when absent). */
  limits?: HubLimits;
  /** Reverse proxies whose X-Forwarded-For names the client (none when absent: the peer is the client). */
  trustedProxies?: string[];
  /** Networks alert webhooks may reach beyond public addresses (JINGTU_WEBHOOK_NETWORKS; none when absent). */
  webhookNetworks?: string[];
  /** Metrics and who may read them (on, loopback only, when absent). */
  metrics?: MetricsConfig;
  /** statement_timeout of the hub's server connections (DEFAULT_STATEMENT_TIMEOUT_MS when absent). */
  statementTimeoutMs?: number;
  /** Single sign-on for analysts (JINGTU_OIDC_*); off when absent. */
  sso?: SsoConfig;
}

export class ConfigError extends Error {}

/**
 * Reads and validates the environment; a bad value throws a ConfigError with one readable line. Pull jobs'
 * datasets are checked against `known.datasets` when it is given (the hub's start gives the catalogue's).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, known?: Known): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = environment(known).safeParse(cleaned);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const [variable, ...inner] = issue.path.map(String);
      // Pull jobs hold API keys: name the offending entry, never echo the value.
      if (variable === 'JINGTU_PULL_JOBS') {
        const where = inner.map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`)).join('');
        return `${variable}${where} ${issue.message}`;
      }
      const name = issue.path.join('.');
      if (SECRET_SETTINGS.has(name)) return `${name} ${issue.message}`;
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
    jit: values.JINGTU_JIT === 'on',
    pullJobs: values.JINGTU_PULL_JOBS,
    limits: {
      query: {
        depth: values.JINGTU_MAX_DEPTH,
        aliases: values.JINGTU_MAX_ALIASES,
        tokens: values.JINGTU_MAX_TOKENS,
        directives: values.JINGTU_MAX_DIRECTIVES,
        cost: values.JINGTU_MAX_COST,
      },
      bodyBytes: values.JINGTU_MAX_BODY ?? DEFAULT_LIMITS.bodyBytes,
      ratePerMinute: values.JINGTU_RATE_LIMIT,
      anonymousPerMinute: values.JINGTU_ANONYMOUS_RATE_LIMIT,
      publicPerMinute: values.JINGTU_PUBLIC_RATE_LIMIT,
      requestTimeoutMs: values.JINGTU_REQUEST_TIMEOUT * 1000,
      upload: {
        maxBytes: values.JINGTU_MAX_UPLOAD ?? DEFAULT_LIMITS.upload.maxBytes,
        maxExpansion: values.JINGTU_MAX_EXPANSION,
        idleTimeoutMs: values.JINGTU_UPLOAD_IDLE_TIMEOUT * 1000,
        minBytesPerSecond: values.JINGTU_UPLOAD_MIN_RATE ?? DEFAULT_LIMITS.upload.minBytesPerSecond,
      },
      publishes: values.JINGTU_MAX_PUBLISHES ?? Math.max(1, Math.floor(values.JINGTU_DB_POOL / 2)),
    },
    trustedProxies: values.JINGTU_TRUSTED_PROXIES,
    webhookNetworks: values.JINGTU_WEBHOOK_NETWORKS,
    metrics: {
      enabled: values.JINGTU_METRICS === 'on',
      networks: values.JINGTU_METRICS_NETWORKS,
      key: values.JINGTU_METRICS_KEY,
    },
    statementTimeoutMs: values.JINGTU_STATEMENT_TIMEOUT * 1000,
    auditRetentionDays: values.JINGTU_AUDIT_RETENTION_DAYS,
    sso:
      values.JINGTU_OIDC_ISSUER && values.JINGTU_OIDC_CLIENT_ID && values.JINGTU_OIDC_REDIRECT_URI
        ? {
            issuer: values.JINGTU_OIDC_ISSUER,
            clientId: values.JINGTU_OIDC_CLIENT_ID,
            clientSecret: values.JINGTU_OIDC_CLIENT_SECRET,
            redirectUri: values.JINGTU_OIDC_REDIRECT_URI,
            claim: values.JINGTU_OIDC_CLAIM,
            principals: values.JINGTU_OIDC_PRINCIPALS,
            sessionHours: values.JINGTU_OIDC_SESSION_HOURS,
          }
        : undefined,
  };
}
