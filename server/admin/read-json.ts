/**
 * Admin request bodies: a JSON object, read with a fixed limit. The media
 * type is not insisted on (curl users forget it); the content decides.
 */
import type { Context } from 'koa';
import { invalidRequest } from '../errors.js';
import { checkJsonDepth } from '../json-depth.js';
import { readBody } from '../read-body.js';

/** Client metadata with a few JWKs fits easily; anything larger is a mistake. */
export const ADMIN_BODY_LIMIT = 256 * 1024;

export type JsonObject = Record<string, unknown>;

/** Fatal, so invalid UTF-8 is refused rather than stored as U+FFFD (contract §8). */
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

export async function readJsonObject(ctx: Context): Promise<JsonObject> {
  const body = await readBody(ctx, ADMIN_BODY_LIMIT);
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    throw invalidRequest('the request body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalidRequest('the request body must be a JSON object');
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidRequest('the request body must be a JSON object');
  }
  checkJsonDepth(value, 'the request body');
  return value as JsonObject;
}
