/**
 * oidc-provider builds every URL it prints (discovery, redirects) from the
 * request's Host and forwarded headers. Pinning them to ISSUER keeps every
 * printed URL under the issuer, whatever name the request came in by.
 */
import type { Context, Next } from 'koa';

export function pinIssuer(issuer: string) {
  const { host, protocol } = new URL(issuer);
  return function pinIssuerHost(ctx: Context, next: Next) {
    ctx.request.header.host = host;
    delete ctx.request.header['x-forwarded-host'];
    if (protocol === 'https:') ctx.request.header['x-forwarded-proto'] = 'https';
    return next();
  };
}
