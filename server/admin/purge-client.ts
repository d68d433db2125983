/**
 * A deleted client's grants and tokens must stop working, and nothing of it
 * may linger for a later client that reuses the id. oidc-provider already
 * refuses tokens of an unknown client when it checks them, but the records
 * are removed too. Every token-like record oidc-provider keeps per client
 * carries `clientId` (the adapter indexes it). Session (it spans clients) and
 * Interaction (the client is only inside its params) do not: they expire on
 * their own and fail on use, since the client can no longer be found.
 */
import { oidcCollection } from '../../adapters/oidc-adapter.js';
import type { AdminDeps } from './deps.js';

const PER_CLIENT_MODELS = [
  'AccessToken',
  'RefreshToken',
  'AuthorizationCode',
  'Grant',
  'ClientCredentials',
  'PushedAuthorizationRequest',
  'BackchannelAuthenticationRequest',
  'DeviceCode',
] as const;

export async function purgeClient(deps: Pick<AdminDeps, 'store' | 'handoffs' | 'accounts'>, clientId: string): Promise<void> {
  const { store, handoffs, accounts } = deps;
  await Promise.all([
    ...PER_CLIENT_MODELS.map((model) => store.deleteBy(oidcCollection(model), 'clientId', clientId)),
    // pending and redeemed handoffs (payloads included)
    handoffs.deleteForClient(clientId),
    // jti / nonce markers of its signed requests
    store.deleteBy('replay', 'clientId', clientId),
    // the partner subjects it asserted (namespaced `<client_id>|…`)
    accounts.forgetSubjectsOf(clientId),
  ]);
}
