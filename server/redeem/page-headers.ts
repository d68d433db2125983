/**
 * Headers of every redemption answer (contract §8): nothing is cached (the
 * URL is a one-time secret), no Referer carries it onward, no page can be
 * framed or sniffed into something else.
 */
import type { Context } from 'koa';

export function redemptionHeaders(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Content-Security-Policy', "frame-ancestors 'none'");
}
