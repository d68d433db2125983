/**
 * Step 2 as a short list of steps, shared by `/preauth/{code}` and by a
 * pushed authorization request that stands for a handoff. Every check runs
 * before the code is consumed, so a refused attempt leaves it as it was.
 */
import type { Context, Next } from 'koa';
import type { Handoff } from '../handoffs.js';
import { clientStillAllowed } from './check-client-allowed.js';
import { ipBindingHolds } from './check-ip-binding.js';
import { answeredByRedemptionPolicy } from './confirm-page.js';
import type { RedeemDeps } from './deps.js';
import { endOtherSession } from './end-other-session.js';
import { forwardToAuthorization } from './forward-to-authorization.js';
import { redemptionHeaders } from './page-headers.js';
import { markRedemption } from '../oidc/redemption.js';
import { refuse } from './refuse.js';

/**
 * `key` is the handoff's store key (undefined for a malformed code);
 * `selfUrl` is this request's own URL, built from the issuer, for the
 * confirmation form.
 */
export async function redeemHandoff(ctx: Context, next: Next, deps: RedeemDeps, key: string | undefined, selfUrl: string): Promise<void> {
  redemptionHeaders(ctx);
  // Link previewers send HEAD and must never burn the code.
  if (ctx.method === 'HEAD') {
    ctx.status = 200;
    ctx.type = 'html';
    return;
  }
  const done = deps.events.timeRedemption();
  try {
    const found = await deps.handoffs.lookup(key);
    if (!found.pending) {
      const client = found.tombstone && await deps.oidc.Client.find(found.tombstone.clientId);
      const reason = found.tombstone && !client ? 'not_allowed' : found.reason;
      return refuse(ctx, deps, reason, found.tombstone, client);
    }
    const handoff: Handoff = found.pending;
    const client = await deps.oidc.Client.find(handoff.clientId);
    if (!clientStillAllowed(client, handoff)) return refuse(ctx, deps, 'not_allowed', handoff, client);
    if (!ipBindingHolds(ctx, client, handoff)) return refuse(ctx, deps, 'ip_mismatch', handoff, client);
    if (await answeredByRedemptionPolicy(ctx, deps, client, handoff, selfUrl)) return;

    const consumed = await deps.handoffs.consume(key!);
    if (!consumed) return refuse(ctx, deps, 'used', handoff, client); // a concurrent request won
    deps.events.emit('handoff.redeemed', { client_id: consumed.clientId, provider: consumed.provider, sub: consumed.sub });

    await endOtherSession(ctx, deps.oidc, deps.handoffs, consumed.sub);
    markRedemption(ctx.req, { key: key!, handoff: consumed });
    // A confirming POST continues as the GET would: oidc-provider reads a
    // POSTed authorization request from the body, this one is in the URL.
    ctx.method = 'GET';
    forwardToAuthorization(ctx, consumed);
    await next();
  } finally {
    done();
  }
}
