/**
 * Runs the provider's own credential or signature check and turns the result
 * into a subject handoff can sign in: partner subjects are namespaced by the
 * client so no partner can speak for a local account or another partner.
 */
import type { Client } from 'oidc-provider';
import type { Authenticated, AuthenticateContext, Provider } from '../../providers/define.js';
import type { Store } from '../../adapters/store.js';
import type { Accounts } from '../accounts.js';
import { HttpError, invalidGrant } from '../errors.js';

export interface AuthenticateDeps {
  store: Store;
  accounts: Accounts;
  issuer: string;
}

/** Unambiguous because a client_id never contains `|` (the admin API refuses it). */
export const partnerSubject = (clientId: string, sub: string) => `${clientId}|${sub}`;

/** Injective in its three parts. */
export const replayMarkerId = (kind: string, clientId: string, value: string) => JSON.stringify([kind, clientId, value]);

function contextFor(client: Client, channel: 'grant' | 'native', clientAuthenticated: boolean, deps: AuthenticateDeps): AuthenticateContext {
  const clientId = client.clientId;
  return {
    client: {
      clientId,
      clientSecret: client.clientSecret,
      jwks: client.jwks as AuthenticateContext['client']['jwks'],
      tokenEndpointAuthMethod: client.clientAuthMethod,
    },
    issuer: deps.issuer,
    channel,
    clientAuthenticated,
    now: () => Math.floor(Date.now() / 1000),
    // Replay markers are per client: one partner's jti cannot block another's.
    // The id is a JSON tuple, not a joined string: with a separator, client
    // `x` and jti `y:J` would meet client `x:y` and jti `J`.
    markUsed: (kind, value, expiresAt) =>
      deps.store.insertNew('replay', { id: replayMarkerId(kind, clientId, value), data: {}, expiresAt: expiresAt * 1000, clientId }),
    verifyPassword: (username, password) => deps.accounts.verifyPassword(username, password),
  };
}

export async function authenticateWith(
  provider: Provider,
  payload: unknown,
  client: Client,
  channel: 'grant' | 'native',
  clientAuthenticated: boolean,
  deps: AuthenticateDeps,
): Promise<Authenticated> {
  let result: Authenticated;
  try {
    result = await provider.authenticate(payload, contextFor(client, channel, clientAuthenticated, deps));
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw invalidGrant(err instanceof Error && err.message ? err.message : 'the payload was rejected');
  }
  if (!result || typeof result.sub !== 'string' || !result.sub) throw invalidGrant('the provider resolved no subject');
  if (provider.subjects === 'account') return result;
  const sub = partnerSubject(client.clientId, result.sub);
  await deps.accounts.rememberSubject(sub, client.clientId, result.claims ?? {});
  return { ...result, sub };
}
