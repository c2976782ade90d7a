import { type DestinationStream, pino } from 'pino';

/**
 * Structured JSON logs on standard output (or `destination`). Credentials never reach a log: the request
 * log carries the headers, and the Authorization header holds the caller's API key.
 */
export function createLogger(level: string, destination?: DestinationStream) {
  return pino(
    {
      level,
      base: { service: 'jingtu-hub' },
      redact: { paths: ['req.headers.authorization', 'req.headers.cookie'], censor: '[redacted]' },
    },
    destination,
  );
}
