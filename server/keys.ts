/**
 * Signing and cookie keys are made on first start and kept in the store, so
 * they survive restarts and every instance sharing a store uses the same
 * ones. `insertNew` makes the first writer win when instances start together.
 */
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Store } from '../adapters/store.js';

const COLLECTION = 'keys';

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
  // ES256 first: oidc-provider signs with the first key matching the
  // client's alg, and clients choosing RS256 still get an RS256 key.
  const jwks = await once(store, 'jwks', async () => ({ keys: [await signingKey('ES256'), await signingKey('RS256')] }));
  const cookieKeys = await once(store, 'cookies', async () => [randomBytes(32).toString('base64url')]);
  return { jwks, cookieKeys };
}
