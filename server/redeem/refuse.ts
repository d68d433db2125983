/**
 * A redemption that fails: one audit event with its reason, then either the
 * client's fallback login (303) or a 4xx that says the reason in words (JSON
 * `{ error, error_description, reason }` when the request prefers JSON).
 * Never a redirect that carries a code.
 */
import type { Context } from 'koa';
import type { Client } from 'oidc-provider';
import type { FailureReason, Tombstone } from '../handoffs.js';
import { errorPage } from '../views/layout.js';
import type { RedeemDeps } from './deps.js';
import { fallbackUrl, fallsBack } from './fallback.js';

export const REASON_TEXT: Record<FailureReason, string> = {
  unknown: 'This sign-in link is not valid. Check that it was copied completely, or ask for a new one.',
  expired: 'This sign-in link has expired. Ask for a new one.',
  used: 'This sign-in link was already used. Each link works only once; ask for a new one.',
  ip_mismatch: 'This sign-in link can only be used from the network it was made for.',
  not_allowed: 'This application is no longer allowed to sign you in with this link.',
};

/** What is known of the handoff behind a failed redemption (nothing for an unknown code). */
export type Known = Pick<Tombstone, 'clientId' | 'provider' | 'sub' | 'params' | 'loginHint'>;

export function refuse(ctx: Context, deps: RedeemDeps, reason: FailureReason, known?: Known, client?: Client): void {
  deps.events.emit('handoff.rejected', { client_id: known?.clientId, provider: known?.provider, sub: known?.sub, reason });
  if (known && fallsBack(client, reason)) {
    ctx.status = 303;
    ctx.redirect(fallbackUrl(deps.issuer, known));
    return;
  }
  ctx.status = 400;
  if (ctx.accepts('html', 'json') === 'json') {
    ctx.body = { error: 'invalid_grant', error_description: REASON_TEXT[reason], reason };
  } else {
    ctx.type = 'html';
    ctx.body = errorPage('invalid_grant', REASON_TEXT[reason]);
  }
}
