/**
 * Signing and cookie keys are made on first start and kept in the store, so
 * they survive restarts and every instance sharing a store uses the same
 * ones. `insertNew` makes the first writer win when instances start together.
 *
 * Rotation (POST /admin/keys/rotate): each signing key is then its own record
 * in `signing_keys`. New keys (one per algorithm) are stored without expiry
 * and become current; every earlier key gets an expiry as long as the longest
 * lifetime of anything it signed, and drops out of the JWKS when the store
 * hides it. Until the first rotation, the first-start set (`keys/jwks`) is
 * the signing set.
 */
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Store } from '../adapters/store.js';

const COLLECTION = 'keys';
const SIGNING = 'signing_keys';
/** One per algorithm. ES256 first: oidc-provider signs with the first key matching the client's alg. */
const ALGORITHMS = ['ES256', 'RS256'] as const;

interface SigningKey {
  jwk: JWK;
  /** Epoch ms; the newest key of an algorithm is its current one. */
  createdAt: number;
}

async function signingKey(alg: 'ES256' | 'RS256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true, modulusLength: 2048 });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid: await calculateJwkThumbprint(jwk), alg, use: 'sig' };
}

async function once<T>(store: Store, id: string, make: () => Promise<T>): Promise<T> {
  const existing = await store.get<T>(COLLECTION, id);
  if (existing) return existing.data;
  await store.insertNew(COLLECTION, { id, data: await make() });
  const winner = await store.get<T>(COLLECTION, id);
  if (!winner) throw new Error(`could not persist ${id}`);
  return winner.data;
}

export interface ServerKeys {
  jwks: { keys: JWK[] };
  cookieKeys: string[];
}

export async function loadKeys(store: Store): Promise<ServerKeys> {
  await once(store, 'jwks', async () => ({ keys: await Promise.all(ALGORITHMS.map(signingKey)) }));
  const cookieKeys = await once(store, 'cookies', async () => [randomBytes(32).toString('base64url')]);
  return { jwks: await signingJwks(store), cookieKeys };
}

/** The signing keys in use: newest first, so each algorithm's current key comes before its retiring ones. */
export async function signingJwks(store: Store): Promise<{ keys: JWK[] }> {
  const records = await store.list<SigningKey>(SIGNING);
  if (!records.length) {
    const first = await store.get<{ keys: JWK[] }>(COLLECTION, 'jwks');
    if (!first) throw new Error('no signing keys in the store');
    return first.data;
  }
  return { keys: records.map((r) => r.data).sort((a, b) => b.createdAt - a.createdAt).map((k) => k.jwk) };
}

/**
 * Makes new signing keys current and retires the others after
 * `retireAfterSeconds`. Returns the new kids.
 */
export async function rotateSigningKeys(store: Store, retireAfterSeconds: number): Promise<string[]> {
  const now = Date.now();
  const existing = await store.list<SigningKey>(SIGNING);
  const earlier = existing.length
    ? existing
    : ((await store.get<{ keys: JWK[] }>(COLLECTION, 'jwks'))?.data.keys ?? []).map((jwk) => ({ id: jwk.kid!, data: { jwk, createdAt: 0 } }));
  const fresh = await Promise.all(ALGORITHMS.map(signingKey));
  // New keys first: at every moment the stored set can sign and verify everything.
  for (const jwk of fresh) await store.put<SigningKey>(SIGNING, { id: jwk.kid!, data: { jwk, createdAt: now } });
  const retireAt = now + retireAfterSeconds * 1000;
  for (const record of earlier) {
    if ('expiresAt' in record && record.expiresAt) continue; // already retiring
    await store.put<SigningKey>(SIGNING, { id: record.id, data: record.data, expiresAt: retireAt });
  }
  return fresh.map((jwk) => jwk.kid!);
}
