/**
 * A request answered before its body was read to the end (a 413, an early
 * 401, an error from a parser with its own limit) closes its connection.
 * Node would otherwise read and discard the rest of the upload to keep the
 * connection alive, which lets an unauthenticated caller make the server
 * read an unbounded body.
 */
import type { Context, Next } from 'koa';

const hasBody = (ctx: Context) => !!ctx.get('content-length') && ctx.get('content-length') !== '0' || !!ctx.get('transfer-encoding');

export function closeOnUnreadBody() {
  return async function closeIfBodyUnread(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } finally {
      if (hasBody(ctx) && !ctx.req.complete) ctx.set('Connection', 'close');
    }
  };
}
