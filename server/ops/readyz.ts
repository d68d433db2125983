/**
 * GET /readyz (contract §7): readiness. One cheap read of a fixed key proves
 * the store answers; a store that hangs counts as down after a short wait, so
 * a load balancer takes the instance out of rotation quickly and puts it back
 * by itself once the store answers again.
 */
import type { Context } from 'koa';
import type { Store } from '../../adapters/store.js';

/** Under Kubernetes' default probe timeout (1 s), so the probe sees our 503, not its own timeout. */
const TIMEOUT_MS = 800;

async function storeAnswers(store: Store, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const probe = store.get('keys', 'readyz-probe').then(() => true, () => false);
  const late = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([probe, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function readyz(store: Store, timeoutMs = TIMEOUT_MS) {
  return async function readyzRoute(ctx: Context): Promise<void> {
    ctx.set('Cache-Control', 'no-store');
    if (await storeAnswers(store, timeoutMs)) {
      ctx.body = { status: 'ready' };
    } else {
      ctx.status = 503;
      ctx.set('Retry-After', '5');
      ctx.body = { status: 'unavailable' };
    }
  };
}
