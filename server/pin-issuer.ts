/**
 * The scheme and host of every request are the issuer's, whatever the
 * connection or a proxy says: oidc-provider builds every URL it prints
 * (discovery, redirects) from them, and cookies are `Secure` exactly when the
 * scheme is https. This must be the first middleware, before anything reads
 * `ctx.cookies` (whose Secure default is fixed when first read) or a URL.
 * Client IPs are another matter: `app.proxy` (TRUST_PROXY) alone decides
 * whether X-Forwarded-For is believed.
 */
import type { Context, Next } from 'koa';

export function pinIssuer(issuer: string) {
  const { host, protocol } = new URL(issuer);
  const scheme = protocol.slice(0, -1);
  return function pinIssuerOrigin(ctx: Context, next: Next) {
    // Own properties shadow Koa's getters, which would read the socket or X-Forwarded-Proto.
    Object.defineProperty(ctx.request, 'protocol', { value: scheme, configurable: true });
    ctx.request.header.host = host;
    delete ctx.request.header['x-forwarded-host'];
    delete ctx.request.header['x-forwarded-proto'];
    return next();
  };
}
