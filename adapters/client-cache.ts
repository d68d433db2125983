/**
 * Client metadata is read several times per login (oidc-provider's
 * `Client.find` at every endpoint, the redemption's own checks) but changes
 * only through the admin API. This Store wrapper keeps the records of
 * `oidc_Client` found by `get` in memory for at most CLIENT_CACHE_MS.
 *
 * Invalidation is honest for this process: every write to `oidc_Client`
 * made through this store (admin create, update, delete; anything else that
 * writes the collection) drops the cache before and after it runs, and a
 * read that was under way across a write is not cached. Another instance's
 * change is seen once the entry is older than the TTL (README "Running
 * several instances"). Misses are never cached, so a client created anywhere
 * is usable at once everywhere.
 */
import type { Store, StoredRecord } from './store.js';

export const CLIENT_COLLECTION = 'oidc_Client';
/** How long another instance's change to a client may go unseen here. */
export const CLIENT_CACHE_MS = 3000;
/** Bounded: a flood of distinct client ids cannot grow memory. */
const MAX_ENTRIES = 1000;

interface Entry {
  /**
   * Deep-frozen and shared by every caller: oidc-provider reads a client
   * several times per request, and a copy for each read (JSON.parse) cost
   * more than the store read it replaced. Frozen, so a caller that tried to
   * change it would fail loudly instead of changing everyone's copy.
   */
  record: StoredRecord<unknown>;
  expiresAt: number | null | undefined;
  until: number;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const item of Object.values(value)) deepFreeze(item);
  }
  return value;
}

export function withClientCache(store: Store, ttlMs = CLIENT_CACHE_MS): Store {
  const entries = new Map<string, Entry>();
  /** Bumped by every write, so a read that overlapped one is not cached. */
  let generation = 0;
  const invalidate = () => {
    generation += 1;
    entries.clear();
  };
  /** Runs a write with the cache dropped on both sides of it when it touches the client collection. */
  async function writing<R>(collection: string, write: () => Promise<R>): Promise<R> {
    if (collection !== CLIENT_COLLECTION) return write();
    invalidate();
    try {
      return await write();
    } finally {
      invalidate();
    }
  }

  return {
    kind: store.kind,
    init: () => store.init(),
    close: () => store.close(),
    async get<T>(collection: string, id: string): Promise<StoredRecord<T> | undefined> {
      if (collection !== CLIENT_COLLECTION) return store.get<T>(collection, id);
      const now = Date.now();
      const hit = entries.get(id);
      if (hit && hit.until > now && (hit.expiresAt == null || hit.expiresAt > now)) {
        return hit.record as StoredRecord<T>;
      }
      if (hit) entries.delete(id);
      const started = generation;
      const record = await store.get<T>(collection, id);
      if (record && generation === started) {
        if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
        entries.set(id, { record: deepFreeze(record), expiresAt: record.expiresAt, until: now + ttlMs });
      }
      return record;
    },
    put: <T>(collection: string, record: StoredRecord<T>) => writing(collection, () => store.put(collection, record)),
    insertNew: <T>(collection: string, record: StoredRecord<T>) => writing(collection, () => store.insertNew(collection, record)),
    consume: <T>(collection: string, id: string) => writing(collection, () => store.consume<T>(collection, id)),
    delete: (collection, id) => writing(collection, () => store.delete(collection, id)),
    deleteBy: (collection, field, value) => writing(collection, () => store.deleteBy(collection, field, value)),
    async sweep() {
      invalidate();
      return store.sweep();
    },
    findBy: (collection, field, value) => store.findBy(collection, field, value),
    countUnconsumed: (collection) => store.countUnconsumed(collection),
    listUnconsumed: (collection, filter) => store.listUnconsumed(collection, filter),
    list: (collection) => store.list(collection),
    hit: (collection, id, windowEndsAt, amount) => store.hit(collection, id, windowEndsAt, amount),
  };
}
