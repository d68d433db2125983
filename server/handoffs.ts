/**
 * Handoff records: what step 1 accepted, waiting for step 2. The one-time
 * code is never stored, only its SHA-256, so a store dump cannot be replayed.
 *
 * Beside each handoff lives a small tombstone (same key, no payload) that
 * lives TOMBSTONE_SECONDS from step 1: once the handoff is gone, the
 * tombstone still tells `used` and `expired` apart from `unknown`, and keeps
 * what a fallback login needs (step 1's authorization parameters).
 *
 * A redeemed handoff tells `used` by itself for as long as it is kept, so the
 * tombstone is marked used only where the handoff goes first (a retention
 * shorter than the tombstone's life, a logout, a revoked grant): a redemption
 * writes one record, not two.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Store, StoredRecord } from '../adapters/store.js';
import type { Events } from './events.js';
import {
  hashCode, isPending, TOMBSTONE_SECONDS, tombstoneOf, tombstoneRecord, urlExpiry,
  type Handoff, type Lookup, type NewHandoff, type PendingHandoff, type Tombstone,
} from './handoff-records.js';

export {
  hashCode, keyOfCode, TOMBSTONE_SECONDS,
  type AuthParams, type FailureReason, type Handoff, type Lookup, type NewHandoff, type PendingHandoff, type Tombstone,
} from './handoff-records.js';

const COLLECTION = 'handoffs';
const TOMBSTONES = 'handoff_tombstones';
/** Pushed authorization requests (PAR form of step 1) that stand for a handoff. */
const PUSHED = 'handoff_pushed';

export class Handoffs {
  readonly #events?: Pick<Events, 'emit'>;

  constructor(private readonly store: Store, options: { events?: Pick<Events, 'emit'> } = {}) {
    this.#events = options.events;
  }

  /** Stores a pending handoff and returns its one-time code. */
  async create(input: NewHandoff, ttlSeconds: number): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    const now = Date.now();
    const expiresAt = now + ttlSeconds * 1000;
    const handoff: Handoff = { ...input, id: randomUUID(), createdAt: new Date(now).toISOString(), expiresAt, state: 'pending' };
    const key = hashCode(code);
    // The tombstone first: a pending handoff always has one.
    await this.store.put(TOMBSTONES, tombstoneRecord(key, handoff, expiresAt));
    await this.store.put(COLLECTION, {
      id: key,
      data: handoff,
      expiresAt,
      clientId: handoff.clientId,
      sub: handoff.sub,
      // The handoffs collection has no user codes: that index finds a pending
      // handoff by its public id (admin revocation) without a scan.
      userCode: handoff.id,
    });
    return code;
  }

  /** The pending handoff under `key`, or why there is none. Consumes nothing. */
  async lookup(key: string | undefined): Promise<Lookup> {
    if (!key) return { reason: 'unknown' };
    const record = await this.store.get<Handoff>(COLLECTION, key);
    if (record && isPending(record)) return { pending: record.data };
    // Consumed (redeemed, or being redeemed right now): the record is its own tombstone.
    if (record) return { tombstone: tombstoneOf(record.data, urlExpiry(record), true), reason: 'used' };
    const tombstone = (await this.store.get<Tombstone>(TOMBSTONES, key))?.data;
    if (!tombstone) return { reason: 'unknown' };
    // Not marked used but gone before its expiry: redeemed, and its record already gone.
    if (tombstone.used || Date.now() < tombstone.expiresAt) return { tombstone, reason: 'used' };
    return { tombstone, reason: 'expired' };
  }

  /**
   * Consumes a handoff: exactly one caller gets it, whatever the concurrency.
   * From here on its record says `used` (see lookup) until attachGrant
   * replaces it with the redeemed one.
   */
  async consume(key: string): Promise<Handoff | undefined> {
    const record = await this.store.consume<Handoff>(COLLECTION, key);
    if (!record) return undefined;
    return { ...record.data, expiresAt: urlExpiry(record) };
  }

  /**
   * Links a redeemed handoff to its grant (and, when already known, the
   * session it signed in); the payload lives at most `retention` more seconds.
   */
  async attachGrant(key: string, handoff: Handoff, grantId: string, retentionSeconds: number, sessionUid?: string): Promise<void> {
    const keptUntil = Date.now() + retentionSeconds * 1000;
    const tombstone = tombstoneRecord(key, handoff, handoff.expiresAt ?? Date.now(), true);
    // Only when the payload goes before the tombstone does the tombstone need to say `used` itself.
    if (keptUntil < tombstone.expiresAt!) await this.store.put(TOMBSTONES, tombstone);
    await this.store.put(COLLECTION, {
      id: key,
      data: { ...handoff, state: 'redeemed', grantId, ...(sessionUid ? { sessionUid } : {}) },
      expiresAt: keptUntil,
      consumedAt: Date.now(),
      clientId: handoff.clientId,
      sub: handoff.sub,
      grantId,
      ...(sessionUid ? { uid: sessionUid } : {}),
    });
  }

  /** Records which session a redeemed handoff signed in. */
  async attachSession(grantId: string, sessionUid: string): Promise<void> {
    const [record] = await this.store.findBy<Handoff>(COLLECTION, 'grantId', grantId);
    if (!record || record.data.sessionUid === sessionUid) return;
    await this.store.put(COLLECTION, { ...record, data: { ...record.data, sessionUid }, uid: sessionUid });
  }

  /** Unredeemed, unexpired handoffs: the `handoff_pending_handoffs` gauge. */
  countPending(): Promise<number> {
    return this.store.countUnconsumed(COLLECTION);
  }

  async forGrant(grantId: string): Promise<Handoff | undefined> {
    const [record] = await this.store.findBy<Handoff>(COLLECTION, 'grantId', grantId);
    return record?.data;
  }

  async deleteForGrant(grantId: string): Promise<void> {
    await this.#markUsed(await this.store.findBy<Handoff>(COLLECTION, 'grantId', grantId));
    await this.store.deleteBy(COLLECTION, 'grantId', grantId);
  }

  async deleteForSession(sessionUid: string): Promise<void> {
    await this.#markUsed(await this.store.findBy<Handoff>(COLLECTION, 'uid', sessionUid));
    await this.store.deleteBy(COLLECTION, 'uid', sessionUid);
  }

  /** Redeemed records about to go: their tombstones must now say `used` on their own. */
  async #markUsed(records: StoredRecord<Handoff>[]): Promise<void> {
    for (const r of records) await this.store.put(TOMBSTONES, tombstoneRecord(r.id, r.data, urlExpiry(r), true));
  }

  /**
   * A deleted client's handoffs go, payloads included. The tombstones stay
   * (their own expiry bounds them), so its URLs fail as `not_allowed`.
   */
  async deleteForClient(clientId: string): Promise<void> {
    await this.store.deleteBy(COLLECTION, 'clientId', clientId);
  }

  /**
   * Unredeemed, unexpired handoff records, read through the store's index of
   * unconsumed records: the redeemed handoffs kept beside them (up to
   * HANDOFF_RETENTION, payloads included) are never read just to be skipped.
   */
  async #pendingRecords(filter: { clientId?: string; sub?: string }): Promise<StoredRecord<Handoff>[]> {
    const by = filter.clientId !== undefined
      ? { field: 'clientId' as const, value: filter.clientId }
      : filter.sub !== undefined ? { field: 'sub' as const, value: filter.sub } : undefined;
    const records = await this.store.listUnconsumed<Handoff>(COLLECTION, by);
    return records.filter((r) => isPending(r) && (filter.sub === undefined || r.data.sub === filter.sub));
  }

  /** Unredeemed, unexpired handoffs, oldest first; both filters optional. */
  async listPending(filter: { clientId?: string; sub?: string } = {}): Promise<PendingHandoff[]> {
    return (await this.#pendingRecords(filter))
      .map((r) => ({
        id: r.data.id,
        client_id: r.data.clientId,
        provider: r.data.provider,
        sub: r.data.sub,
        created_at: r.data.createdAt,
        expires_at: new Date(r.expiresAt ?? 0).toISOString(),
      }))
      .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
  }

  /**
   * Revokes one unredeemed handoff by its public id; false when there is no
   * such pending handoff. Its URL then fails like an unknown one.
   */
  async revoke(id: string): Promise<boolean> {
    const records = await this.store.findBy<Handoff>(COLLECTION, 'userCode', id);
    const record = records.find((r) => isPending(r) && r.data.id === id);
    return record ? this.#revokeRecord(record) : false;
  }

  /** Revokes every unredeemed handoff of a client (and subject); answers how many. */
  async revokeAll(filter: { clientId: string; sub?: string }): Promise<number> {
    let revoked = 0;
    for (const record of await this.#pendingRecords(filter)) {
      if (await this.#revokeRecord(record)) revoked += 1;
    }
    return revoked;
  }

  async #revokeRecord(record: StoredRecord<Handoff>): Promise<boolean> {
    // Consuming first settles a race with a redemption: only one of them wins.
    if (!(await this.store.consume(COLLECTION, record.id))) return false;
    await this.store.delete(COLLECTION, record.id);
    await this.store.delete(TOMBSTONES, record.id);
    this.#events?.emit('handoff.revoked', { client_id: record.data.clientId, provider: record.data.provider, sub: record.data.sub });
    return true;
  }

  /** Remembers that a pushed request (its request_uri id) stands for the handoff under `key`. */
  async linkPushedRequest(requestId: string, key: string, handoffExpiresAt: number): Promise<void> {
    await this.store.put(PUSHED, { id: hashCode(requestId), data: { key }, expiresAt: handoffExpiresAt + TOMBSTONE_SECONDS * 1000 });
  }

  /** The handoff key a pushed request stands for; undefined for any other request_uri. */
  async keyOfPushedRequest(requestId: string): Promise<string | undefined> {
    return (await this.store.get<{ key: string }>(PUSHED, hashCode(requestId)))?.data.key;
  }
}
