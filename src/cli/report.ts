import { writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { EXIT, readBody, request, SyncFailure, statusFailure } from './hubClient.js';
import { asSyncCommand, connectionOptions, parsePositive, run, timeoutOption } from './sync.js';

/**
 * `jingtu report`: the quarterly district evaluation as an HTML file, fetched from the hub with a key
 * (GET /reports/quarterly), so the file shows exactly what that key may see, and the hub audits it, as for
 * `jingtu sync`. Reading the database directly would skip the caller's scope and the audit.
 */

export interface ReportOptions {
  url: URL;
  key: string;
  year: number;
  quarter: number;
  district?: string;
  out: string;
  timeout: number;
}

export async function report(options: ReportOptions): Promise<number> {
  const base = options.url.pathname.replace(/\/+$/, '');
  const url = new URL(`${base}/reports/quarterly`, options.url);
  url.searchParams.set('year', String(options.year));
  url.searchParams.set('quarter', String(options.quarter));
  if (options.district) url.searchParams.set('district', options.district);
  const { response } = await request(url, {
    method: 'GET',
    key: options.key,
    timeoutMs: options.timeout * 1000,
  });
  if (response.statusCode !== 200) throw await statusFailure(response, url, 'report');
  const html = await readBody(response, url);
  try {
    await writeFile(options.out, html, 'utf8');
  } catch (error) {
    throw new SyncFailure(`cannot write ${options.out}: ${(error as Error).message}`, EXIT.badInput);
  }
  console.log(`wrote ${options.out} (${Buffer.byteLength(html)} bytes)`);
  return EXIT.done;
}

function parseDistrict(value: string): string {
  if (!/^\d{6}$/.test(value)) throw new InvalidArgumentError('a GB/T 2260 district code, e.g. 110105');
  return value;
}

export function registerReportCommand(program: Command): void {
  connectionOptions(
    asSyncCommand(
      program
        .command('report')
        .description(
          'write the quarterly district evaluation (按季度评价各区) as an HTML file, as your key sees it',
        ),
      'report',
    ),
  )
    .addOption(
      new Option('--year <year>', 'year, e.g. 2026').argParser(parsePositive(9999)).makeOptionMandatory(),
    )
    .addOption(new Option('--quarter <q>', 'quarter 1–4').argParser(parsePositive(4)).makeOptionMandatory())
    .addOption(new Option('--district <code>', 'one district only').argParser(parseDistrict))
    .addOption(new Option('--out <file>', 'the HTML file to write').makeOptionMandatory())
    .addOption(timeoutOption())
    .action((options: ReportOptions) => run(() => report(options)));
}
