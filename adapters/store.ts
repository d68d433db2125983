/**
 * The one storage interface of handoff. Both the oidc-provider adapter (see
 * `oidc-adapter.ts`) and the app's own collections (clients, accounts, keys,
 * handoffs, replay markers) are built on it, so a store only has to get these
 * few primitives right and the same contract suite proves both stores.
 *
 * Records live in named collections. Expiry is part of the contract: an expired
 * record is invisible to every read even before the store's sweeper or TTL
 * index has physically removed it.
 */

/** Fields that every store indexes, so look-ups by them never scan. */
export const INDEX_FIELDS = ['grantId', 'uid', 'userCode', 'sub', 'clientId'] as const;
export type IndexField = (typeof INDEX_FIELDS)[number];

/**
 * Collections read by what is not consumed yet (`countUnconsumed`,
 * `listUnconsumed`): pending handoffs, a few at any time among up to a day of
 * redeemed ones kept with their payloads. Stores keep an index of exactly the
 * unconsumed records of these, so those reads never pass over consumed ones.
 */
export const UNCONSUMED_READS: ReadonlySet<string> = new Set(['handoffs']);

export interface StoredRecord<T = unknown> {
  id: string;
  data: T;
  /** Epoch milliseconds; absent or null means it never expires. */
  expiresAt?: number | null;
  /** Epoch milliseconds of the single successful `consume`, else null. */
  consumedAt?: number | null;
  grantId?: string;
  uid?: string;
  userCode?: string;
  sub?: string;
  clientId?: string;
}

export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  /** Prepares tables/indexes; called once before use. */
  init(): Promise<void>;
  /** The record, unless missing or expired. */
  get<T>(collection: string, id: string): Promise<StoredRecord<T> | undefined>;
  /** Insert or replace the whole record (consumedAt included, as given). */
  put<T>(collection: string, record: StoredRecord<T>): Promise<void>;
  /**
   * Insert only if no live (unexpired) record has this id. Returns false when
   * one exists. Atomic: of N concurrent calls with one id, exactly one wins.
   * Used for replay markers (jti, nonce) and first-start secrets.
   *
   * A record whose `expiresAt` is already past (or now) is refused: nothing is
   * written and the answer is false. A single-use marker that expires as it is
   * written would let every replay in that instant win again, so the store
   * fails closed rather than report a win it cannot keep.
   */
  insertNew<T>(collection: string, record: StoredRecord<T>): Promise<boolean>;
  /**
   * Atomically mark a live, not yet consumed record as consumed and return it
   * (with consumedAt set). Of N concurrent calls exactly one gets the record;
   * the others, and calls for missing/expired/consumed records, get undefined.
   */
  consume<T>(collection: string, id: string): Promise<StoredRecord<T> | undefined>;
  /** Removes the record; true when something was removed. */
  delete(collection: string, id: string): Promise<boolean>;
  /** Live records whose indexed field equals value. */
  findBy<T>(collection: string, field: IndexField, value: string): Promise<StoredRecord<T>[]>;
  /** How many live records of the collection are not consumed yet, in one query (for gauges). */
  countUnconsumed(collection: string): Promise<number>;
  /**
   * Live records not consumed yet, ordered by id; with `filter`, only those
   * whose indexed field equals the value. Of a collection in
   * UNCONSUMED_READS, read through its index of unconsumed records.
   */
  listUnconsumed<T>(collection: string, filter?: { field: IndexField; value: string }): Promise<StoredRecord<T>[]>;
  /** Removes every record whose indexed field equals value; returns how many. */
  deleteBy(collection: string, field: IndexField, value: string): Promise<number>;
  /** Every live record of the collection, ordered by id. */
  list<T>(collection: string): Promise<StoredRecord<T>[]>;
  /**
   * Adds `amount` (default 1; 0 reads) to the counter `id` and returns its new
   * value, in one atomic store operation: of N concurrent hits exactly one
   * sees each value. A read (`amount` 0) writes nothing. A counter that does not exist yet, or whose window has
   * ended, starts from zero and lives until `windowEndsAt` (epoch ms). Used
   * for rate limits shared by every instance on one store. Counters live in
   * their own collections and are never read with `get`.
   */
  hit(collection: string, id: string, windowEndsAt: number, amount?: number): Promise<number>;
  /** Physically removes expired records now; returns how many. */
  sweep(): Promise<number>;
  close(): Promise<void>;
}

/** Marks store failures across module copies, like HttpError's brand. */
const UNAVAILABLE = Symbol.for('handoff.StoreUnavailable');

/**
 * The store did not answer (MongoDB unreachable, SQLite disk or lock
 * failure). Carries oidc-provider's exposed-error shape so that its own error
 * handler answers 503 `temporarily_unavailable` too, instead of a 500.
 */
export class StoreUnavailableError extends Error {
  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[UNAVAILABLE] === true;
  }

  readonly [UNAVAILABLE] = true;
  readonly expose = true;
  readonly statusCode = 503;
  readonly status = 503;
  readonly error = 'temporarily_unavailable';
  readonly error_description = 'the store is not answering; try again shortly';

  constructor(cause: unknown) {
    super('temporarily_unavailable', { cause });
    this.name = 'StoreUnavailableError';
  }
}

/**
 * Wraps every operation of a store so that failures `isOutage` recognises
 * become StoreUnavailableError; anything else (a bug) passes unchanged.
 */
export function mapOutages(store: Store, isOutage: (err: unknown) => boolean): Store {
  const wrapped = { ...store } as Record<string, unknown>;
  for (const [name, fn] of Object.entries(store)) {
    if (typeof fn !== 'function' || name === 'close') continue;
    wrapped[name] = async (...args: unknown[]) => {
      try {
        return await (fn as (...a: unknown[]) => Promise<unknown>).apply(store, args);
      } catch (err) {
        if (err instanceof StoreUnavailableError || !isOutage(err)) throw err;
        throw new StoreUnavailableError(err);
      }
    };
  }
  return wrapped as unknown as Store;
}
