import type { ApolloServerPlugin } from '@apollo/server';
import type { Request } from 'express';
import { GraphQLError } from 'graphql';
import type { AuditTrail } from '../audit/trail.js';
import type { AuditSink } from '../audit/writer.js';
import type { Context } from '../context.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { documentId, sha256Hex } from '../documents/manifest.js';
import { type RegisteredDocument, registeredDocument } from '../documents/store.js';
import { clientAddress } from './clientAddress.js';
import type { Asking } from './edge.js';

/*
 * Trusted documents (persisted queries) on /graphql. A request names a registered document by its id, in
 * The Guild's / GraphQL-over-HTTP form (`"documentId": "sha256:<hex>"` or `"<hex>"`) or Apollo's
 * (`"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "<hex>"}}`), in a POST body or a GET's
 * parameters. The id is looked up among the documents the caller's principal registered, once its key is
 * checked and before Apollo sees the request; Apollo then runs the registered text as if it had been sent
 * (trustedDocumentsPlugin), with every limit and permission as for any text. A key marked documents-only
 * (`jingtu keys create --documents-only`) is refused any text that is not a registered document, before
 * the text is parsed: it learns nothing of the schema, not even from a validation error.
 */

/** What a request asks to run: a document id, text, or both (the text must then hash to the id). */
type Asked = { id?: string; text?: string };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function badId(message: string, reason = 'INVALID_DOCUMENT_ID'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', reason } });
}

const ID_FORMS =
  '文档编号应为 SHA-256 十六进制（64 位），可带 "sha256:" 前缀 / A document id is a SHA-256 in hex (64 characters 0-9a-f), optionally after "sha256:"';

/** The fields of a request that name what it runs: a POST's JSON body, or a GET's parameters. */
function requestFields(req: Request): { query: unknown; documentId: unknown; extensions: unknown } {
  if (req.method === 'GET') {
    // the query string as Apollo reads it (URLSearchParams never throws, whatever the URL)
    const query = req.url.indexOf('?');
    const params = new URLSearchParams(query < 0 ? '' : req.url.slice(query + 1));
    let extensions: unknown;
    const given = params.get('extensions');
    if (given !== null) {
      try {
        extensions = JSON.parse(given);
      } catch {
        // Apollo refuses it, as for any request
      }
    }
    return {
      query: params.get('query') ?? undefined,
      documentId: params.get('documentId') ?? undefined,
      extensions,
    };
  }
  const body: unknown = req.body;
  if (!isRecord(body)) return { query: undefined, documentId: undefined, extensions: undefined };
  return { query: body.query, documentId: body.documentId, extensions: body.extensions };
}

/** What the request asks to run, or why its id cannot be read (BAD_USER_INPUT). */
export function askedDocument(req: Request): Asked | GraphQLError {
  const fields = requestFields(req);
  const ids: string[] = [];
  if (fields.documentId !== undefined && fields.documentId !== null) {
    const hex = typeof fields.documentId === 'string' ? sha256Hex(fields.documentId) : undefined;
    if (!hex) return badId(`documentId: ${ID_FORMS}`);
    ids.push(hex);
  }
  const persisted = isRecord(fields.extensions) ? fields.extensions.persistedQuery : undefined;
  if (persisted !== undefined && persisted !== null) {
    if (!isRecord(persisted) || persisted.version !== 1) {
      return badId(
        'extensions.persistedQuery 应为 {"version": 1, "sha256Hash": "<hex>"} / must be {"version": 1, "sha256Hash": "<hex>"}',
      );
    }
    const hex = typeof persisted.sha256Hash === 'string' ? sha256Hex(persisted.sha256Hash) : undefined;
    if (!hex || persisted.sha256Hash !== hex)
      return badId(`extensions.persistedQuery.sha256Hash: ${ID_FORMS}`);
    ids.push(hex);
  }
  if (ids.length === 2 && ids[0] !== ids[1]) {
    return badId(
      'documentId 与 extensions.persistedQuery.sha256Hash 不一致 / documentId and extensions.persistedQuery.sha256Hash name different documents',
      'DOCUMENT_ID_MISMATCH',
    );
  }
  const text = typeof fields.query === 'string' && fields.query !== '' ? fields.query : undefined;
  const [id] = ids;
  if (id && text !== undefined && documentId(text) !== id) {
    return badId(
      '查询文本与文档编号不符 / The query text is not the document its id names (its SHA-256 differs): send the id alone',
      'DOCUMENT_ID_MISMATCH',
    );
  }
  return { id, text };
}

/**
 * The text each request admitted with an id runs (its registered document's, or its own when the key may
 * send text and the id is not registered), by its audit trail (Apollo's copy of the context holds it).
 */
const running = new WeakMap<AuditTrail, string>();

/** A refusal: the error the client gets, the outcome and the reason its audit record names. */
interface DocumentRefusal {
  error: GraphQLError | unknown;
  outcome: string;
  reason: string;
}

/**
 * The document a request runs, decided once its key is checked: a registered document by id (looked up
 * among its principal's), or its text. Each refusal is audited as one record, with the principal.
 */
export class TrustedDocuments {
  constructor(private readonly audit: AuditSink) {}

  /** Undefined when the request may go on to Apollo; else the error to answer with (already audited). */
  async admit(req: Request, ctx: Context, asking: Asking): Promise<unknown> {
    // Free text from a key that may send it: nothing to look up (the common case costs nothing).
    if (!ctx.principal.documentsOnly && !mayNameDocument(req)) return undefined;
    const asked = askedDocument(req);
    const refused =
      asked instanceof GraphQLError
        ? {
            error: asked,
            outcome: 'FAILED',
            reason:
              asked.extensions.reason === 'DOCUMENT_ID_MISMATCH'
                ? 'the document ids or the text and its id disagree'
                : 'malformed document id',
          }
        : await this.decide(ctx, asked);
    if (!refused) return undefined;
    const hash =
      asked instanceof GraphQLError ? null : (asked.id ?? (asked.text ? documentId(asked.text) : null));
    const code =
      refused.error instanceof GraphQLError ? String(refused.error.extensions.code) : 'INTERNAL_SERVER_ERROR';
    await this.audit.write({
      event: asking.event,
      principal: ctx.principal.code,
      keyId: ctx.principal.keyId,
      requestId: ctx.requestId,
      operationName: asking.operationName,
      documentHash: hash,
      outcome: ctx.deadline?.outcome(refused.outcome) ?? refused.outcome,
      detail: { address: clientAddress(req), reason: refused.reason, errors: { [code]: 1 } },
    });
    return refused.error;
  }

  private async decide(ctx: Context, asked: Asked): Promise<DocumentRefusal | undefined> {
    const { principal } = ctx;
    if (asked.id === undefined) {
      if (!principal.documentsOnly) return undefined;
      return {
        outcome: 'FORBIDDEN',
        reason: 'query text from a documents-only key',
        error: new GraphQLError(
          '此密钥只能运行已登记的文档：请发送文档编号 (documentId) 而非查询文本 / This key may run only registered documents: send a documentId, not query text',
          { extensions: { code: 'FORBIDDEN', reason: 'DOCUMENTS_ONLY' } },
        ),
      };
    }
    let document: RegisteredDocument | undefined;
    try {
      document = await registeredDocument(ctx.db, principal.code, asked.id);
    } catch (error) {
      return isDatabaseUnavailable(error)
        ? {
            error,
            outcome: 'UNAVAILABLE',
            reason: 'database unavailable: the document could not be looked up',
          }
        : { error, outcome: 'FAILED', reason: 'the document could not be looked up' };
    }
    if (document) {
      running.set(ctx.audit, document.body);
      ctx.audit.ranDocument(document);
      return undefined;
    }
    // The text as well, hashing to the id (checked): a key that may send text runs it as text.
    if (asked.text !== undefined && !principal.documentsOnly) {
      running.set(ctx.audit, asked.text);
      return undefined;
    }
    // The same answer whether or not another principal registered the id: the lookup never sees theirs.
    return {
      outcome: 'NOT_FOUND',
      reason: 'document not registered for the principal',
      error: new GraphQLError(
        `未找到已登记的文档 ${asked.id}：请先由枢纽管理员登记 (jingtu documents push) / No registered document ${asked.id}: have the hub's operator register it (jingtu documents push)`,
        { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 404 } } },
      ),
    };
  }
}

/** Whether a request may name a document (a cheap look at its fields, before reading them properly). */
function mayNameDocument(req: Request): boolean {
  // (a GET's parameters are read as Apollo reads them, percent-encoded names included)
  if (req.method === 'GET') return true;
  const body: unknown = req.body;
  return (
    isRecord(body) &&
    ((body.documentId !== undefined && body.documentId !== null) ||
      (isRecord(body.extensions) && body.extensions.persistedQuery !== undefined))
  );
}

/**
 * Hands Apollo the registered text of a request admitted by id, before it reads the request (Apollo reads
 * `query` and `extensions` once every plugin's requestDidStart has returned). Apollo's own automatic
 * persisted queries stay off: the id's `persistedQuery` extension is taken off.
 */
export function trustedDocumentsPlugin(): ApolloServerPlugin<Context> {
  return {
    async requestDidStart({ contextValue, request }) {
      const text = running.get(contextValue.audit);
      if (text === undefined) return;
      request.query = text;
      if (request.extensions && 'persistedQuery' in request.extensions) {
        const { persistedQuery: _persistedQuery, ...others } = request.extensions;
        request.extensions = others;
      }
    },
  };
}
