/**
 * `/interaction/:uid/abort`: the user cancelled. The authorization request
 * ends with `access_denied`, delivered to the client's redirect_uri.
 */
import type { Context } from 'koa';
import type { Provider as OidcProvider } from 'oidc-provider';
import { loadInteraction } from './load-interaction.js';
import { seeOther } from './respond.js';

export function abortInteraction(oidc: OidcProvider) {
  return async function abort(ctx: Context & { params: { uid: string } }): Promise<void> {
    if (ctx.method === 'HEAD') {
      ctx.status = 204;
      return;
    }
    const loaded = await loadInteraction(ctx, oidc);
    if (!loaded) return;
    const returnTo = await oidc.interactionResult(ctx.req, ctx.res, {
      error: 'access_denied',
      error_description: 'End-User aborted interaction',
    });
    seeOther(ctx, returnTo);
  };
}
