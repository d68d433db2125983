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

export async function readJsonObject(ctx: Context): Promise<JsonObject> {
  const text = (await readBody(ctx, ADMIN_BODY_LIMIT)).toString('utf8');
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
