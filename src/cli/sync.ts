import { type Command, type CommanderError, InvalidArgumentError, Option } from 'commander';
import { MAX_ALERT_CHANGES_LIMIT } from '../supervision/feedLimits.js';
import { EXIT, SyncFailure } from './hubClient.js';
import type { PullOptions } from './pull.js';
import type { PushOptions } from './push.js';
import { StateError } from './syncState.js';

/**
 * The `jingtu sync` commands: their arguments, help and exit codes. The work is in push.ts and pull.ts, loaded
 * when one of them runs (every `jingtu` command registers these, `--help` included).
 */

const EXIT_CODES_HELP = `
Exit codes:
  0  done
  2  (push) rows were rejected: nothing applied (all or nothing), or the valid rows applied (--accept-valid);
     a replay exits 0 and lists the rows its batch's first run rejected
  3  authentication or permission: key missing, unknown or revoked (401), or not allowed (403)
  4  try again later: the hub unreachable (connection refused, DNS, timeout, connection lost), an answer
     cut off part-way, 503 (the hub's database unavailable), 502/504 from a proxy, or 429 (rate limit)
  5  bad local input: missing or unreadable file, a file not in its --encoding, bad state file, bad
     arguments, or arguments the hub refuses (400, 413, 415, unknown dataset)
  1  anything else (409 conflict, a server error, an unexpected answer)
Errors are one line on stderr starting with "jingtu:".`;

const PUSH_HELP = `
The file is streamed to POST {url}/datasets/{dataset}/batches/{batchKey}, never read whole into memory.

Batch key: unless --batch-key is given, it is {dataset}.{mode}.sha256-{hash}, the SHA-256 of the file (read
once to hash it and check its encoding, then streamed). Re-running the same command (a cron job after a
timeout, a lost connection or a crash, even when the first run's batch was applied and only its answer was
lost) therefore replays: nothing changes, the summary says so ("replayed …: nothing changed now") with the
counts of the run that applied it, and the exit code is 0. The other side of it: a file with the same
content is applied only once per dataset and mode; to apply it again on purpose (say, an older snapshot
restored), pass a new --batch-key.

Encoding: the file is sent as UTF-8 unless --encoding says otherwise (a CSV saved by Chinese Excel is
usually GB18030: --encoding gb18030). A file that is not text in its encoding is refused before it is sent,
naming its first such line.

Output: a progress bar on a terminal (bytes sent); one summary line on stdout; the rejected rows on stderr,
one line each with all of its errors (the first 20 rows: line, field, reason).

The key can come from JINGTU_KEY instead of --key, which keeps it out of the process list.
${EXIT_CODES_HELP}

Example (crontab):
  15 2 * * * JINGTU_KEY=jt_… jingtu sync push --url https://hub.example --dataset constructionPermit \\
               --file /exports/permits-$(date +\\%F).ndjson || alert "permit sync failed: $?"`;

const PULL_HELP = `
Appends the dataset's changes (GET {url}/datasets/{dataset}/changes) to FILE, one JSON line per change:
{"cursor": "…", "operation": "UPSERT" | "DELETE", "record": {…}}, in change order, with the hub's masking
for your key. \`--dataset alerts\` pulls the alerts you may see instead (GET {url}/alerts/changes): one line
per alert change, {"cursor": "…", "event": "OPENED" | "REOPENED" | "ACKNOWLEDGED" | "DISMISSED" |
"COMMENTED" | "RESOLVED", "alert": {…}}, counted as upserts.

State: STATE.json holds {"dataset", "cursor", "outBytes"}. A missing state file starts from the
beginning (FILE must then be missing or empty). Each run first cuts FILE back to outBytes, then, page by
page: appends the page's changes, fsyncs FILE, and replaces STATE.json atomically (temporary file, fsync,
rename). A pull that is killed or loses its connection resumes on the next run with no gap and no change
twice. Run it again with the same --state and --out to fetch only what changed since. STATE.json.lock keeps
two pulls from writing at once (a lock left by a killed pull is taken over).

Output: a count of changes on a terminal; one summary line on stdout.

The key can come from JINGTU_KEY instead of --key, which keeps it out of the process list.
${EXIT_CODES_HELP}`;

export function parseHubUrl(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError('not a URL (e.g. http://127.0.0.1:4000)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidArgumentError('must be an http:// or https:// URL');
  }
  return url;
}

export function parsePositive(max: number) {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < 1 || Number(value) > max) {
      throw new InvalidArgumentError(`must be a whole number from 1 to ${max}`);
    }
    return Number(value);
  };
}

function parseDataset(value: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(value)) throw new InvalidArgumentError('not a dataset name');
  return value;
}

/** An encoding label the hub decodes (WHATWG's); UTF-16 is left out: the file is read line by line. */
function parseEncoding(value: string): string {
  let encoding: string;
  try {
    encoding = new TextDecoder(value).encoding;
  } catch {
    throw new InvalidArgumentError('not a character encoding (e.g. utf-8, gb18030, gbk)');
  }
  if (encoding.startsWith('utf-16'))
    throw new InvalidArgumentError('UTF-16 is not supported: save the file as UTF-8');
  return encoding;
}

function parseBatchKey(value: string): string {
  if (!/^[\w.:-]{1,200}$/.test(value)) {
    throw new InvalidArgumentError('must be 1–200 letters, digits, ".", ":", "_" or "-"');
  }
  return value;
}

/** Where the hub is and the key to ask it with: every command that talks to a hub takes them. */
export const connectionOptions = (command: Command) =>
  command
    .addOption(
      new Option('--url <url>', 'the hub, e.g. https://hub.example')
        .argParser(parseHubUrl)
        .makeOptionMandatory(),
    )
    .addOption(new Option('--key <key>', 'API key').env('JINGTU_KEY').makeOptionMandatory());

const hubOptions = (command: Command) =>
  connectionOptions(command).addOption(
    new Option('--dataset <name>', 'dataset, e.g. constructionPermit')
      .argParser(parseDataset)
      .makeOptionMandatory(),
  );

export const timeoutOption = () =>
  new Option('--timeout <seconds>', 'give up when the hub sends nothing for this long')
    .argParser(parsePositive(86_400))
    .default(600);

/**
 * Commander's own errors (missing option, unknown option, bad value) as one `jingtu:` line and exit code 5;
 * `--help` exits 0.
 */
export function asSyncCommand(command: Command, name: string): Command {
  return command
    .showHelpAfterError(false)
    .configureOutput({
      outputError: (text, write) =>
        write(`jingtu: ${text.trim().replace(/^error: /, '')} (see jingtu ${name} --help)\n`),
    })
    .exitOverride((error: CommanderError) => {
      process.exit(error.exitCode === 0 ? EXIT.done : EXIT.badInput);
    });
}

/** Runs a command's work; every failure becomes one `jingtu:` line and an exit code. */
export async function run(work: () => Promise<number>): Promise<never> {
  let code: number;
  try {
    code = await work();
  } catch (error) {
    if (error instanceof SyncFailure) {
      process.stderr.write(`jingtu: ${error.message}\n`);
      code = error.exitCode;
    } else if (error instanceof StateError) {
      process.stderr.write(`jingtu: ${error.message}\n`);
      code = EXIT.badInput;
    } else {
      process.stderr.write(`jingtu: ${error instanceof Error ? error.message : String(error)}\n`);
      code = EXIT.other;
    }
  }
  process.exit(code);
}

/** `jingtu sync push` and `jingtu sync pull`. */
export function registerSyncCommands(program: Command): void {
  const sync = asSyncCommand(
    program.command('sync').description('push files to datasets and pull their changes, for cron jobs'),
    'sync',
  );

  asSyncCommand(
    hubOptions(sync.command('push').description('publish a file (NDJSON or CSV) to a dataset as one batch')),
    'sync push',
  )
    .addOption(
      new Option(
        '--file <file>',
        'the rows: one JSON object per line, or CSV with a header row',
      ).makeOptionMandatory(),
    )
    .addOption(
      new Option('--format <format>', 'default: from the extension (.ndjson, .jsonl, .csv)').choices([
        'ndjson',
        'csv',
      ]),
    )
    .addOption(
      new Option('--encoding <charset>', "the file's character encoding, e.g. gb18030 (Chinese Excel's CSV)")
        .argParser(parseEncoding)
        .default('utf-8'),
    )
    .addOption(
      new Option(
        '--mode <mode>',
        'delta: the rows in the file (and rows with "deleted": true); snapshot: also delete your rows not in it',
      )
        .choices(['delta', 'snapshot'])
        .default('delta'),
    )
    .addOption(
      new Option(
        '--batch-key <key>',
        'idempotency key (default: dataset, mode and SHA-256 of the file)',
      ).argParser(parseBatchKey),
    )
    .option('--accept-valid', 'apply the valid rows even if some are rejected (default: all or nothing)')
    .addOption(timeoutOption())
    .addHelpText('after', PUSH_HELP)
    .action((options: PushOptions) => run(async () => (await import('./push.js')).push(options)));

  asSyncCommand(
    hubOptions(sync.command('pull').description("append a dataset's changes to a file, resumably")),
    'sync pull',
  )
    .addOption(
      new Option('--state <file>', 'state file (JSON): where the last pull stopped').makeOptionMandatory(),
    )
    .addOption(new Option('--out <file>', 'output file (NDJSON), appended to').makeOptionMandatory())
    .addOption(
      new Option('--page <n>', `changes per request (1–100000; the alert feed: 1–${MAX_ALERT_CHANGES_LIMIT})`)
        .argParser(parsePositive(100_000))
        .default(10_000),
    )
    .addOption(timeoutOption())
    .addHelpText('after', PULL_HELP)
    .action((options: PullOptions) => run(async () => (await import('./pull.js')).pull(options)));
}
