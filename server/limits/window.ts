/**
 * Fixed-window counting on the store's atomic `hit`, so every instance on one
 * store shares each count. Keys are hashed: counter ids stay short and hold
 * no usernames or addresses in clear.
 */
import { createHash } from 'node:crypto';
import type { Store } from '../../adapters/store.js';
import type { AuditFields, Events } from '../events.js';
import { tooManyRequests } from '../errors.js';

export const COUNTERS = 'ratelimits';

export interface Window {
  /** Counter id of the window holding `at`. */
  id: string;
  /** When that window ends (epoch ms). */
  endsAt: number;
}

export function windowOf(limit: string, key: string, windowMs: number, at = Date.now()): Window {
  const index = Math.floor(at / windowMs);
  const hashed = createHash('sha256').update(key).digest('base64url');
  return { id: `${limit}:${hashed}:${index}`, endsAt: (index + 1) * windowMs };
}

/** The 429 of a limit, with the audit event that reports it. */
export function refuse(events: Events, limit: string, endsAt: number, fields: AuditFields, description: string): never {
  events.emit('ratelimit.hit', { ...fields, reason: limit });
  throw tooManyRequests(description, (endsAt - Date.now()) / 1000);
}

/**
 * A failure limit's two halves: `check` reads the count (writing nothing)
 * and refuses once it has reached `max`, before the work it limits;
 * `failed` counts one failure after that work failed.
 */
export function failureCounter(deps: { store: Store; events: Events }, limit: string, windowMs: number, max: number, description: string) {
  return {
    async check(key: string, fields: AuditFields): Promise<void> {
      const window = windowOf(limit, key, windowMs);
      if (await deps.store.hit(COUNTERS, window.id, window.endsAt, 0) >= max) refuse(deps.events, limit, window.endsAt, fields, description);
    },
    async failed(key: string): Promise<void> {
      const window = windowOf(limit, key, windowMs);
      await deps.store.hit(COUNTERS, window.id, window.endsAt);
    },
  };
}

/** Counts one event in the current window; refuses once over `max`. */
export async function countOrRefuse(
  deps: { store: Store; events: Events },
  limit: string,
  key: string,
  windowMs: number,
  max: number,
  fields: AuditFields,
  description: string,
): Promise<void> {
  const window = windowOf(limit, key, windowMs);
  const count = await deps.store.hit(COUNTERS, window.id, window.endsAt);
  if (count > max) refuse(deps.events, limit, window.endsAt, fields, description);
}
