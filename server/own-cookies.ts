/**
 * When another Koa app mounts handoff, every request's context belongs to
 * that app, and Koa would sign cookies with its keys. oidc-provider checks
 * them with handoff's keys, so handoff's own cookie jar is put in place first.
 *
 * The jars also hold handoff's cookie policy (contract §8), so no route can
 * forget it: every cookie is HttpOnly with SameSite (Lax unless the route
 * chose), Secure exactly when the issuer is https (the scheme pinIssuer set,
 * never a proxy's word), and lives under the issuer's path: the root path
 * `/` means the issuer's root. oidc-provider's own jar gets the same policy,
 * which matters for the cookies it sets outside its configuration (such as
 * the removal of a bad signature cookie).
 */
import Cookies from 'cookies';
import type Koa from 'koa';
import type { Context, Next } from 'koa';
import { issuerPath } from './config.js';

export function withCookiePolicy(jar: Cookies, issuer: string): Cookies {
  const root = issuerPath(issuer) || '/';
  const set = jar.set.bind(jar);
  jar.set = (name: string, value?: string | null, options: Cookies.SetOption = {}) => set(name, value, {
    httpOnly: true,
    sameSite: 'lax',
    ...options,
    path: !options.path || options.path === '/' ? root : options.path,
  });
  return jar;
}

export function ownCookies(app: Koa, issuer: string) {
  return function useOwnCookieKeys(ctx: Context, next: Next) {
    ctx.cookies = withCookiePolicy(new Cookies(ctx.req, ctx.res, { keys: app.keys, secure: ctx.request.secure }), issuer);
    return next();
  };
}

/** oidc-provider makes its cookie jars from a context of its own app. */
export function oidcCookiePolicy(oidc: Koa, issuer: string): void {
  const createContext = oidc.createContext.bind(oidc);
  oidc.createContext = (req, res) => {
    const ctx = createContext(req, res);
    withCookiePolicy(ctx.cookies, issuer);
    return ctx;
  };
}
