/**
 * Reads a request body as sent, up to the configured limit. The limit counts
 * the bytes on the wire, so a JWS's base64 growth counts too.
 */
import type { Context } from 'koa';
import { HttpError, invalidRequest, payloadTooLarge } from './errors.js';

/**
 * An oversized body is refused as soon as its Content-Length, or the bytes
 * received so far, pass the limit; the rest is never read. The answer closes
 * the connection (`Connection: close`) instead of draining the upload, so an
 * unauthenticated caller cannot make the server read gigabytes.
 */
function tooLarge(ctx: Context, limit: number) {
  ctx.set('Connection', 'close');
  return payloadTooLarge(limit);
}

/** Bodies already read, so a second reader (another middleware) gets the same bytes. */
const bodies = new WeakMap<object, Buffer>();

export async function readBody(ctx: Context, limit: number): Promise<Buffer> {
  const earlier = bodies.get(ctx.req);
  if (earlier) {
    if (earlier.length > limit) throw tooLarge(ctx, limit);
    return earlier;
  }
  const declared = ctx.get('content-length');
  if (declared && /^\d+$/.test(declared) && Number(declared) > limit) throw tooLarge(ctx, limit);
  const req = ctx.req;
  const chunks: Buffer[] = [];
  let received = 0;
  const outcome = await new Promise<'ok' | 'too-large' | 'broken'>((resolve) => {
    const done = (result: 'ok' | 'too-large' | 'broken') => {
      req.off('data', onData).off('end', onEnd).off('error', onError).off('aborted', onError);
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received <= limit) return void chunks.push(chunk);
      // Stop reading here; the answer closes the connection.
      req.pause();
      done('too-large');
    };
    const onEnd = () => done('ok');
    const onError = () => done('broken');
    if (req.readableEnded) return resolve('ok');
    req.on('data', onData).on('end', onEnd).on('error', onError).on('aborted', onError);
  });
  if (outcome === 'too-large') throw tooLarge(ctx, limit);
  if (outcome === 'broken') {
    ctx.set('Connection', 'close');
    throw invalidRequest('the request body could not be read');
  }
  const body = Buffer.concat(chunks, received);
  bodies.set(ctx.req, body);
  return body;
}

/** The media type without parameters, lower-cased; '' when absent. */
export function mediaType(ctx: Context): string {
  return (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
}

/** A small `application/x-www-form-urlencoded` body (a page's form), strictly UTF-8. */
export async function readForm(ctx: Context, limit: number): Promise<URLSearchParams> {
  if (mediaType(ctx) !== 'application/x-www-form-urlencoded') {
    throw new HttpError(415, 'invalid_request', 'the form must be sent as application/x-www-form-urlencoded');
  }
  const body = await readBody(ctx, limit);
  try {
    return new URLSearchParams(new TextDecoder('utf-8', { fatal: true }).decode(body));
  } catch {
    throw invalidRequest('the form is not valid UTF-8');
  }
}
