/**
 * An issuer with a path prefix (`https://example.com/login`): the whole app,
 * oidc-provider included, answers below that path, and nothing else. Inside,
 * routes stay at their usual paths; oidc-provider learns the prefix from the
 * mount (ctx.mountPath) and prints every URL with it.
 */
import Koa from 'koa';
import mount from 'koa-mount';
import { issuerPath } from './config.js';

export { issuerPath } from './config.js';

export function underIssuerPath(app: Koa, issuer: string): Koa {
  const outer = new Koa();
  outer.keys = app.keys;
  outer.proxy = app.proxy;
  outer.maxIpsCount = app.maxIpsCount;
  outer.use(mount(issuerPath(issuer), app));
  return outer;
}
