import { type NextFunction, type Request, type Response, Router } from 'express';
import { forbidden } from '../errors.js';
import type { HubMetrics } from '../metrics/hubMetrics.js';
import { sendError } from './errors.js';
import type { MetricsAccess } from './metricsAccess.js';

/**
 * `GET /metrics`: the hub process's metrics in the Prometheus text format (src/metrics/hubMetrics.ts), for
 * whom MetricsAccess lets in; anyone else gets 403 FORBIDDEN. Like /healthz, it writes no audit record and
 * is not counted as a request of the API; the request log has it.
 */
export function metricsRouter(metrics: HubMetrics, access: MetricsAccess): Router {
  const router = Router();
  // mounted at /metrics (src/http/app.ts)
  router.get('/', async (req: Request, res: Response, next: NextFunction) => {
    if (!access.grant(req)) {
      sendError(
        req,
        res,
        forbidden(
          '指标仅对本机、JINGTU_METRICS_NETWORKS 所列地址或持指标密钥者开放 / /metrics answers loopback, the addresses of JINGTU_METRICS_NETWORKS and the metrics key only',
        ),
      );
      return;
    }
    try {
      const text = await metrics.exposition();
      res.status(200).set({ 'content-type': metrics.contentType, 'cache-control': 'no-store' }).send(text);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
