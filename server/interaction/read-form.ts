/**
 * Reads the login form's small body. It has two short fields; anything much
 * larger is refused rather than buffered.
 */
import type { Context } from 'koa';
import { readForm as readFormBody } from '../read-body.js';

export const FORM_LIMIT = 8 * 1024;

export function readForm(ctx: Context, limit = FORM_LIMIT): Promise<URLSearchParams> {
  return readFormBody(ctx, limit);
}
