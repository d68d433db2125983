/**
 * RFC 6749 §5.2: a client using a grant type it is not registered for gets
 * `unauthorized_client`. oidc-provider's token endpoint throws
 * `invalid_request` for that (lib/actions/token.js allowedGrantTypeCheck).
 * The answer is put right around oidc-provider's own routes (`oidc.use`, so
 * the route name, the authenticated client and the finished error answer are
 * known), keyed on the fact, not the message: the client is authenticated
 * and is not registered for the grant type it asked for. A grant type the
 * server does not know stays `unsupported_grant_type` (checked earlier).
 */
import type { KoaContextWithOIDC, Provider as OidcProvider } from 'oidc-provider';

function notRegisteredForGrant(ctx: KoaContextWithOIDC): boolean {
  const { oidc } = ctx;
  const grantType = (oidc.params as Record<string, unknown> | undefined)?.grant_type;
  const body = ctx.body as { error?: unknown } | undefined;
  return oidc.route === 'token' && ctx.status === 400 && body?.error === 'invalid_request'
    && !!oidc.client && typeof grantType === 'string' && !oidc.client.grantTypeAllowed(grantType);
}

export function tokenConformance(oidc: OidcProvider): void {
  oidc.use(async (ctx, next) => {
    await next();
    const oidcCtx = ctx as unknown as KoaContextWithOIDC;
    if (oidcCtx.oidc && notRegisteredForGrant(oidcCtx)) {
      ctx.body = { error: 'unauthorized_client', error_description: 'the client is not registered for this grant type' };
    }
  });
}
