/**
 * How the admin page answers: HTML under the §8 headers, never cached,
 * never framed, with a CSP that allows styles and scripts only from the
 * page's own origin (nothing inline), and forms posting only to it.
 * Changes are also refused when the browser says they come from elsewhere.
 */
import type { Context } from 'koa';
import { readForm as readFormBody } from '../read-body.js';
import { ADMIN_BODY_LIMIT } from '../admin/read-json.js';

export const ADMIN_CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export function securityHeaders(ctx: Context): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('Content-Security-Policy', ADMIN_CSP);
}

export function sendHtml(ctx: Context, status: number, html: string): void {
  securityHeaders(ctx);
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = html;
}

/** 303 See Other: after a POST the browser follows with a GET. */
export function seeOther(ctx: Context, location: string): void {
  securityHeaders(ctx);
  ctx.status = 303;
  ctx.redirect(location);
}

/**
 * SameSite=Strict already keeps the session cookie off cross-site requests;
 * a browser that names another origin (Origin, Sec-Fetch-Site) is refused too.
 */
export function fromElsewhere(ctx: Context, issuerOrigin: string): boolean {
  // Under Referrer-Policy: no-referrer, form posts send `Origin: null`.
  const origin = ctx.get('origin');
  if (origin && origin !== 'null' && origin !== issuerOrigin) return true;
  const site = ctx.get('sec-fetch-site');
  return site === 'cross-site' || site === 'same-site';
}

/** A form post: urlencoded only, with the admin API's body limit (a JWKS fits). */
export function readForm(ctx: Context): Promise<URLSearchParams> {
  return readFormBody(ctx, ADMIN_BODY_LIMIT);
}
