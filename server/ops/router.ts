/**
 * Operability endpoints (contract §7): liveness, readiness and metrics, each
 * in its own file. They sit outside /admin: probes and scrapers are not admins.
 */
import Router from '@koa/router';
import type { Store } from '../../adapters/store.js';
import type { Events } from '../events.js';
import { healthz } from './healthz.js';
import { metrics, tokenChecker } from './metrics.js';
import { readyz } from './readyz.js';

export interface OpsDeps {
  store: Store;
  events: Events;
  /** METRICS_TOKEN; when absent the admin token is required. */
  metricsToken?: string;
  checkAdminToken(token: string | undefined): boolean;
}

export function opsRouter(deps: OpsDeps): Router {
  const router = new Router();
  router.get('/healthz', healthz());
  router.get('/readyz', readyz(deps.store));
  router.get('/metrics', metrics(deps.events.registry, deps.metricsToken ? tokenChecker(deps.metricsToken) : deps.checkAdminToken));
  return router;
}
