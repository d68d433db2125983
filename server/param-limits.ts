/**
 * Length caps on authorization parameters (contract §2 and §8). oidc-provider
 * stores the parameters of every authorization request in an Interaction
 * record, and a pushed request in a PAR record, so without a cap one
 * unauthenticated GET could make the store keep tens of kilobytes.
 *
 * Every parameter is capped at 2 KiB (2048 characters), except those that
 * carry a JWT by design (`request`, `id_token_hint`, `client_assertion`:
 * 16 KiB) and step 1's own payload parameters, which the body limit bounds.
 */
import type { Context, Next } from 'koa';
import { HttpError, invalidRequest, writeError, type ErrorDetail } from './errors.js';
import { errorPage } from './views/layout.js';
import { mediaType, readBody } from './read-body.js';
import { strictFormText } from './strict-utf8.js';

export const PARAM_CAP = 2048;
export const JWT_PARAM_CAP = 16 * 1024;
const JWT_PARAMS = new Set(['request', 'id_token_hint', 'client_assertion']);
/** Bounded by the request body limit instead. */
const UNCAPPED = new Set(['preauth_payload', 'payload', 'subject_token']);

export function capOf(name: string): number {
  if (UNCAPPED.has(name)) return Infinity;
  return JWT_PARAMS.has(name) ? JWT_PARAM_CAP : PARAM_CAP;
}

/** One detail per parameter over its cap. */
export function overCap(params: Iterable<[string, unknown]>): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const seen = new Set<string>();
  for (const [name, value] of params) {
    if (seen.has(name)) continue;
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && v.length > capOf(name))) {
      seen.add(name);
      details.push({ field: name, message: `must be at most ${capOf(name)} characters` });
    }
  }
  return details;
}

/**
 * Runs before oidc-provider on its authorization and PAR endpoints, each path
 * with its body limit (oidc-provider's own for /auth; step 1's for PAR, whose
 * body may carry a payload). Over a cap it answers itself, with status 400,
 * before anything is stored: an error page for browsers, else OAuth JSON.
 */
export function capAuthorizationParams(bodyLimits: Record<string, number>) {
  return async function capParams(ctx: Context, next: Next): Promise<void> {
    const bodyLimit = Object.hasOwn(bodyLimits, ctx.path) ? bodyLimits[ctx.path]! : undefined;
    if (bodyLimit === undefined) return next();
    const details = overCap(Object.entries(ctx.query));
    if (ctx.method === 'POST' && mediaType(ctx) === 'application/x-www-form-urlencoded') {
      let body: string;
      try {
        body = strictFormText(await readBody(ctx, bodyLimit));
      } catch (err) {
        if (err instanceof HttpError) return writeError(ctx, err);
        throw err;
      }
      // oidc-provider uses an upstream-read body when the stream is consumed.
      (ctx.request as unknown as { body: string }).body = body;
      details.push(...overCap(new URLSearchParams(body)));
    }
    if (!details.length) return next();
    const error = invalidRequest(`authorization parameters over their length cap: ${details.map((d) => d.field).join(', ')}`, details);
    if (ctx.method === 'GET' && ctx.accepts('html', 'json') === 'html') {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = errorPage(error.error, error.description);
      return;
    }
    writeError(ctx, error);
  };
}
