/**
 * Conformance details that independent clients rely on (contract §2) and
 * that oidc-provider's configuration object cannot express; applied once to
 * the provider instance after it is built.
 */
import type { Provider as OidcProvider } from 'oidc-provider';
import type { Logger } from 'pino';
import { sidInEveryIdToken } from './sid-always.js';
import { tokenConformance } from './token-conformance.js';

export function applyStandards(oidc: OidcProvider, log: Logger): void {
  tokenConformance(oidc);
  sidInEveryIdToken(oidc);
  // A receiver that fails does not stop the logout; it is worth a line.
  oidc.on('backchannel.error', (_ctx: unknown, err: Error, client: { clientId: string }) => {
    log.warn({ client_id: client.clientId, error: err.message }, 'back-channel logout delivery failed');
  });
}
