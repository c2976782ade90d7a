import { type Request, Router } from 'express';
import type { AuditSink } from '../audit/writer.js';
import { badInput } from '../errors.js';
import { Alerts } from '../supervision/alerts.js';
import { quarterlyReportHtml } from '../supervision/indicators/reportHtml.js';
import { Indicators, indicatorAudit } from '../supervision/indicators/service.js';
import { auditedRoute } from './bulk.js';
import type { Edge } from './edge.js';

/**
 * Printable reports, beside /graphql, for whoever prints or files them:
 *
 *   GET /reports/quarterly?year=Y&quarter=Q[&district=D]   the quarterly district evaluation, Chinese HTML
 *
 * Admitted by the same edge as /graphql (`Authorization: Bearer <key>`), so the caller's scope and field
 * access decide the figures and alerts exactly as `indicators` and `alertSummary` do; each request is one
 * audit record (event REPORT).
 */

/** A whole-number query parameter, present once, of at most six digits; a bilingual BAD_USER_INPUT otherwise. */
function wholeNumber(req: Request, name: string, required: boolean): number | null {
  const value = req.query[name];
  if (value === undefined && !required) return null;
  if (typeof value !== 'string' || !/^\d{1,6}$/.test(value)) {
    throw badInput(`参数 ${name} 须为整数且只给一次 / ${name} must be given once, as a whole number`, {
      argument: name,
    });
  }
  return Number(value);
}

function districtParam(req: Request): string | null {
  const value = req.query.district;
  if (value === undefined || value === '') return null;
  if (typeof value !== 'string' || value.length > 20) {
    throw badInput('参数 district 须为一个区划代码 / district must be one district code', {
      argument: 'district',
    });
  }
  return value;
}

export function reportsRouter(audit: AuditSink, edge: Edge): Router {
  const router = Router();
  router.get(
    '/reports/quarterly',
    auditedRoute(audit, edge, 'REPORT', async (req, res, ctx) => {
      const year = wholeNumber(req, 'year', true) as number;
      const quarter = wholeNumber(req, 'quarter', true);
      const report = await new Indicators(ctx.db.$client, ctx.access, ctx.reference).report({
        year,
        quarter,
        district: districtParam(req),
      });
      ctx.audit.action(indicatorAudit(report));
      const districts = report.areas.filter((area): area is string => area !== null);
      const alerts = await new Alerts(ctx.db, ctx.access).summary({
        state: ['OPEN', 'ACKNOWLEDGED'],
        district: report.areas.includes(null) ? null : districts,
      });
      const html = quarterlyReportHtml({
        report,
        alerts,
        reference: ctx.reference,
        viewer: ctx.principal.nameZh,
        generatedAt: new Date(),
      });
      res
        .status(200)
        .set({
          'content-type': 'text/html; charset=utf-8',
          'cache-control': 'no-store',
          // The page is self-contained: nothing to load, no script to run.
          'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
        })
        .send(html);
    }),
  );
  return router;
}
