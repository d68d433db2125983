/**
 * When another Koa app mounts handoff, every request's context belongs to
 * that app, and Koa would sign cookies with its keys. oidc-provider checks
 * them with handoff's keys, so handoff's own cookie jar is put in place first.
 */
import Cookies from 'cookies';
import type Koa from 'koa';
import type { Context, Next } from 'koa';

export function ownCookies(app: Koa) {
  return function useOwnCookieKeys(ctx: Context, next: Next) {
    if (ctx.app !== app) ctx.cookies = new Cookies(ctx.req, ctx.res, { keys: app.keys, secure: ctx.request.secure });
    return next();
  };
}
