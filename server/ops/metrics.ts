/**
 * GET /metrics (contract §7): the instance's Prometheus registry, behind a
 * bearer token: METRICS_TOKEN when configured (so a scraper never holds the
 * admin token), else the admin token itself.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Registry } from 'prom-client';
import { bearerToken } from '../bearer.js';
import { HttpError } from '../errors.js';

const digest = (token: string) => createHash('sha256').update(token).digest();

/** Constant time whatever the lengths: both sides are hashed first. */
export function tokenChecker(expected: string): (presented: string | undefined) => boolean {
  const want = digest(expected);
  return (presented) => !!presented && timingSafeEqual(digest(presented), want);
}

export function metrics(registry: Registry, check: (token: string | undefined) => boolean) {
  return async function metricsRoute(ctx: Context): Promise<void> {
    ctx.set('Cache-Control', 'no-store');
    const token = bearerToken(ctx);
    if (!token) throw new HttpError(401, 'invalid_token', 'a bearer token is required for /metrics');
    if (!check(token)) throw new HttpError(401, 'invalid_token', 'the token is not valid for /metrics');
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  };
}
