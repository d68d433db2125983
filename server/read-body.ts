/**
 * Reads a request body as sent, up to the configured limit. The limit counts
 * the bytes on the wire, so a JWS's base64 growth counts too.
 */
import type { Context } from 'koa';
import { invalidRequest, payloadTooLarge } from './errors.js';

/**
 * An oversized body is still read to its end (and dropped) before the 413 is
 * sent: answering mid-upload makes many HTTP clients report a reset socket
 * instead of the 413. Past this many bytes the connection is cut instead.
 */
const DRAIN_CAP = 64 * 1024 * 1024;

export async function readBody(ctx: Context, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of ctx.req) {
      received += (chunk as Buffer).length;
      if (received > DRAIN_CAP) {
        ctx.req.destroy();
        break;
      }
      if (received <= limit) chunks.push(chunk as Buffer);
    }
  } catch {
    throw invalidRequest('the request body could not be read');
  }
  if (received > limit) throw payloadTooLarge(limit);
  return Buffer.concat(chunks, received);
}

/** The media type without parameters, lower-cased; '' when absent. */
export function mediaType(ctx: Context): string {
  return (ctx.get('content-type').split(';')[0] ?? '').trim().toLowerCase();
}
