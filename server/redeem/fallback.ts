/**
 * `preauth_fallback`: a known handoff that cannot be redeemed (expired, used,
 * bound to another IP, no longer allowed) becomes an ordinary interactive
 * authorization request for its client, with step 1's parameters, so the
 * person signs in by hand. Nothing of the handoff is redeemed: the login page
 * (or the browser's own existing session) decides who signs in.
 */
import type { Client } from 'oidc-provider';
import type { FailureReason, Tombstone } from '../handoffs.js';
import { extensionsOf } from '../oidc/client-metadata.js';

const REPLAYED = ['redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode'] as const;

/** Unknown codes never fall back (nothing says which client they were for), nor do deleted clients. */
export function fallsBack(client: Client | undefined, reason: FailureReason): client is Client {
  return reason !== 'unknown' && !!client && extensionsOf(client).preauth_fallback;
}

export function fallbackUrl(issuer: string, known: Pick<Tombstone, 'clientId' | 'params' | 'loginHint'>): string {
  const query = new URLSearchParams({ client_id: known.clientId, response_type: 'code' });
  for (const name of REPLAYED) {
    const value = known.params[name];
    if (value !== undefined) query.set(name, value);
  }
  // A local account's username pre-fills the login page; partner subjects mean nothing there.
  if (known.loginHint !== undefined) query.set('login_hint', known.loginHint);
  // oidc-provider drops offline_access unless consent is prompted.
  if (known.params.scope.split(' ').includes('offline_access')) query.set('prompt', 'consent');
  return `${issuer}/auth?${query}`;
}
