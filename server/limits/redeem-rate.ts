/**
 * `RATE_LIMIT_REDEEM`: redemption attempts (`/preauth/…` GET or POST, and
 * `/auth` with a `request_uri`, which redeems a pushed step 1) per client IP
 * per minute. Runs in front of the redemption routes, so a refused attempt
 * consumes nothing. HEAD never redeems and is not counted.
 */
import type { Context, Next } from 'koa';
import type { Store } from '../../adapters/store.js';
import type { Events } from '../events.js';
import { MINUTE } from './settings.js';
import { countOrRefuse } from './window.js';

export function redeemRate(deps: { store: Store; events: Events }, max: number) {
  return async function limitRedemptions(ctx: Context, next: Next): Promise<void> {
    const redeems = ctx.path.startsWith('/preauth/') || (ctx.path === '/auth' && ctx.query.request_uri !== undefined);
    if ((ctx.method === 'GET' || ctx.method === 'POST') && redeems) {
      await countOrRefuse(deps, 'redeem', ctx.ip, MINUTE, max, { ip: ctx.ip },
        `more than ${max} redemption attempts per minute from this address`);
    }
    return next();
  };
}
