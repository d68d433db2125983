/**
 * handoff's own routes answer errors in the OAuth JSON shape of RFC 6749 §5.2,
 * plus `details` for per-field validation problems. oidc-provider's errors
 * cannot carry a 413 or `details`, so our routes throw HttpError and this
 * module writes the answer itself.
 */
import type { Context, Next } from 'koa';
import type { Logger } from 'pino';
import { StoreUnavailableError } from '../adapters/store.js';
import { loggableError, safePath } from './log.js';

export interface ErrorDetail {
  field: string;
  message: string;
}

export interface ErrorBody {
  error: string;
  error_description?: string;
  details?: ErrorDetail[];
}

/** Marks HttpErrors across module copies (a plugin may load the built package). */
const BRAND = Symbol.for('handoff.HttpError');

export class HttpError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  readonly [BRAND] = true;

  constructor(
    readonly status: number,
    readonly error: string,
    readonly description?: string,
    readonly details?: ErrorDetail[],
    /** Extra response headers, such as `Retry-After`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(description ?? error);
  }

  body(): ErrorBody {
    return {
      error: this.error,
      ...(this.description ? { error_description: this.description } : {}),
      ...(this.details ? { details: this.details } : {}),
    };
  }
}

export const invalidRequest = (description: string, details?: ErrorDetail[]) =>
  new HttpError(400, 'invalid_request', description, details);
export const invalidGrant = (description: string) => new HttpError(400, 'invalid_grant', description);
export const invalidClient = (description = 'client authentication failed') => new HttpError(401, 'invalid_client', description);
export const unauthorizedClient = (description: string) => new HttpError(400, 'unauthorized_client', description);
export const notFound = (description = 'not found') => new HttpError(404, 'not_found', description);
export const payloadTooLarge = (limit: number) =>
  new HttpError(413, 'invalid_request', `request body exceeds the limit of ${limit} bytes`);
/** Over a rate limit or a cap; `retryAfter` in whole seconds. */
export const tooManyRequests = (description: string, retryAfter: number) =>
  new HttpError(429, 'too_many_requests', description, undefined, { 'Retry-After': String(Math.max(1, Math.ceil(retryAfter))) });
export const temporarilyUnavailable = (description = 'the store is not answering; try again shortly') =>
  new HttpError(503, 'temporarily_unavailable', description, undefined, { 'Retry-After': '5' });

export function writeError(ctx: Context, err: HttpError): void {
  ctx.status = err.status;
  ctx.body = err.body();
  ctx.set(err.headers);
  if (err.status === 401 && !err.headers['WWW-Authenticate']) ctx.set('WWW-Authenticate', 'Bearer realm="handoff"');
  ctx.set('Cache-Control', 'no-store');
}

/**
 * For handoff's own routes: HttpError becomes its JSON answer; anything else
 * is logged (without request bodies or the error's message, either of which
 * may carry secrets) and becomes a
 * generic 500 so internals never leak.
 */
export function jsonErrors(log: Logger) {
  return async function jsonErrorsMiddleware(ctx: Context, next: Next) {
    try {
      await next();
    } catch (err) {
      if (err instanceof HttpError) return writeError(ctx, err);
      // The store is down: a 503 that clients retry, not a 500; logged without the request.
      if (err instanceof StoreUnavailableError) {
        log.warn({ path: safePath(ctx.path), cause: String((err.cause as Error)?.message ?? err.cause) }, 'store unavailable');
        return writeError(ctx, temporarilyUnavailable());
      }
      log.error({ err: loggableError(err), path: safePath(ctx.originalUrl) }, 'unhandled error');
      writeError(ctx, new HttpError(500, 'server_error', 'internal server error'));
    }
  };
}
