/**
 * Two RFC 6749 details oidc-provider answers differently, put right around
 * its own routes (installed with `oidc.use`, so they see the route name, the
 * authenticated client and the finished error answer):
 *
 * - §5.2: a client using a grant type it is not registered for gets
 *   `unauthorized_client`. oidc-provider's token endpoint throws
 *   `invalid_request` for that (lib/actions/token.js allowedGrantTypeCheck).
 *   The rewrite is keyed on the fact, not the message: the client is
 *   authenticated and does not have the grant type it asked for.
 * - §5.2 / RFC 7235: every 401 carries `WWW-Authenticate`. oidc-provider adds
 *   one only when the client sent an Authorization header, so a failed
 *   `client_secret_post` or `private_key_jwt` authentication had none.
 */
import type { KoaContextWithOIDC, Provider as OidcProvider } from 'oidc-provider';

/** Routes where the caller is a client authenticating itself (Basic is the scheme it can answer with). */
const CLIENT_AUTH_ROUTES = new Set(['token', 'introspection', 'revocation', 'pushed_authorization_request', 'backchannel_authentication', 'device_authorization']);

const quoted = (value: string) => `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

function notRegisteredForGrant(ctx: KoaContextWithOIDC): boolean {
  const { oidc } = ctx;
  const grantType = (oidc.params as Record<string, unknown> | undefined)?.grant_type;
  const body = ctx.body as { error?: unknown } | undefined;
  return oidc.route === 'token' && ctx.status === 400 && body?.error === 'invalid_request'
    && !!oidc.client && typeof grantType === 'string' && !oidc.client.grantTypeAllowed(grantType);
}

function challenge(ctx: KoaContextWithOIDC): string {
  const body = (ctx.body ?? {}) as { error?: unknown; error_description?: unknown };
  const scheme = CLIENT_AUTH_ROUTES.has(ctx.oidc.route) ? 'Basic' : 'Bearer';
  const fields = [`realm=${quoted(ctx.oidc.issuer)}`];
  if (typeof body.error === 'string') fields.push(`error=${quoted(body.error)}`);
  if (typeof body.error_description === 'string') fields.push(`error_description=${quoted(body.error_description)}`);
  return `${scheme} ${fields.join(', ')}`;
}

export function tokenConformance(oidc: OidcProvider): void {
  oidc.use(async (ctx, next) => {
    await next();
    const oidcCtx = ctx as unknown as KoaContextWithOIDC;
    if (!oidcCtx.oidc) return;
    if (notRegisteredForGrant(oidcCtx)) {
      ctx.body = { error: 'unauthorized_client', error_description: 'the client is not registered for this grant type' };
    }
    if (ctx.status === 401 && !ctx.response.get('WWW-Authenticate')) ctx.set('WWW-Authenticate', challenge(oidcCtx));
  });
}
