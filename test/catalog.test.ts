import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { defineDataset } from '../src/catalog/define.js';
import { datasetByName } from '../src/catalog/registry.js';
import type { FieldDef } from '../src/catalog/types.js';
import { withTestHub } from './support/hub.js';

/** The resource-sharing catalogue (资源共享目录) over HTTP says what the declarations say, for any caller. */

const hub = withTestHub();

const CATALOG = `{ catalog {
  name zh en owner publishers districtPublishers publishingScope sharingMethods updateCycle naturalKey queryField
  fields { name zh en type required sharing personal mask maskDescription } } }`;

/** The catalogue written out from the declarations and DOMAIN.md (catalog/expected.txt says how). */
function expectedCatalogue() {
  const text = readFileSync(new URL('./catalog/expected.txt', import.meta.url), 'utf8');
  const catalogue: Record<string, unknown>[] = [];
  let fields: Record<string, unknown>[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const [name, ...words] = line.trim().split(/\s+/);
    if (line.startsWith(' ')) {
      const [type, sharing, ...marks] = words;
      const mask = marks.find((m) => m.startsWith('mask:'))?.slice(5) ?? null;
      // Labels are declared text: the catalogue shows them as declared.
      const declared = datasetByName(String(catalogue.at(-1)?.name))?.fields[name];
      fields.push({
        name,
        zh: declared?.zh,
        en: declared?.en,
        type,
        required: marks.includes('required'),
        sharing,
        personal: marks.includes('personal'),
        mask,
        maskDescription: mask ? expect.stringMatching(/\S/) : null,
      });
      continue;
    }
    const [zh, ...settings] = words;
    const set = new Map(settings.map((w) => [w.split('=')[0], w.split('=')[1] ?? '']));
    const list = (key: string) => set.get(key)?.split(',') ?? [];
    const districtPublishers = set.has('districtPublishers');
    fields = [];
    catalogue.push({
      name,
      zh,
      en: datasetByName(name)?.en,
      owner: set.get('owner'),
      publishers: list('publishers'),
      districtPublishers,
      // Every dataset that districts publish says what they may write about.
      publishingScope: districtPublishers ? expect.stringMatching(/本区.* \/ A record qualifies when/) : null,
      sharingMethods: ['GRAPHQL_QUERY', 'CHANGE_FEED', 'BULK_EXPORT'],
      updateCycle: set.get('cycle'),
      naturalKey: list('key'),
      queryField: set.get('list'),
      fields,
    });
  }
  return catalogue;
}

describe('the catalogue', () => {
  it('lists every dataset with owner, publishers, cycle, methods and each field’s class and masking', async () => {
    const expected = expectedCatalogue();
    expect(expected).toHaveLength(13);
    for (const principal of ['WATER', '110105', 'AUDITOR']) {
      const response = await hub.graphql(await hub.key(principal), CATALOG);
      expect(response.body.errors).toBeUndefined();
      expect(response.body.data.catalog, principal).toEqual(expected);
    }
  });
});

describe('a declaration', () => {
  const declare = (field: Partial<FieldDef>) =>
    defineDataset({
      name: 'declarationCheck',
      names: { type: 'DeclarationCheck', one: 'declarationCheck', many: 'declarationChecks' },
      table: 'declaration_check',
      zh: '声明检查',
      en: 'Declaration check',
      owner: 'ECOLOGY',
      updateCycle: 'P1D',
      key: ['code'],
      fields: {
        code: { type: 'text', zh: '编码', en: 'Code', required: true },
        contact: { type: 'text', zh: '联系人', en: 'Contact', personal: true, ...field } as FieldDef,
      },
    });

  it.each([
    ['OPEN', { sharing: 'OPEN' }],
    ['CONDITIONAL', { sharing: 'CONDITIONAL' }],
  ] as const)('that shares personal data %s without a masking rule is refused', (_class, field) => {
    expect(() => declare(field)).toThrow(
      'dataset declarationCheck: personal field contact is shared but has no masking rule',
    );
  });

  it.each([
    ['PRIVATE by default', {}],
    ['shared masked', { sharing: 'OPEN', mask: 'name' }],
  ] as const)('that keeps personal data %s is accepted', (_case, field) => {
    expect(() => declare(field)).not.toThrow();
  });
});
