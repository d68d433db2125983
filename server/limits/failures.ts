/**
 * `RATE_LIMIT_FAILURES`: failed step-1 authentications per client and
 * asserted user per 15 minutes. Checked before the provider runs, so once
 * over the limit even the right password gets the 429 and guessing gains
 * nothing; counted only when the provider rejects the credentials.
 */
import type { Store } from '../../adapters/store.js';
import type { Events } from '../events.js';
import { FAILURE_WINDOW } from './settings.js';
import { COUNTERS, refuse, windowOf } from './window.js';

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
  const windowFor = (clientId: string, user: string) => windowOf('failures', `${clientId}\n${user}`, FAILURE_WINDOW);
  return {
    async check(clientId: string, provider: string, payload: unknown): Promise<void> {
      const user = assertedUser(payload);
      if (user === undefined) return;
      const window = windowFor(clientId, user);
      if (await deps.store.hit(COUNTERS, window.id, window.endsAt, 0) >= max) {
        refuse(deps.events, 'failures', window.endsAt, { client_id: clientId, provider },
          'too many failed attempts for this user; try again later');
      }
    },
    async failed(clientId: string, payload: unknown): Promise<void> {
      const user = assertedUser(payload);
      if (user === undefined) return;
      const window = windowFor(clientId, user);
      await deps.store.hit(COUNTERS, window.id, window.endsAt);
    },
  };
}
