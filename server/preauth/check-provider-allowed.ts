/**
 * A client may only use the providers its metadata lists; anything else,
 * including ids that do not exist, is `unauthorized_client`.
 */
import type { Client } from 'oidc-provider';
import { unauthorizedClient } from '../errors.js';
import { extensionsOf } from '../oidc/client-metadata.js';

export function checkProviderAllowed(client: Client, providerId: string): void {
  const allowed = extensionsOf(client).preauth_providers;
  if (!allowed.includes(providerId)) {
    throw unauthorizedClient(`provider ${JSON.stringify(providerId)} is not allowed for this client`);
  }
  if (!client.grantTypeAllowed('authorization_code') || !client.responseTypeAllowed('code')) {
    throw unauthorizedClient('the client must be registered for the authorization code flow to redeem pre-auth URLs');
  }
}
