/**
 * Progress on a terminal for `jingtu sync`: one line on stderr, redrawn at most ten times a second. Off when
 * stderr is not a terminal or CI is set, so cron jobs and logs get nothing but the summary.
 */
export interface Progress {
  /** Sets the current amount (bytes sent, changes pulled). */
  update(value: number): void;
  /** Replaces the amount with a status text (e.g. "waiting for the hub"). */
  status(text: string): void;
  /** Erases the line. */
  stop(): void;
}

const REDRAW_MS = 100;
const WIDTH = 20;

export function progressEnabled(stream: NodeJS.WriteStream = process.stderr): boolean {
  return Boolean(stream.isTTY) && !process.env.CI;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

const silent: Progress = { update() {}, status() {}, stop() {} };

/**
 * A bar of bytes out of a total (`total` given), or a running count (`total` omitted), after a label.
 * `describe` renders the amount (bytes or a count of changes).
 */
export function createProgress(options: {
  label: string;
  total?: number;
  describe: (value: number) => string;
  stream?: NodeJS.WriteStream;
}): Progress {
  const stream = options.stream ?? process.stderr;
  if (!progressEnabled(stream)) return silent;
  let value = 0;
  let text: string | null = null;
  let drawnAt = 0;
  const draw = (force = false) => {
    const now = Date.now();
    if (!force && now - drawnAt < REDRAW_MS) return;
    drawnAt = now;
    let line: string;
    if (text !== null) line = `${options.label} ${text}`;
    else if (options.total) {
      const ratio = Math.min(1, value / options.total);
      const filled = Math.round(ratio * WIDTH);
      const bar = `${'='.repeat(filled)}${' '.repeat(WIDTH - filled)}`;
      const percent = `${Math.floor(ratio * 100)}%`.padStart(4);
      line = `${options.label} [${bar}] ${percent} ${options.describe(value)} / ${options.describe(options.total)}`;
    } else line = `${options.label} ${options.describe(value)}`;
    const columns = stream.columns || 80;
    stream.write(`\r\x1b[K${line.slice(0, columns - 1)}`);
  };
  return {
    update(next) {
      value = next;
      text = null;
      draw();
    },
    status(next) {
      text = next;
      draw(true);
    },
    stop() {
      stream.write('\r\x1b[K');
    },
  };
}
