import { pino } from 'pino';

/** Structured JSON logs on standard output. */
export function createLogger(level: string) {
  return pino({ level, base: { service: 'jingtu-hub' } });
}
