/**
 * `preauth_max_pending`: the most unredeemed pre-auth URLs a client may hold
 * at once. Counted in fixed windows as long as the client's `preauth_ttl`:
 * a URL made in one window has expired by the end of the next, so the current
 * and the previous window together hold every URL that can still be pending.
 * A successful step 1 adds one to its window, a redemption takes it back.
 * Over-counting is bounded: a URL that expired unredeemed, or was revoked,
 * still counts until its window has passed (at most two `preauth_ttl`).
 */
import type { Store, StoredRecord } from '../../adapters/store.js';
import type { Events } from '../events.js';
import { COUNTERS, refuse, windowOf } from './window.js';

const HANDOFFS = 'handoffs';

/** The window of a URL made at `at`, and how long its counter must live. */
function pendingWindow(clientId: string, ttlSeconds: number, at: number) {
  const ms = ttlSeconds * 1000;
  const window = windowOf('pending', clientId, ms, at);
  return { id: window.id, endsAt: window.endsAt, keepUntil: window.endsAt + ms };
}

export function pendingLimit(deps: { store: Store; events: Events }) {
  return {
    /** Takes a place for one more URL, or refuses with 429 when the client holds `max`. */
    async reserve(clientId: string, provider: string, ttlSeconds: number, max: number): Promise<void> {
      const now = Date.now();
      const current = pendingWindow(clientId, ttlSeconds, now);
      const previous = pendingWindow(clientId, ttlSeconds, now - ttlSeconds * 1000);
      const count = await deps.store.hit(COUNTERS, current.id, current.keepUntil);
      const older = await deps.store.hit(COUNTERS, previous.id, previous.keepUntil, 0);
      if (count + older <= max) return;
      await deps.store.hit(COUNTERS, current.id, current.keepUntil, -1);
      refuse(deps.events, 'pending', older > 0 ? current.endsAt : current.keepUntil, { client_id: clientId, provider },
        `the client holds ${max} unredeemed pre-auth URLs (preauth_max_pending)`);
    },

    /**
     * The store as the handoffs module sees it: every consumed handoff,
     * whichever route consumed it, gives its place back.
     */
    countRedemptions(store: Store): Store {
      async function consume<T>(collection: string, id: string): Promise<StoredRecord<T> | undefined> {
        const record = await store.consume<T>(collection, id);
        if (record && collection === HANDOFFS) await giveBack(store, record as StoredRecord<unknown>);
        return record;
      }
      // A proxy rather than a copy: a store passed in by a library user may be a class instance.
      return new Proxy(store, {
        get(target, prop) {
          if (prop === 'consume') return consume;
          const value = Reflect.get(target, prop, target);
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
    },
  };
}

async function giveBack(store: Store, record: StoredRecord<unknown>): Promise<void> {
  const data = record.data as { clientId?: string; createdAt?: string };
  const createdAt = data.createdAt ? Date.parse(data.createdAt) : NaN;
  if (!data.clientId || !record.expiresAt || Number.isNaN(createdAt)) return;
  // The record's lifetime is the client's preauth_ttl at the time it was made.
  const ttlSeconds = Math.round((record.expiresAt - createdAt) / 1000);
  if (ttlSeconds <= 0) return;
  const window = pendingWindow(data.clientId, ttlSeconds, createdAt);
  try {
    await store.hit(COUNTERS, window.id, window.keepUntil, -1);
  } catch {
    // The redemption itself succeeded; a lost give-back only over-counts until the window passes.
  }
}
