import { Router } from 'express';
import type { AuditSink } from '../audit/writer.js';
import { cursorSeal } from '../datasets/cursorSeal.js';
import { badInput } from '../errors.js';
import { Alerts } from '../supervision/alerts.js';
import { alertChangeStream } from '../supervision/feed.js';
import { DEFAULT_ALERT_CHANGES_LIMIT } from '../supervision/feedLimits.js';
import { EXPORT_FORMATS } from '../sync/export.js';
import { auditedRoute, param, streamOut } from './bulk.js';
import type { Edge } from './edge.js';

/**
 *   GET /alerts/changes?after=CURSOR&limit=N    NDJSON (src/supervision/feed.ts)
 *
 * The alert feed for department systems, pulled like a dataset's change feed (`jingtu sync pull alerts`),
 * with the same key, edge and audit (event BULK_ALERT_CHANGES, rows counted as `alert`).
 */
export function alertFeedRouter(audit: AuditSink, edge: Edge): Router {
  const router = Router();
  router.get(
    '/alerts/changes',
    auditedRoute(audit, edge, 'BULK_ALERT_CHANGES', async (req, res, ctx) => {
      const limitText = param(req, 'limit');
      if (limitText !== undefined && !/^\d{1,7}$/.test(limitText)) {
        throw badInput(`limit 须为整数 / limit must be a whole number (got ${JSON.stringify(limitText)})`);
      }
      const limit = limitText === undefined ? DEFAULT_ALERT_CHANGES_LIMIT : Number(limitText);
      const seal = await cursorSeal(ctx.db.$client);
      const stream = alertChangeStream(
        new Alerts(ctx.db, ctx.access),
        seal,
        param(req, 'after'),
        limit,
        (n) => ctx.audit.rows('alert', n),
      );
      await streamOut(req, res, stream, {
        'content-type': EXPORT_FORMATS.ndjson.contentType,
        'cache-control': 'no-store',
      });
    }),
  );
  return router;
}
