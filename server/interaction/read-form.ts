/**
 * Reads a small `application/x-www-form-urlencoded` body. The login form has
 * two short fields; anything much larger is refused rather than buffered.
 */
import type { Context } from 'koa';
import { HttpError, invalidRequest } from '../errors.js';
import { mediaType, readBody } from '../read-body.js';

export const FORM_LIMIT = 8 * 1024;

export async function readForm(ctx: Context, limit = FORM_LIMIT): Promise<URLSearchParams> {
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
