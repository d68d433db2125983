/**
 * What a handoff and its tombstone hold, and how one is made from the other:
 * the records of server/handoffs.ts, apart from the class that stores them.
 */
import { createHash } from 'node:crypto';
import type { StoredRecord } from '../adapters/store.js';
import type { Claims } from './accounts.js';

/** How long after step 1 a used or expired pre-auth URL is still recognised. */
export const TOMBSTONE_SECONDS = 24 * 3600;
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
  /** Epoch ms at which the pre-auth URL expires (absent in records written before it was kept). */
  expiresAt?: number;
  state: 'pending' | 'redeemed';
  /** The only client IP that may redeem it, when the client binds URLs to IPs. */
  bindIp?: string;
  /** The local account's username, offered to a fallback login page. */
  loginHint?: string;
  grantId?: string;
  /** The OP session (its uid) the redemption signed in. */
  sessionUid?: string;
}

export type NewHandoff = Omit<Handoff, 'id' | 'createdAt' | 'expiresAt' | 'state' | 'grantId' | 'sessionUid'>;

/** What remains known of a handoff once it is gone: never the payload or claims. */
export interface Tombstone {
  id: string;
  clientId: string;
  provider: string;
  sub: string;
  params: AuthParams;
  loginHint?: string;
  /** Epoch ms at which the pre-auth URL expired (or expires). */
  expiresAt: number;
  used?: boolean;
}

export type FailureReason = 'unknown' | 'expired' | 'used' | 'ip_mismatch' | 'not_allowed';

/** A handoff found by its key: pending (redeemable now) or gone (with why). */
export type Lookup =
  | { pending: Handoff; tombstone?: undefined; reason?: undefined }
  | { pending?: undefined; tombstone?: Tombstone; reason: 'unknown' | 'expired' | 'used' };

/** The admin inventory's view of an unredeemed handoff (contract §3). */
export interface PendingHandoff {
  id: string;
  client_id: string;
  provider: string;
  sub: string;
  created_at: string;
  expires_at: string;
}

/** When the record's pre-auth URL expires(d): kept in the data since a redeemed record's own expiry is its retention. */
export const urlExpiry = (r: StoredRecord<Handoff>) => r.data.expiresAt ?? (r.data.state === 'pending' ? r.expiresAt : undefined) ?? Date.now();

export const hashCode = (code: string) => createHash('sha256').update(code).digest('hex');

/** The store key of a code, or undefined for a malformed one (which fails as `unknown`). */
export const keyOfCode = (code: string) => (CODE.test(code) ? hashCode(code) : undefined);

export const tombstoneOf = (h: Handoff, expiresAt: number, used?: boolean): Tombstone => ({
  id: h.id,
  clientId: h.clientId,
  provider: h.provider,
  sub: h.sub,
  params: h.params,
  ...(h.loginHint !== undefined ? { loginHint: h.loginHint } : {}),
  expiresAt,
  ...(used ? { used } : {}),
});

export const isPending = (r: StoredRecord<Handoff>) => !r.consumedAt && r.data.state === 'pending';

/** The tombstone record of a handoff: it lives TOMBSTONE_SECONDS from step 1. */
export function tombstoneRecord(key: string, h: Handoff, urlExpiresAt: number, used?: boolean): StoredRecord<Tombstone> {
  const created = Date.parse(h.createdAt);
  return {
    id: key,
    data: tombstoneOf(h, urlExpiresAt, used),
    // No index fields: a tombstone is only ever read by its key.
    expiresAt: (Number.isNaN(created) ? urlExpiresAt : created) + TOMBSTONE_SECONDS * 1000,
  };
}
