/**
 * The admin API (contract §3): JSON in and out under /admin, every call
 * authorized by the admin bearer token, checked before anything else.
 */
import Router from '@koa/router';
import { notFound } from '../errors.js';
import { accountRoutes } from './accounts.js';
import { clientRoutes } from './clients.js';
import type { AdminDeps } from './deps.js';
import { requireToken } from './require-token.js';
import { openApiRoute } from './openapi.js';


export function adminRouter(deps: AdminDeps): Router {
  const router = new Router();
  const clients = clientRoutes(deps);
  const accounts = accountRoutes(deps);

  // Public by contract (§3): registered before the token check, and it
  // answers without calling next, so the check never runs for this path.
  router.get('/admin/openapi.json', openApiRoute(deps.openapi));

  // Router middleware runs only when some route matched; the catch-all
  // below makes every /admin path match, so the token is checked first
  // even for unknown paths (no probing without the token).
  router.use(requireToken(deps.checkToken));

  router.post('/admin/clients', clients.create);
  router.get('/admin/clients', clients.list);
  router.get('/admin/clients/:id', clients.get);
  router.patch('/admin/clients/:id', clients.update);
  router.delete('/admin/clients/:id', clients.remove);

  router.post('/admin/accounts', accounts.create);
  router.get('/admin/accounts/:sub', accounts.get);
  router.delete('/admin/accounts/:sub', accounts.remove);

  // Last, so it only answers what no route above handled (they never call next).
  router.all('/admin{/*rest}', () => {
    throw notFound('no such admin endpoint');
  });
  return router;
}
