/**
 * `preauth_max_pending`: the most unredeemed pre-auth URLs a client may hold
 * at once. Counted in fixed windows as long as the client's `preauth_ttl`:
 * a URL made in one window has expired by the end of the next, so the current
 * and the previous window together hold every URL that can still be pending.
 * A successful step 1 adds one to its window, a redemption takes it back.
 * Over-counting is bounded: a URL that expired unredeemed, or was revoked,
 * still counts until its window has passed (at most two `preauth_ttl`).
 *
 * Once a window has ended its count can only go down (redemptions give
 * places back; every new URL counts in the current window), so a figure read
 * for it is an upper bound for as long as the window stays the previous one:
 * a step 1 costs one counter operation, not two. Near the limit the figure is
 * read again, so a stale one never refuses where a fresh one would admit.
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

/**
 * A count read this soon after its window ended is not kept: a step 1 that
 * began in that window may still be adding to it.
 */
const SETTLED_MS = 2000;
/** Bounded: one entry per client that made a URL lately. */
const MAX_KEPT = 10_000;

export function pendingLimit(deps: { store: Store; events: Events }) {
  /** Counts of ended windows, by counter id. */
  const ended = new Map<string, number>();
  async function readEnded(window: { id: string; endsAt: number; keepUntil: number }, now: number): Promise<number> {
    const count = await deps.store.hit(COUNTERS, window.id, window.keepUntil, 0);
    if (now - window.endsAt >= SETTLED_MS) {
      if (ended.size >= MAX_KEPT) ended.delete(ended.keys().next().value!);
      ended.set(window.id, count);
    }
    return count;
  }
  return {
    /** Takes a place for one more URL, or refuses with 429 when the client holds `max`. */
    async reserve(clientId: string, provider: string, ttlSeconds: number, max: number): Promise<void> {
      const now = Date.now();
      const current = pendingWindow(clientId, ttlSeconds, now);
      const previous = pendingWindow(clientId, ttlSeconds, now - ttlSeconds * 1000);
      const count = await deps.store.hit(COUNTERS, current.id, current.keepUntil);
      const kept = ended.get(previous.id);
      let older = kept ?? await readEnded(previous, now);
      if (count + older <= max) return;
      if (kept !== undefined) older = await readEnded(previous, now);
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
