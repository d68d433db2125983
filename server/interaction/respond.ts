/**
 * How the interaction pages answer: HTML that is never cached, never framed,
 * and under a strict Content-Security-Policy.
 */
import type { Context } from 'koa';
import { errorPage, type ClientBrand } from '../views/layout.js';

/**
 * `form-action` also governs where a form submission may be redirected to
 * (Chromium enforces it along the whole redirect chain). After the login or
 * consent POST the browser is sent through /auth on to the client's
 * redirect_uri, so that URI's origin (or scheme, for native apps) is allowed
 * besides 'self'. `img-src https:` lets the client's registered logo show.
 */
export function formTargets(redirectUris: readonly string[]): string[] {
  const sources = new Set<string>();
  for (const uri of redirectUris) {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      continue;
    }
    if (url.protocol === 'https:' || url.protocol === 'http:') sources.add(url.origin);
    else if (/^[a-z][a-z0-9+.-]*:$/i.test(url.protocol)) sources.add(url.protocol);
  }
  return [...sources];
}

export function setPageHeaders(ctx: Context, formTargetSources: readonly string[] = []): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set(
    'Content-Security-Policy',
    `default-src 'none'; style-src 'unsafe-inline'; img-src https:; form-action ${["'self'", ...formTargetSources].join(' ')}; frame-ancestors 'none'; base-uri 'none'`,
  );
}

export function sendPage(ctx: Context, status: number, html: string, formTargetSources: readonly string[] = []): void {
  setPageHeaders(ctx, formTargetSources);
  ctx.status = status;
  ctx.type = 'html';
  ctx.body = html;
}

export function sendError(ctx: Context, status: number, error: string, description?: string, brand?: ClientBrand): void {
  sendPage(ctx, status, errorPage(error, description, brand));
}

/** 303 See Other: the browser follows with a GET, whatever it sent. */
export function seeOther(ctx: Context, location: string): void {
  ctx.set('Cache-Control', 'no-store');
  ctx.status = 303;
  ctx.redirect(location);
}
