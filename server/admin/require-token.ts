/**
 * Every admin route needs the admin bearer token. The check runs before the
 * route is known to exist, so an unauthenticated caller cannot probe which
 * admin paths or ids exist. Admin answers may carry secrets: never cached.
 */
import type { Context, Next } from 'koa';
import { bearerToken } from '../bearer.js';
import { HttpError } from '../errors.js';

export function requireToken(check: (token: string | undefined) => boolean) {
  return async function requireAdminToken(ctx: Context, next: Next): Promise<void> {
    ctx.set('Cache-Control', 'no-store');
    const token = bearerToken(ctx);
    if (!token) throw new HttpError(401, 'invalid_token', 'an admin bearer token is required');
    if (!check(token)) throw new HttpError(401, 'invalid_token', 'the admin token is not valid');
    await next();
  };
}
