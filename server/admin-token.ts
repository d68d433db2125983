/**
 * The admin API's bearer token. Configured through ADMIN_TOKEN, or made on
 * first start; only its SHA-256 is kept, so it can be printed exactly once.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Store } from '../adapters/store.js';

const digest = (token: string) => createHash('sha256').update(token).digest();

export interface AdminToken {
  check(presented: string | undefined): boolean;
  /** The token made on this start, to be printed once; undefined otherwise. */
  generated?: string;
}

export async function adminToken(store: Store, configured?: string): Promise<AdminToken> {
  let expected: Buffer;
  let generated: string | undefined;
  if (configured) {
    expected = digest(configured);
  } else {
    const candidate = randomBytes(32).toString('base64url');
    // insertNew: of several instances starting on one store, one token wins.
    if (await store.insertNew('keys', { id: 'admin_token', data: { sha256: digest(candidate).toString('hex') } })) generated = candidate;
    const stored = await store.get<{ sha256: string }>('keys', 'admin_token');
    if (!stored) throw new Error('could not persist the admin token');
    expected = Buffer.from(stored.data.sha256, 'hex');
  }
  return {
    generated,
    check: (presented) => !!presented && timingSafeEqual(digest(presented), expected),
  };
}
