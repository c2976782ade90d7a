import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { EffectiveAccess } from '../src/access/effectiveAccess.js';
import type { Principal } from '../src/access/principal.js';
import { datasetByName } from '../src/catalog/registry.js';
import type { DatasetRow } from '../src/datasets/store.js';
import { demoRecords } from '../src/demo/rows.js';
import { PAGE_ROWS } from '../src/records/pages.js';
import type { Records } from '../src/records/records.js';
import { RecordView } from '../src/records/view.js';
import { type ExportFormat, exportDataset } from '../src/sync/export.js';

/**
 * An export's memory stays flat whatever the rows (issue 16; `npm run bench -- sync` measures it): the
 * records of a page are let go before any of its text leaves, and the text leaves in chunks that V8 does
 * not keep in its large-object space (128 KiB and more: 64 Ki characters of Chinese text). Pages that
 * were kept, and page-sized chunks, were promoted to the old generation one after the other and waited
 * for a full mark-compact: +165 MiB at 300k rows. Here the records service is a stand-in that hands out
 * generated pages of irrigation wells, as src/records/records.ts exportPages does.
 */

const dataset = datasetByName('irrigationWell') as NonNullable<ReturnType<typeof datasetByName>>;
const owner: Principal = {
  code: dataset.owner,
  kind: 'DEPARTMENT',
  nameZh: '水务局',
  nameEn: 'Water',
  keyId: 'test',
  capabilities: [],
};
/** V8's large-object size in two-byte characters, which no chunk may reach. */
const LARGE_STRING_CHARS = 64 * 1024;
const PAGES = 3;

function pagedRecords() {
  const templates = demoRecords().get(dataset.name) ?? [];
  const pages: DatasetRow[][] = [];
  /** What the records service finds of each page when the export asks for the next one. */
  const after: { length: number; emptied: boolean }[] = [];
  const records = {
    view: () => new RecordView(dataset, new EffectiveAccess(owner, [])),
    async *exportPages() {
      for (let page = 0; page < PAGES; page++) {
        const rows = Array.from({ length: PAGE_ROWS }, (_, i) => {
          const n = page * PAGE_ROWS + i;
          return {
            ...templates[n % templates.length],
            wellCode: `EXPORT-${n}`,
            sourceRecordId: `EXPORT-${n}`,
            version: 1,
            lastChangedAt: '2026-12-06T00:00:00.000Z',
            id: n + 1,
          } as DatasetRow;
        });
        pages.push(rows);
        yield rows;
        after.push({ length: rows.length, emptied: rows.every((row) => row === undefined) });
      }
    },
  } as unknown as Records;
  return { records, pages, after };
}

async function exportOf(format: ExportFormat) {
  const { records, pages, after } = pagedRecords();
  const chunks: string[] = [];
  for await (const chunk of exportDataset(records, dataset, format)) {
    // Whatever leaves, the page it came from holds no record any more.
    expect(pages.at(-1)?.every((row) => row === undefined)).toBe(true);
    chunks.push(chunk);
  }
  return { text: chunks.join(''), chunks, after };
}

const codes = Array.from({ length: PAGES * PAGE_ROWS }, (_, n) => `EXPORT-${n}`);

describe('export memory', () => {
  it.each(['ndjson', 'json', 'csv', 'geojson'] as const)(
    '%s: lets each page go before its text leaves, in chunks under the large-object size, every record once',
    async (format) => {
      const { text, chunks, after } = await exportOf(format);
      expect(Math.max(...chunks.map((chunk) => chunk.length))).toBeLessThan(LARGE_STRING_CHARS / 2);
      // Emptied, not shortened: the records service reads a page's length to know whether another follows.
      expect(after).toEqual(Array.from({ length: PAGES }, () => ({ length: PAGE_ROWS, emptied: true })));
      let read: string[];
      if (format === 'ndjson') {
        read = text
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line).wellCode);
      } else if (format === 'json') {
        read = JSON.parse(text).map((record: { wellCode: string }) => record.wellCode);
      } else if (format === 'csv') {
        read = (parse(text, { columns: true }) as { wellCode: string }[]).map((row) => row.wellCode);
      } else {
        read = JSON.parse(text).features.map(
          (feature: { properties: { wellCode: string } }) => feature.properties.wellCode,
        );
      }
      expect(read).toEqual(codes);
    },
  );
});
