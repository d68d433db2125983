/**
 * A client may only use the providers its metadata lists; anything else,
 * including ids that do not exist, is `unauthorized_client`. Step 1 also
 * needs a client that proves itself with a secret or a key: a public client
 * (`none`) could otherwise obtain pre-auth URLs with nothing but its id. The
 * admin API refuses such clients; this catches ones stored before that rule.
 */
import type { Client } from 'oidc-provider';
import { unauthorizedClient } from '../errors.js';
import { extensionsOf } from '../oidc/client-metadata.js';

export function checkProviderAllowed(client: Client, providerId: string): void {
  if (client.clientAuthMethod === 'none') {
    throw unauthorizedClient('a public client (token_endpoint_auth_method "none") cannot obtain pre-auth URLs');
  }
  const allowed = extensionsOf(client).preauth_providers;
  if (!allowed.includes(providerId)) {
    throw unauthorizedClient(`provider ${JSON.stringify(providerId)} is not allowed for this client`);
  }
  if (!client.grantTypeAllowed('authorization_code') || !client.responseTypeAllowed('code')) {
    throw unauthorizedClient('the client must be registered for the authorization code flow to redeem pre-auth URLs');
  }
}
