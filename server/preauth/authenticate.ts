/**
 * Runs the provider's own credential or signature check and turns the result
 * into a subject handoff can sign in: partner subjects are namespaced by the
 * client so no partner can speak for a local account or another partner.
 */
import type { Client } from 'oidc-provider';
import type { Authenticated, AuthenticateContext, Provider } from '../../providers/define.js';
import type { Store } from '../../adapters/store.js';
import type { Accounts, Claims } from '../accounts.js';
import { HttpError, invalidGrant } from '../errors.js';
import { extensionsOf } from '../oidc/client-metadata.js';
import type { Events } from '../events.js';

export interface AuthenticateDeps {
  store: Store;
  accounts: Accounts;
  issuer: string;
  events?: Events;
}

/** Unambiguous because a client_id never contains `|` (the admin API refuses it). */
export const partnerSubject = (clientId: string, sub: string) => `${clientId}|${sub}`;

/** Injective in its three parts. */
export const replayMarkerId = (kind: string, clientId: string, value: string) => JSON.stringify([kind, clientId, value]);

function contextFor(provider: string, client: Client, channel: 'grant' | 'native', clientAuthenticated: boolean, deps: AuthenticateDeps): AuthenticateContext {
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
    async markUsed(kind, value, expiresAt) {
      const fresh = await deps.store.insertNew('replay', { id: replayMarkerId(kind, clientId, value), data: {}, expiresAt: expiresAt * 1000, clientId });
      if (!fresh) deps.events?.emit('replay.blocked', { client_id: clientId, provider, kind });
      return fresh;
    },
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
    result = await provider.authenticate(payload, contextFor(provider.id, client, channel, clientAuthenticated, deps));
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw invalidGrant(err instanceof Error && err.message ? err.message : 'the payload was rejected');
  }
  if (!result || typeof result.sub !== 'string' || !result.sub) throw invalidGrant('the provider resolved no subject');
  if (provider.subjects === 'account') return result;
  if (extensionsOf(client).preauth_trusted_subjects) return trustedSubject(result, client, deps);
  const sub = partnerSubject(client.clientId, result.sub);
  const claims = withoutVerifiedFlags(result.claims ?? {});
  await deps.accounts.rememberSubject(sub, client.clientId, claims);
  return { ...result, sub, claims };
}

/** A partner's word is not a verification (contract §5): these claims are dropped. */
const VERIFIED_FLAGS = ['email_verified', 'phone_number_verified'];

function withoutVerifiedFlags(claims: Claims): Claims {
  return Object.fromEntries(Object.entries(claims).filter(([name]) => !VERIFIED_FLAGS.includes(name)));
}

/**
 * `preauth_trusted_subjects` (an admin's explicit trust): the subject is used
 * as given, so a local account can be signed in (its own claims then apply),
 * and any other subject keeps the claims the client asserted, verified flags
 * included.
 */
async function trustedSubject(result: Authenticated, client: Client, deps: AuthenticateDeps): Promise<Authenticated> {
  if (!(await deps.accounts.get(result.sub))) await deps.accounts.rememberSubject(result.sub, client.clientId, result.claims ?? {});
  return result;
}
