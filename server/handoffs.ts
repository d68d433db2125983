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

  /** Unredeemed, unexpired handoffs: the `handoff_pending_handoffs` gauge. */
  countPending(): Promise<number> {
    return this.store.countUnconsumed(COLLECTION);
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
}
