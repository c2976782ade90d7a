import type { Duration } from 'date-fns';

/**
 * ISO 8601 durations as the catalogue declares update cycles (`P1D`, `P7D`, `P1M`, `P1Y`, `PT6H`): years,
 * months, weeks, days, and hours, minutes, seconds after `T`; whole numbers. date-fns 4 adds them to a date
 * (`add`) but does not parse them.
 */
const ISO_DURATION = /^P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

export function parseIsoDuration(text: string): Duration {
  const match = ISO_DURATION.exec(text);
  if (!match || text === 'P' || text.endsWith('T')) {
    throw new Error(`${JSON.stringify(text)} is not an ISO 8601 duration such as P1D, P1M or PT6H`);
  }
  const [, years, months, weeks, days, hours, minutes, seconds] = match.map((part) =>
    part === undefined ? undefined : Number(part),
  );
  const duration: Duration = { years, months, weeks, days, hours, minutes, seconds };
  for (const unit of Object.keys(duration) as (keyof Duration)[]) {
    if (duration[unit] === undefined) delete duration[unit];
  }
  if (Object.values(duration).every((value) => value === 0)) {
    throw new Error(`${JSON.stringify(text)} is an empty duration`);
  }
  return duration;
}
