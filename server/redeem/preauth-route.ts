/**
 * Step 2: `GET /preauth/{code}`. Consumes the code (exactly once), signs out
 * another subject, then continues into oidc-provider's authorization
 * endpoint, which the `preauth` prompt completes without any page.
 */
import type { Context, Next } from 'koa';
import type { Provider as OidcProvider } from 'oidc-provider';
import type { Handoffs } from '../handoffs.js';
import { errorPage } from '../views/layout.js';
import { endOtherSession } from './end-other-session.js';
import { forwardToAuthorization } from './forward-to-authorization.js';
import { markRedemption } from './redemption.js';

function refuse(ctx: Context): void {
  const description = 'this sign-in link is unknown, expired or was already used';
  ctx.status = 400;
  if (ctx.accepts('html', 'json') === 'json') {
    ctx.body = { error: 'invalid_grant', error_description: description };
  } else {
    ctx.type = 'html';
    ctx.body = errorPage('invalid_grant', description);
  }
}

export function preauthRoute(oidc: OidcProvider, handoffs: Handoffs) {
  return async function redeem(ctx: Context & { params: { code: string } }, next: Next): Promise<void> {
    ctx.set('Cache-Control', 'no-store');
    ctx.set('Referrer-Policy', 'no-referrer');
    // @koa/router serves HEAD through GET routes; link previewers send HEAD
    // and must never burn the code.
    if (ctx.method === 'HEAD') {
      ctx.status = 200;
      ctx.type = 'html';
      return;
    }
    const redemption = await handoffs.redeem(ctx.params.code);
    if (!redemption) return refuse(ctx);
    await endOtherSession(ctx, oidc, handoffs, redemption.handoff.sub);
    markRedemption(ctx.req, redemption);
    forwardToAuthorization(ctx, redemption.handoff);
    await next();
  };
}
