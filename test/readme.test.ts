import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../src/demo/seed.js';
import { demoStories } from '../src/demo/stories.js';
import { withTestHub } from './support/hub.js';

const hub = withTestHub();
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const examples = [...readme.matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]);
let key: string;

beforeAll(async () => {
  await seedDemo(hub.database.db, { skipWhen: 'demoRows' });
  key = await hub.key('ECOLOGY');
}, 120_000);

describe('README', () => {
  it('has example queries', () => {
    expect(examples.length).toBeGreaterThanOrEqual(2);
  });

  it.each(examples.map((query, i) => [i + 1, query]))(
    'example %i runs on the demo data',
    async (_i, query) => {
      const response = await hub.graphql(key, query as string);
      expect(response.body.errors).toBeUndefined();
      for (const value of Object.values(response.body.data as Record<string, unknown>)) {
        expect(value).not.toBeNull();
        if (value && typeof value === 'object' && 'totalCount' in value)
          expect(value.totalCount).toBeGreaterThan(0);
      }
    },
  );

  it('tells the story it quotes: a rezoned plot on a listed contaminated site', async () => {
    const story = demoStories().rezonedRegisterSites.find((r) => r.parcelCode === 'FS00-0608-0018');
    expect(story).toMatchObject({ siteCode: 'BJML-110111-064', siteStatus: 'LISTED' });
    const response = await hub.graphql(
      key,
      '{ landUseChange(parcelCode: "FS00-0608-0018") { district overlappingRegisterSites { siteCode status } } }',
    );
    expect(response.body.data.landUseChange.district).toBe('110111');
    expect(response.body.data.landUseChange.overlappingRegisterSites).toContainEqual({
      siteCode: 'BJML-110111-064',
      status: 'LISTED',
    });
  });
});
