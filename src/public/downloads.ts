import { createHash } from 'node:crypto';
import { type AnyColumn, getTableColumns, sql } from 'drizzle-orm';
import type { Request, Response } from 'express';
import type { Dataset } from '../catalog/define.js';
import type { Db } from '../db/connection.js';
import { badInput, userError } from '../errors.js';
import { streamOut } from '../http/bulk.js';
import type { Records } from '../records/records.js';
import { EXPORT_FORMATS, type ExportFormat, exportDataset } from '../sync/export.js';
import { publicDataset, publicFieldsOf } from './catalog.js';

/** The download formats of a public dataset, by the extension its file name ends with. */
export const DOWNLOAD_FORMATS = ['json', 'csv', 'geojson'] as const satisfies readonly ExportFormat[];
export type DownloadFormat = (typeof DOWNLOAD_FORMATS)[number];

/** How long a client or a shared cache may keep a download or an answer before asking again (ETag). */
export const PUBLIC_MAX_AGE_SECONDS = 60;
export const PUBLIC_CACHE_CONTROL = `public, max-age=${PUBLIC_MAX_AGE_SECONDS}`;

/** The formats a dataset is offered in: GeoJSON only when its geometry is PUBLIC. */
export function formatsOf(dataset: Dataset): DownloadFormat[] {
  const geometry = dataset.geometryField;
  const hasGeometry = geometry !== undefined && publicFieldsOf(dataset).includes(geometry);
  return DOWNLOAD_FORMATS.filter((format) => format !== 'geojson' || hasGeometry);
}

const FILE = /^([A-Za-z][A-Za-z0-9]{0,63})\.([a-z]{1,10})$/;

/** The dataset and format a file name (`contaminatedSite.csv`) names, or NOT_FOUND / BAD_USER_INPUT. */
export function downloadOf(file: string): { dataset: Dataset; format: DownloadFormat } {
  const match = FILE.exec(file);
  const dataset = match ? publicDataset(match[1]) : undefined;
  if (!match || !dataset) {
    throw userError(
      'NOT_FOUND',
      '没有该公开数据 / No such public download: see /public/ for the list (e.g. /public/contaminatedSite.csv)',
    );
  }
  const format = match[2] as DownloadFormat;
  if (!formatsOf(dataset).includes(format)) {
    throw badInput(
      `${dataset.name} 可下载格式为 ${formatsOf(dataset).join('、')} / ${dataset.name} downloads as ${formatsOf(dataset).join(', ')}`,
    );
  }
  return { dataset, format };
}

/**
 * What a download's bytes depend on, so that its ETag changes when they may and only then: a digest of the
 * PUBLIC fields of the live records (a change to a field the public cannot read leaves it alone, so the tag
 * tells nothing of it), the PUBLIC fields it discloses, and the format. One scan of the public columns.
 */
export async function downloadTag(db: Db, dataset: Dataset, format: DownloadFormat): Promise<string> {
  const columns = getTableColumns(dataset.drizzle) as Record<string, AnyColumn>;
  const values = sql.join(
    publicFieldsOf(dataset).map((field) => sql`${columns[field]}`),
    sql`, `,
  );
  const [{ digest }] = (await db.execute(
    sql`select md5(coalesce(string_agg(md5(row(${values})::text), '' order by ${columns.id}), '')) as digest
        from ${dataset.drizzle} where not ${columns.deleted}`,
  )) as unknown as { digest: string }[];
  const fingerprint = createHash('sha256')
    .update(`${format}\n${publicFieldsOf(dataset).join('\n')}\n${digest}`)
    .digest('base64url')
    .slice(0, 16);
  return `"${dataset.name}-${fingerprint}"`;
}

/** Whether an If-None-Match header names the tag (weak comparison, `*` matches any). */
export function notModified(header: string | null | undefined, tag: string): boolean {
  if (!header) return false;
  const opaque = tag.replace(/^W\//, '');
  return header.split(',').some((given) => {
    const candidate = given.trim().replace(/^W\//, '');
    return candidate === '*' || candidate === opaque;
  });
}

/**
 * Sends a public dataset's file: 304 when the client's copy is current, else its PUBLIC fields streamed a
 * page at a time (src/sync/export.ts) without provenance; CSV with a byte-order mark, which Excel needs to
 * read Chinese. Returns the outcome it counts.
 */
export async function sendDownload(
  req: Request,
  res: Response,
  db: Db,
  records: Records,
  dataset: Dataset,
  format: DownloadFormat,
): Promise<'OK' | 'NOT_MODIFIED'> {
  const tag = await downloadTag(db, dataset, format);
  res.setHeader('etag', tag);
  res.setHeader('cache-control', PUBLIC_CACHE_CONTROL);
  if (notModified(req.headers['if-none-match'], tag)) {
    res.status(304).end();
    return 'NOT_MODIFIED';
  }
  const { contentType, extension } = EXPORT_FORMATS[format];
  await streamOut(
    req,
    res,
    exportDataset(records, dataset, format, { bom: format === 'csv', provenance: false }),
    {
      'content-type': contentType,
      'content-disposition': `attachment; filename=${dataset.name}.${extension}`,
    },
  );
  return 'OK';
}
