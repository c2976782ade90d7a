import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures as Standard Webhooks specifies them (standardwebhooks.com, the scheme Svix and others
 * use): headers `webhook-id` (the message id, the same on every retry), `webhook-timestamp` (Unix seconds)
 * and `webhook-signature: v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`, keyed with the bytes of the
 * secret `whsec_<base64>`. A receiver recomputes it over the raw body, compares in constant time, and refuses
 * a timestamp more than five minutes away from its clock (a replay). The `standardwebhooks` package verifies
 * the same headers; node:crypto suffices to sign them.
 */

const PREFIX = 'whsec_';
/** Seconds a receiver accepts between the timestamp and its clock. */
export const SIGNATURE_TOLERANCE_SECONDS = 5 * 60;

export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

function signatureOf(secret: string, id: string, timestamp: number, body: string): string {
  return createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64');
}

/**
 * The headers of a signed delivery of `body`: one `v1,…` signature per secret, space-separated (the current
 * secret first, then the one being rotated out, which the receiver may still hold).
 */
export function signedHeaders(
  secrets: string | readonly string[],
  id: string,
  body: string,
  now = new Date(),
): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const keys = typeof secrets === 'string' ? [secrets] : secrets;
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': keys.map((secret) => `v1,${signatureOf(secret, id, timestamp, body)}`).join(' '),
  };
}

/**
 * Whether a delivery's headers sign `body` with `secret`, within the tolerance: what a receiver checks. The
 * signature header may hold several space-separated `v1,…` signatures (a secret being rotated).
 */
export function verifySignature(
  secret: string,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: string,
  now = new Date(),
): boolean {
  const id = headers['webhook-id'];
  const timestamp = Number(headers['webhook-timestamp']);
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof signatures !== 'string' || !Number.isInteger(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > SIGNATURE_TOLERANCE_SECONDS) return false;
  const expected = Buffer.from(signatureOf(secret, id, timestamp, body));
  return signatures.split(' ').some((signature) => {
    const [version, value = ''] = signature.split(',', 2);
    const given = Buffer.from(value);
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}
