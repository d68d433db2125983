/**
 * Turns the consumed handoff back into the ordinary authorization request
 * step 1 described, and hands the request to oidc-provider. From here on the
 * library does all protocol work: redirect_uri checks, code issuance, PKCE.
 */
import type { Context } from 'koa';
import type { Handoff } from '../handoffs.js';

export function authorizationUrl(handoff: Handoff): string {
  const { params } = handoff;
  const query = new URLSearchParams({
    client_id: handoff.clientId,
    response_type: 'code',
    redirect_uri: params.redirect_uri,
    scope: params.scope,
  });
  for (const name of ['state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode'] as const) {
    const value = params[name];
    if (value !== undefined) query.set(name, value);
  }
  // oidc-provider drops offline_access unless consent is prompted; the
  // preauth prompt answers consent itself, so asking for it costs nothing.
  if (params.scope.split(' ').includes('offline_access')) query.set('prompt', 'consent');
  return `/auth?${query}`;
}

export function forwardToAuthorization(ctx: Context, handoff: Handoff): void {
  ctx.url = authorizationUrl(handoff);
}
