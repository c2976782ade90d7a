import { z } from 'zod';
import { datasetByName } from '../catalog/registry.js';

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

const text = (hint: string) =>
  z.string({ error: (issue) => (issue.input === undefined ? 'is required' : hint) });

const CRON_FIELD = String.raw`[\d*/,A-Za-z?LW#-]+`;
const CRON = new RegExp(`^\\s*${CRON_FIELD}(\\s+${CRON_FIELD}){4}\\s*$`);

const pullJob = z.strictObject(
  {
    name: text('must be text').regex(/^[A-Za-z0-9_-]{1,60}$/, 'must be 1-60 letters, digits, "_" or "-"'),
    url: text('must be text').regex(
      /^https?:\/\/[^\s/]+\S*$/,
      'must be the http(s):// URL of the remote hub',
    ),
    key: text('must be text').min(1, "must be the remote hub's API key"),
    dataset: text('must be text').refine((name) => datasetByName(name) !== undefined, {
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

/**
 * JINGTU_PULL_JOBS: a JSON array of pull jobs with unique names. Its errors name the entry and field, never
 * the value (it holds API keys); src/config.ts prints them as `JINGTU_PULL_JOBS[0].every must be …`.
 */
export const pullJobsSetting = z
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
    z.array(pullJob, { error: 'must be a JSON array of pull jobs' }).superRefine((jobs, ctx) => {
      const seen = new Set<string>();
      jobs.forEach((job, index) => {
        if (seen.has(job.name)) {
          ctx.addIssue({ code: 'custom', path: [index, 'name'], message: `repeats the name ${job.name}` });
        }
        seen.add(job.name);
      });
    }),
  );
