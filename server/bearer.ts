/** The token of an `Authorization: Bearer <token>` header (RFC 6750 §2.1), if any. */
import type { Context } from 'koa';

export function bearerToken(ctx: Context): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('authorization'))?.[1];
}
