/**
 * The PAR form of step 1 (contract §4 d) ends in an ordinary authorization
 * URL, `<issuer>/auth?client_id=…&request_uri=…`. When that request_uri
 * stands for a handoff, opening it is a redemption like `/preauth/{code}`:
 * same steps, same policies, once. Any other request_uri goes on to
 * oidc-provider untouched. The client_id there is the pushing client's own
 * (oidc-provider checked it at push time); the request_uri alone decides.
 */
import type { Context, Next } from 'koa';
import type { RedeemDeps } from './deps.js';
import { redeemHandoff } from './redeem-handoff.js';

export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

export function pushedRedemption(deps: RedeemDeps, authorizationPath = '/auth') {
  return async function redeemPushed(ctx: Context, next: Next): Promise<void> {
    if (ctx.path !== authorizationPath || !['GET', 'HEAD', 'POST'].includes(ctx.method)) return next();
    const requestUri = ctx.query.request_uri;
    if (typeof requestUri !== 'string' || !requestUri.startsWith(REQUEST_URI_PREFIX)) return next();
    const key = await deps.handoffs.keyOfPushedRequest(requestUri.slice(REQUEST_URI_PREFIX.length));
    if (!key) return next();
    const self = new URLSearchParams({ ...(typeof ctx.query.client_id === 'string' ? { client_id: ctx.query.client_id } : {}), request_uri: requestUri });
    return redeemHandoff(ctx, next, deps, key, `${deps.issuer}${authorizationPath}?${self}`);
  };
}
