/**
 * `RATE_LIMIT_FAILURES`: failed step-1 authentications per client and
 * asserted user per 15 minutes. Checked before the provider runs, so once
 * over the limit even the right password gets the 429 and guessing gains
 * nothing; counted only when the provider rejects the credentials.
 */
import type { Store } from '../../adapters/store.js';
import type { Events } from '../events.js';
import { FAILURE_WINDOW } from './settings.js';
import { failureCounter } from './window.js';

/**
 * The user a payload speaks for, before it is verified: `username`
 * (password), `sub` (hmac-form) or the JWT's `sub` (signed-jwt). A payload
 * naming none (some plugin providers) is not limited per user; the per-client
 * step-1 rate limit still bounds its attempts.
 */
export function assertedUser(payload: unknown): string | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const p = payload as { username?: unknown; sub?: unknown; claims?: { sub?: unknown } };
  for (const value of [p.username, p.sub, p.claims?.sub]) if (typeof value === 'string' && value) return value;
  return undefined;
}

export function failureLimit(deps: { store: Store; events: Events }, max: number) {
  const counter = failureCounter(deps, 'failures', FAILURE_WINDOW, max, 'too many failed attempts for this user; try again later');
  const keyOf = (clientId: string, user: string) => `${clientId}\n${user}`;
  return {
    async check(clientId: string, provider: string, payload: unknown): Promise<void> {
      const user = assertedUser(payload);
      if (user !== undefined) await counter.check(keyOf(clientId, user), { client_id: clientId, provider });
    },
    async failed(clientId: string, payload: unknown): Promise<void> {
      const user = assertedUser(payload);
      if (user !== undefined) await counter.failed(keyOf(clientId, user));
    },
  };
}
