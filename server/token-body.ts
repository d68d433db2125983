/**
 * oidc-provider reads /token bodies itself with a fixed 56 KiB limit. Step 1
 * payloads are far larger, so /token bodies are read here with the configured
 * limit and handed over as `ctx.request.body`, which oidc-provider then uses.
 * The pushed authorization request endpoint carries step 1 too (its PAR form).
 */
import type { Context, Next } from 'koa';
import { HttpError, writeError } from './errors.js';
import { mediaType, readBody } from './read-body.js';
import { strictFormText } from './strict-utf8.js';

export function tokenBody(paths: string | string[], limit: number) {
  const read = new Set(Array.isArray(paths) ? paths : [paths]);
  return async function readTokenBody(ctx: Context, next: Next): Promise<void> {
    if (ctx.method === 'POST' && read.has(ctx.path) && mediaType(ctx) === 'application/x-www-form-urlencoded') {
      try {
        (ctx.request as unknown as { body: string }).body = strictFormText(await readBody(ctx, limit));
      } catch (err) {
        if (err instanceof HttpError) return writeError(ctx, err);
        throw err;
      }
    }
    await next();
  };
}
