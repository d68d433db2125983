/**
 * Contract §8: every HTML page, whoever renders it (handoff's views or
 * oidc-provider's own error, logout and form_post pages), is sent with
 * `nosniff`, no framing and no referrer. Done once here, after the response
 * is built, so a page added later cannot forget it. A page's own CSP is kept
 * (and gets `frame-ancestors 'none'` added when it lacks one).
 */
import type { Context, Next } from 'koa';

export function pageHeaders() {
  return async function addPageHeaders(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } finally {
      if (ctx.response.is('html')) {
        if (!ctx.response.get('X-Content-Type-Options')) ctx.set('X-Content-Type-Options', 'nosniff');
        if (!ctx.response.get('Referrer-Policy')) ctx.set('Referrer-Policy', 'no-referrer');
        const csp = String(ctx.response.get('Content-Security-Policy') ?? '');
        if (!csp) ctx.set('Content-Security-Policy', "frame-ancestors 'none'");
        else if (!/(^|;)\s*frame-ancestors\s/i.test(csp)) ctx.set('Content-Security-Policy', `${csp.replace(/;\s*$/, '')}; frame-ancestors 'none'`);
      }
    }
  };
}
