import { describe, expect, it } from 'vitest';
import { sharingOf } from '../src/catalog/define.js';
import { datasets } from '../src/catalog/registry.js';
import { withTestHub } from './support/hub.js';

/** The resource-sharing catalogue (资源共享目录) over HTTP says what the declarations say, for any caller. */

const hub = withTestHub();

const CATALOG = `{ catalog {
  name zh en owner publishers districtPublishers publishingScope sharingMethods updateCycle naturalKey queryField
  fields { name zh en type required sharing personal mask maskDescription } } }`;

describe('the catalogue', () => {
  it('lists every dataset with owner, publishers, cycle, methods and each field’s class and masking', async () => {
    for (const principal of ['WATER', '110105', 'AUDITOR']) {
      const response = await hub.graphql(await hub.key(principal), CATALOG);
      expect(response.body.errors).toBeUndefined();
      const expected = datasets.map((d) => ({
        name: d.name,
        zh: d.zh,
        en: d.en,
        owner: d.owner,
        publishers: [...(d.publishers ?? [])],
        districtPublishers: d.districtPublishers ?? false,
        // Every dataset that districts publish says what they may write about.
        publishingScope: d.districtPublishers
          ? expect.stringMatching(/本区.* \/ A record qualifies when/)
          : null,
        sharingMethods: ['GRAPHQL_QUERY', 'CHANGE_FEED', 'BULK_EXPORT'],
        updateCycle: d.updateCycle,
        naturalKey: [...d.key],
        queryField: d.names.many,
        fields: Object.entries(d.fields).map(([name, f]) => ({
          name,
          zh: f.zh,
          en: f.en,
          type: f.type,
          required: f.required ?? false,
          sharing: sharingOf(f),
          personal: f.personal ?? false,
          mask: f.mask ?? null,
          maskDescription: f.mask ? expect.stringMatching(/\S/) : null,
        })),
      }));
      expect(response.body.data.catalog, principal).toEqual(expected);
    }
  });

  it('declares personal data PRIVATE unless it is shared masked', async () => {
    const response = await hub.graphql(await hub.key('HOUSING'), CATALOG);
    const personal = response.body.data.catalog.flatMap(
      (d: {
        name: string;
        fields: { name: string; personal: boolean; sharing: string; mask: string | null }[];
      }) => d.fields.filter((f) => f.personal).map((f) => ({ ...f, dataset: d.name })),
    );
    expect(personal.length).toBeGreaterThan(5);
    for (const field of personal) {
      expect(field.sharing === 'PRIVATE' || field.mask !== null, `${field.dataset}.${field.name}`).toBe(true);
    }
  });
});
