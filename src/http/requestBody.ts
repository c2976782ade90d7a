import { isUtf8 } from 'node:buffer';
import express, { type RequestHandler } from 'express';

/**
 * The body of a /graphql request: JSON, at most `limitBytes`, and valid UTF-8. body-parser would decode
 * invalid UTF-8 into U+FFFD and run the query with the mangled text; the raw bytes are checked first.
 */
export function graphqlBody(limitBytes: number): RequestHandler {
  return express.json({
    limit: limitBytes,
    verify: (_req, _res, body, encoding) => {
      if (encoding.toLowerCase() === 'utf-8' && !isUtf8(body)) {
        throw Object.assign(new Error('invalid UTF-8'), { status: 400, type: 'encoding.invalid' });
      }
    },
  });
}

export interface BodyProblem {
  status: number;
  reason: string;
  message: string;
}

const KB = 1024;
const MB = 1024 * KB;
export const formatSize = (bytes: number) =>
  bytes >= MB
    ? `${+(bytes / MB).toFixed(1)} MB`
    : bytes >= KB
      ? `${+(bytes / KB).toFixed(1)} KB`
      : `${bytes} B`;

/**
 * What a client reads when its body could not be read (body-parser's error types); undefined for any
 * other error.
 */
export function bodyProblem(error: {
  type?: string;
  message: string;
  limit?: number;
}): BodyProblem | undefined {
  switch (error.type) {
    case 'entity.too.large':
      return {
        status: 413,
        reason: 'BODY_TOO_LARGE',
        message: `请求体超过上限 ${formatSize(error.limit ?? 0)}；大批量数据请用 POST /datasets/{dataset}/batches/{batchKey} / The request body is larger than the limit of ${formatSize(error.limit ?? 0)}: send large batches to POST /datasets/{dataset}/batches/{batchKey}`,
      };
    case 'entity.parse.failed':
      return {
        status: 400,
        reason: 'INVALID_JSON',
        message: `请求体不是有效的 JSON / The request body is not valid JSON: ${error.message}`,
      };
    case 'encoding.invalid':
      return {
        status: 400,
        reason: 'INVALID_UTF8',
        message: '请求体不是有效的 UTF-8 / The request body is not valid UTF-8',
      };
    case 'charset.unsupported':
    case 'encoding.unsupported':
      return {
        status: 415,
        reason: 'UNSUPPORTED_ENCODING',
        message: `请求体的编码不受支持 / Unsupported body encoding: ${error.message}; send UTF-8 JSON`,
      };
    default:
      return undefined;
  }
}
