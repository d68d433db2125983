/**
 * GET /healthz (contract §7): liveness. It touches nothing but the process,
 * so an orchestrator restarts the process only when it truly stopped serving,
 * never because the store is slow (that is what /readyz is for).
 */
import type { Context } from 'koa';

export function healthz() {
  return function healthzRoute(ctx: Context): void {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  };
}
