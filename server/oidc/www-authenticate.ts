/**
 * RFC 9110 §11.6.1 / RFC 6749 §5.2: every 401 carries `WWW-Authenticate`
 * (contract §2). oidc-provider adds one at its client-authenticated endpoints
 * only when the client sent an Authorization header, so a failed
 * `client_secret_post` or `private_key_jwt` authentication had none. This
 * middleware wraps the whole application and adds the challenge wherever a
 * 401 leaves without one: `Basic` where a client authenticates itself
 * (/token, introspection, revocation, PAR), else `Bearer`. Routes that set
 * their own challenge keep it.
 */
import type { Context, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';

/** oidc-provider routes where the caller is a client authenticating itself. */
const CLIENT_AUTH_ROUTES = new Set(['token', 'introspection', 'revocation', 'pushed_authorization_request', 'backchannel_authentication', 'device_authorization']);

const quoted = (value: string) => `"${value.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]/g, ' ')}"`;

function challenge(ctx: Context, issuer: string): string {
  const route = (ctx as unknown as Partial<KoaContextWithOIDC>).oidc?.route;
  const scheme = route && CLIENT_AUTH_ROUTES.has(route) ? 'Basic' : 'Bearer';
  const body = (ctx.body && typeof ctx.body === 'object' ? ctx.body : {}) as { error?: unknown; error_description?: unknown };
  const fields = [`realm=${quoted(issuer)}`];
  if (typeof body.error === 'string') fields.push(`error=${quoted(body.error)}`);
  if (typeof body.error_description === 'string') fields.push(`error_description=${quoted(body.error_description)}`);
  return `${scheme} ${fields.join(', ')}`;
}

export function challengeEvery401(issuer: string) {
  return async function wwwAuthenticate(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } finally {
      if (ctx.status === 401 && !ctx.response.get('WWW-Authenticate')) ctx.set('WWW-Authenticate', challenge(ctx, issuer));
    }
  };
}
