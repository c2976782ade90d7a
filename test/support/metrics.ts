/**
 * The Prometheus text format (version 0.0.4), read strictly: every line is a comment (`# HELP`, `# TYPE`) or
 * a sample `name{label="value",…} value`, every sample belongs to a family declared by `# TYPE` (a histogram's
 * `_bucket`, `_sum` and `_count` to theirs), every value is a number. Anything else throws, naming the line.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  /** Family name → type (counter, gauge, histogram, summary, untyped). */
  types: Map<string, string>;
  samples: Sample[];
  /** The samples of `name` whose labels include `labels`. */
  find(name: string, labels?: Record<string, string>): Sample[];
  /** The one sample of `name` with exactly `labels` (its value), or undefined. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*/;

/** A sample's value as Prometheus reads it (Go's ParseFloat: NaN and Inf in any case; prom-client writes `Nan`). */
function parseValue(text: string, line: string): number {
  if (/^\+?inf$/i.test(text)) return Number.POSITIVE_INFINITY;
  if (/^-inf$/i.test(text)) return Number.NEGATIVE_INFINITY;
  if (/^nan$/i.test(text)) return Number.NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) throw new Error(`not a number in: ${line}`);
  return Number(text);
}

function parseSample(line: string): Sample {
  const name = NAME.exec(line)?.[0];
  if (!name) throw new Error(`no metric name in: ${line}`);
  let at = name.length;
  const labels: Record<string, string> = {};
  if (line[at] === '{') {
    at++;
    while (line[at] !== '}') {
      const labelName = LABEL_NAME.exec(line.slice(at))?.[0];
      if (!labelName || line.slice(at + labelName.length, at + labelName.length + 2) !== '="') {
        throw new Error(`bad label in: ${line}`);
      }
      at += labelName.length + 2;
      let value = '';
      for (;;) {
        const char = line[at++];
        if (char === undefined) throw new Error(`unterminated label value in: ${line}`);
        if (char === '"') break;
        if (char === '\\') {
          const escaped = line[at++];
          if (escaped === 'n') value += '\n';
          else if (escaped === '\\' || escaped === '"') value += escaped;
          else throw new Error(`bad escape in: ${line}`);
        } else value += char;
      }
      if (labelName in labels) throw new Error(`label ${labelName} twice in: ${line}`);
      labels[labelName] = value;
      if (line[at] === ',') at++;
      else if (line[at] !== '}') throw new Error(`bad label list in: ${line}`);
    }
    at++;
  }
  const rest = line.slice(at);
  if (!rest.startsWith(' ')) throw new Error(`no value in: ${line}`);
  const [value, timestamp, ...extra] = rest.trim().split(/\s+/);
  if (extra.length || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) {
    throw new Error(`bad sample in: ${line}`);
  }
  return { name, labels, value: parseValue(value, line) };
}

const HISTOGRAM_SUFFIXES = ['_bucket', '_sum', '_count'];

export function parseExposition(text: string): Exposition {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) {
        if (types.has(type[1])) throw new Error(`family ${type[1]} declared twice`);
        types.set(type[1], type[2]);
      } else if (!/^# HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*$/.test(line)) {
        throw new Error(`bad comment line: ${line}`);
      }
      continue;
    }
    const sample = parseSample(line);
    const family =
      types.get(sample.name) !== undefined
        ? sample.name
        : HISTOGRAM_SUFFIXES.map((suffix) =>
            sample.name.endsWith(suffix) ? sample.name.slice(0, -suffix.length) : '',
          ).find((base) => base && ['histogram', 'summary'].includes(types.get(base) ?? ''));
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    samples.push(sample);
  }
  const matches = (sample: Sample, labels: Record<string, string>) =>
    Object.entries(labels).every(([name, value]) => sample.labels[name] === value);
  return {
    types,
    samples,
    find: (name, labels = {}) => samples.filter((s) => s.name === name && matches(s, labels)),
    value(name, labels = {}) {
      const exact = samples.filter(
        (s) =>
          s.name === name &&
          matches(s, labels) &&
          Object.keys(s.labels).length === Object.keys(labels).length,
      );
      if (exact.length > 1) throw new Error(`${exact.length} samples of ${name} ${JSON.stringify(labels)}`);
      return exact[0]?.value;
    },
  };
}

/**
 * The hub's metric names a PromQL expression refers to: the words that begin as the hub's families and the
 * process metrics do (jingtu_, process_, nodejs_), outside strings, label matchers and `by (…)` lists.
 */
export function metricNamesIn(expression: string): string[] {
  const bare = expression
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '');
  return [...new Set(bare.match(/\b(?:jingtu|process|nodejs)_[a-zA-Z0-9_:]*/g) ?? [])];
}
