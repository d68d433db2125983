/**
 * After oidc-provider's resume step completes a redemption's login, the
 * handoff learns the session it produced. Only the Interaction path (a
 * request with a prompt, i.e. offline_access) gets here: a login completed
 * by preauth-sign-in.ts records its session with the grant. Only redemptions pay for the
 * look-up: they are recognised by their `acr`.
 */
import type { Context, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { Handoffs } from '../handoffs.js';
import { preauthAcr } from '../oidc/redemption.js';

const PREFIX = preauthAcr('');

export function recordSession(handoffs: Handoffs) {
  return async function recordRedemptionSession(ctx: Context, next: Next): Promise<void> {
    await next();
    const { oidc } = ctx as unknown as Partial<KoaContextWithOIDC>;
    if (oidc?.route !== 'resume') return;
    const login = oidc.result?.login as { acr?: string } | undefined;
    const grantId = oidc.result?.consent?.grantId;
    if (!login?.acr?.startsWith(PREFIX) || !grantId || !oidc.session?.uid) return;
    await handoffs.attachSession(grantId, oidc.session.uid);
  };
}
