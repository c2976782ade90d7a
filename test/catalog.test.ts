import { readdirSync } from 'node:fs';
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

const HEADER = `# The resource-sharing catalogue (资源共享目录) as /graphql's \`catalog\` answers it, a file snapshot of
# test/catalog.test.ts (\`-u\` rewrites it): a dataset per unindented line (name, Chinese name, then owner, extra
# publishers, whether districts publish, update cycle, natural key, list field), then a field per indented line
# (name, type, sharing class, and the marks required, personal, mask:<rule>). A personal field declared without
# a class is PRIVATE. A diff here is a change of who may read what: review it as one.
`;

type Entry = Record<string, any>;

/** The catalogue in the snapshot's words, one line per dataset and per field. */
function catalogueText(catalogue: Entry[]): string {
  const lines = catalogue.flatMap((d) => [
    [
      d.name,
      d.zh,
      `owner=${d.owner}`,
      d.publishers.length ? `publishers=${d.publishers.join(',')}` : '',
      d.districtPublishers ? 'districtPublishers' : '',
      `cycle=${d.updateCycle}`,
      `key=${d.naturalKey.join(',')}`,
      `list=${d.queryField}`,
    ]
      .filter(Boolean)
      .join(' '),
    ...d.fields.map((f: Entry) => {
      const marks = [f.required && 'required', f.personal && 'personal', f.mask && `mask:${f.mask}`];
      return `  ${f.name.padEnd(25)} ${f.type.padEnd(10)} ${f.sharing.padEnd(11)} ${marks.filter(Boolean).join(' ')}`.trimEnd();
    }),
  ]);
  return `${HEADER}\n${lines.join('\n')}\n`;
}

/** The dataset declarations, one file each: the oracle of which datasets the catalogue lists. */
const declarationFiles = readdirSync(new URL('../src/catalog/datasets/', import.meta.url))
  .filter((file) => file.endsWith('.ts'))
  .map((file) => file.slice(0, -'.ts'.length));

describe('the catalogue', () => {
  it('lists every dataset with owner, publishers, cycle, methods and each field’s class and masking', async () => {
    const answers: Entry[][] = [];
    for (const principal of ['WATER', '110105', 'AUDITOR']) {
      const response = await hub.graphql(await hub.key(principal), CATALOG);
      expect(response.body.errors).toBeUndefined();
      answers.push(response.body.data.catalog);
    }
    const [catalogue, ...others] = answers;
    // the same catalogue for any caller
    for (const other of others) expect(other).toEqual(catalogue);
    // a dataset per declaration file, in the order the declarations give
    expect(catalogue.map((d) => d.name).sort()).toEqual(declarationFiles.toSorted());
    const positions = catalogue.map((d) => datasetByName(d.name)?.position ?? Number.NaN);
    expect(positions).toEqual(positions.toSorted((a, b) => a - b));
    expect(new Set(positions).size).toBe(positions.length);
    for (const d of catalogue) {
      expect(d.en).toBe(datasetByName(d.name)?.en);
      expect(d.sharingMethods).toEqual(['GRAPHQL_QUERY', 'CHANGE_FEED', 'BULK_EXPORT']);
      // Every dataset that districts publish says what they may write about.
      expect(d.publishingScope).toEqual(
        d.districtPublishers ? expect.stringMatching(/本区.* \/ A record qualifies when/) : null,
      );
      for (const f of d.fields) {
        expect([f.zh, f.en], `${d.name}.${f.name}`).toEqual([
          datasetByName(d.name)?.fields[f.name].zh,
          datasetByName(d.name)?.fields[f.name].en,
        ]);
        expect(f.maskDescription).toEqual(f.mask ? expect.stringMatching(/\S/) : null);
      }
    }
    await expect(catalogueText(catalogue)).toMatchFileSnapshot('./catalog/expected.txt');
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
