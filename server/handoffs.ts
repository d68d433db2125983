/**
 * Handoff records: what step 1 accepted, waiting for step 2. The one-time
 * code is never stored, only its SHA-256, so a store dump cannot be replayed.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../adapters/store.js';
import type { Claims } from './accounts.js';

const COLLECTION = 'handoffs';
/** 256 random bits, base64url without padding. */
const CODE = /^[A-Za-z0-9_-]{43}$/;

/** The authorization request that step 2 replays on the client's behalf. */
export interface AuthParams {
  redirect_uri: string;
  scope: string;
  state?: string;
  nonce?: string;
  code_challenge?: string;
  code_challenge_method?: string;
  response_mode?: string;
}

export interface Handoff {
  id: string;
  provider: string;
  clientId: string;
  sub: string;
  claims: Claims;
  amr: string[];
  payload: unknown;
  params: AuthParams;
  createdAt: string;
  state: 'pending' | 'redeemed';
  grantId?: string;
  /** The OP session (its uid) the redemption signed in. */
  sessionUid?: string;
}

/** An unredeemed handoff as the admin sees it: never the code or the payload. */
export interface PendingHandoff {
  id: string;
  client_id: string;
  provider: string;
  sub: string;
  created_at: string;
  expires_at: string;
}

export type NewHandoff = Omit<Handoff, 'id' | 'createdAt' | 'state' | 'grantId' | 'sessionUid'>;

export const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

export class Handoffs {
  constructor(private readonly store: Store) {}

  /** Stores a pending handoff and returns its one-time code. */
  async create(input: NewHandoff, ttlSeconds: number): Promise<string> {
    const code = randomBytes(32).toString('base64url');
    const handoff: Handoff = { ...input, id: randomUUID(), createdAt: new Date().toISOString(), state: 'pending' };
    await this.store.put(COLLECTION, {
      id: hashCode(code),
      data: handoff,
      expiresAt: Date.now() + ttlSeconds * 1000,
      clientId: handoff.clientId,
      sub: handoff.sub,
    });
    return code;
  }

  /** Consumes a code: exactly one caller gets the handoff, whatever the concurrency. */
  async redeem(code: string): Promise<{ key: string; handoff: Handoff } | undefined> {
    if (!CODE.test(code)) return undefined;
    const key = hashCode(code);
    const record = await this.store.consume<Handoff>(COLLECTION, key);
    return record ? { key, handoff: record.data } : undefined;
  }

  /** Links a redeemed handoff to its grant; the payload lives at most `retention` more seconds. */
  async attachGrant(key: string, handoff: Handoff, grantId: string, retentionSeconds: number): Promise<void> {
    await this.store.put(COLLECTION, {
      id: key,
      data: { ...handoff, state: 'redeemed', grantId },
      expiresAt: Date.now() + retentionSeconds * 1000,
      consumedAt: Date.now(),
      clientId: handoff.clientId,
      sub: handoff.sub,
      grantId,
    });
  }

  /** Records which session a redeemed handoff signed in. */
  async attachSession(grantId: string, sessionUid: string): Promise<void> {
    const [record] = await this.store.findBy<Handoff>(COLLECTION, 'grantId', grantId);
    if (!record || record.data.sessionUid === sessionUid) return;
    await this.store.put(COLLECTION, { ...record, data: { ...record.data, sessionUid }, uid: sessionUid });
  }

  async forGrant(grantId: string): Promise<Handoff | undefined> {
    const [record] = await this.store.findBy<Handoff>(COLLECTION, 'grantId', grantId);
    return record?.data;
  }

  async deleteForGrant(grantId: string): Promise<void> {
    await this.store.deleteBy(COLLECTION, 'grantId', grantId);
  }

  async deleteForSession(sessionUid: string): Promise<void> {
    await this.store.deleteBy(COLLECTION, 'uid', sessionUid);
  }

  async deleteForClient(clientId: string): Promise<void> {
    await this.store.deleteBy(COLLECTION, 'clientId', clientId);
  }

  /** Unredeemed, unexpired handoffs, optionally of one client and/or subject. */
  async listPending(filter: { clientId?: string; sub?: string } = {}): Promise<PendingHandoff[]> {
    const records = filter.clientId
      ? await this.store.findBy<Handoff>(COLLECTION, 'clientId', filter.clientId)
      : filter.sub
        ? await this.store.findBy<Handoff>(COLLECTION, 'sub', filter.sub)
        : await this.store.list<Handoff>(COLLECTION);
    return records
      .filter((r) => r.data.state === 'pending' && !r.consumedAt && (!filter.sub || r.sub === filter.sub))
      .map((r) => ({
        id: r.data.id,
        client_id: r.data.clientId,
        provider: r.data.provider,
        sub: r.data.sub,
        created_at: r.data.createdAt,
        expires_at: new Date(r.expiresAt ?? 0).toISOString(),
      }))
      .sort((a, b) => a.created_at.localeCompare(b.created_at));
  }

  /**
   * Revokes one unredeemed handoff by its id; its URL then fails like an
   * unknown one. Records are keyed by the code's hash, so this looks the id up.
   * Answers what was revoked, or undefined when nothing was pending.
   */
  async revoke(id: string): Promise<PendingHandoff | undefined> {
    const [pending] = (await this.listPending()).filter((h) => h.id === id);
    if (!pending) return undefined;
    const records = await this.store.findBy<Handoff>(COLLECTION, 'clientId', pending.client_id);
    const record = records.find((r) => r.data.id === id && r.data.state === 'pending' && !r.consumedAt);
    return record && (await this.store.delete(COLLECTION, record.id)) ? pending : undefined;
  }

  /** Revokes every unredeemed handoff of a client (and subject); returns how many. */
  async revokeAll(filter: { clientId: string; sub?: string }): Promise<number> {
    const records = await this.store.findBy<Handoff>(COLLECTION, 'clientId', filter.clientId);
    let revoked = 0;
    for (const r of records) {
      if (r.data.state !== 'pending' || r.consumedAt || (filter.sub && r.sub !== filter.sub)) continue;
      if (await this.store.delete(COLLECTION, r.id)) revoked += 1;
    }
    return revoked;
  }
}
