import { GraphQLError } from 'graphql';
import type { UploadLimits } from '../config.js';
import { formatSize } from './requestBody.js';

/*
 * Limits on one bulk upload (`POST /datasets/{name}/batches/{batchKey}`), so that one slow or compressed
 * body cannot hold the hub (defaults and settings: `DEFAULT_LIMITS.upload` in src/config.ts):
 *
 * - Size: at most `maxBytes` of body once inflated, and for a gzip or deflate body at most `maxExpansion`
 *   times its compressed bytes beyond `EXPANSION_ALLOWANCE` (a 0.5 MB gzip bomb inflating to 512 MiB is
 *   refused after its first 320 KB inflated). 413, nothing applied.
 * - Pace: the body must keep arriving. Only the time the hub spends waiting for the client counts (time
 *   the hub spends validating or writing while the client is held back does not): the upload is cut when
 *   nothing arrives for `idleTimeoutMs`, or when it arrives slower on average than `minBytesPerSecond`
 *   once the first `idleTimeoutMs` of waiting are spent. 408, nothing applied. There is no deadline on
 *   the whole upload: a file of hundreds of MB over a slow government line may take an hour, and it
 *   passes as long as it keeps coming; a client trickling data waits at most
 *   `idleTimeoutMs + maxBytes / minBytesPerSecond` in all (the bytes received count against `maxBytes`
 *   too, compressed or not).
 */

/**
 * Inflated bytes any compressed body may reach whatever its ratio, so that small files are never refused by
 * it. It is also what a bomb costs before it is refused: about 1.25 times this inflated, decoded and
 * parsed (1.3 MB of blank lines took 100–140 ms of CPU here, which showed in the other callers' p99 in
 * bench/abuse.ts; this is a quarter of it).
 */
export const EXPANSION_ALLOWANCE = 256 * 1024;

/**
 * How long the rest of a refused body is read and dropped before the connection is closed (src/http/bulk.ts):
 * time for the client to read the answer, not time to send a large body.
 */
export const REFUSAL_LINGER_MS = 2_000;

/** The answer to an upload refused by a limit. */
function refused(status: number, code: string, reason: string, message: string, limit: number) {
  return new GraphQLError(message, { extensions: { code, reason, limit, http: { status } } });
}

export function uploadTooLarge(limits: UploadLimits): GraphQLError {
  const size = formatSize(limits.maxBytes);
  return refused(
    413,
    'BAD_USER_INPUT',
    'UPLOAD_TOO_LARGE',
    `上传内容（解压后）超过上限 ${size}，未应用任何记录：请分成较小的批次 / The upload is larger than the limit of ${size} (inflated); nothing was applied: send it as smaller batches`,
    limits.maxBytes,
  );
}

export function expansionTooHigh(limits: UploadLimits): GraphQLError {
  return refused(
    413,
    'BAD_USER_INPUT',
    'EXPANSION_TOO_HIGH',
    `压缩内容解压后膨胀超过 ${limits.maxExpansion} 倍，未应用任何记录：请发送未压缩或正常压缩的文件 / The compressed body inflates to more than ${limits.maxExpansion} times its size; nothing was applied: send it uncompressed or ordinarily compressed`,
    limits.maxExpansion,
  );
}

export function uploadTooSlow(limits: UploadLimits, idle: boolean): GraphQLError {
  const seconds = Math.round(limits.idleTimeoutMs / 100) / 10;
  const rate = `${formatSize(limits.minBytesPerSecond)}/s`;
  return refused(
    408,
    'TIMEOUT',
    idle ? 'UPLOAD_IDLE' : 'UPLOAD_TOO_SLOW',
    idle
      ? `上传中断：${seconds} 秒内未收到数据，未应用任何记录，请重新发送 / The upload stalled: nothing arrived for ${seconds} s; nothing was applied: send the batch again`
      : `上传过慢：平均低于 ${rate}，未应用任何记录，请压缩（gzip）后重新发送 / The upload is too slow: below ${rate} on average; nothing was applied: send it again, gzip-compressed`,
    idle ? limits.idleTimeoutMs : limits.minBytesPerSecond,
  );
}

/**
 * One upload's account against its limits: the bytes received from the client and the time the hub waited
 * for them (`pace`), and the bytes of the body once inflated (`inflated`).
 */
export class UploadGuard {
  /** Bytes received from the client (compressed, when the body is). */
  private received = 0;
  /** Milliseconds spent waiting for the client. */
  private waited = 0;

  constructor(readonly limits: UploadLimits) {}

  /**
   * Counts bytes received from the client; throws `uploadTooLarge` past the size limit (a compressed body
   * of empty gzip members would otherwise arrive forever and inflate to nothing).
   */
  arrived(bytes: number): void {
    this.received += bytes;
    if (this.received > this.limits.maxBytes) throw uploadTooLarge(this.limits);
  }

  /**
   * How long the hub may wait for the client's next bytes from now, in milliseconds: the idle timeout, or
   * less when the upload is behind its minimum pace (its waiting so far beyond the grace not paid for by
   * bytes at the minimum rate).
   */
  patience(): { ms: number; idle: boolean } {
    const { idleTimeoutMs, minBytesPerSecond } = this.limits;
    if (minBytesPerSecond <= 0) return { ms: idleTimeoutMs, idle: true };
    const paced = idleTimeoutMs + (this.received / minBytesPerSecond) * 1000 - this.waited;
    return paced < idleTimeoutMs
      ? { ms: Math.max(0, paced), idle: false }
      : { ms: idleTimeoutMs, idle: true };
  }

  /** Counts time spent waiting for the client. */
  wait(ms: number): void {
    this.waited += ms;
  }

  /**
   * The body's bytes once inflated, checked against the size limit and, for a compressed body, against the
   * expansion limit: `consumed()` tells the compressed bytes the inflater has taken in so far (not those
   * received, which on a fast line are the whole bomb before its first megabyte is inflated).
   */
  async *inflated(body: AsyncIterable<Uint8Array>, consumed?: () => number): AsyncGenerator<Uint8Array> {
    let total = 0;
    for await (const chunk of body) {
      total += chunk.length;
      if (total > this.limits.maxBytes) throw uploadTooLarge(this.limits);
      if (consumed && total > this.limits.maxExpansion * consumed() + EXPANSION_ALLOWANCE) {
        throw expansionTooHigh(this.limits);
      }
      yield chunk;
    }
  }
}
