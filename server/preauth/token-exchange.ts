/**
 * Step 1c: RFC 8693 token exchange at /token. The partner's payload is the
 * `subject_token`, its provider is named by `subject_token_type`
 * (`urn:handoff:provider:<id>`), and the only token it can be exchanged for
 * is a pre-auth code. Standard clients (openid-client's genericGrantRequest,
 * oauth4webapi) accept the `N_A` answer only from this grant, which is why it
 * exists beside the custom grant; both share grant-answer.ts.
 */
import type { Client, Provider as OidcProvider } from 'oidc-provider';
import type { ProviderRegistry } from '../../providers/registry.js';
import { invalidRequest } from '../errors.js';
import { extensionsOf, TOKEN_EXCHANGE_GRANT } from '../oidc/client-metadata.js';
import { AUTH_PARAM_NAMES } from './auth-params.js';
import { answerPreauthGrant, PREAUTH_TOKEN_TYPE, type GrantParams } from './grant-answer.js';
import type { PipelineDeps } from './pipeline.js';

export const PROVIDER_TOKEN_TYPE_PREFIX = 'urn:handoff:provider:';

export function registerTokenExchange(oidc: OidcProvider, registry: ProviderRegistry, deps: PipelineDeps): void {
  const step = {
    payloadParam: 'subject_token',
    provider(params: GrantParams, client: Client) {
      const requested = params.requested_token_type;
      if (requested !== undefined && requested !== PREAUTH_TOKEN_TYPE) {
        throw invalidRequest(`requested_token_type must be ${PREAUTH_TOKEN_TYPE}`);
      }
      const type = params.subject_token_type;
      if (!type) throw invalidRequest('subject_token_type is required');
      const id = type.startsWith(PROVIDER_TOKEN_TYPE_PREFIX) ? type.slice(PROVIDER_TOKEN_TYPE_PREFIX.length) : undefined;
      const provider = id === undefined ? undefined : registry.get(id);
      // RFC 8693 §2.2.2: a subject token type the server does not accept for
      // this client is invalid_request (the custom grant says unauthorized_client).
      if (!provider || !extensionsOf(client).preauth_providers.includes(provider.id)) {
        throw invalidRequest(`subject_token_type ${JSON.stringify(type)} names no provider this client may use`);
      }
      return provider;
    },
  };
  oidc.registerGrantType(
    TOKEN_EXCHANGE_GRANT,
    (ctx) => answerPreauthGrant(ctx, step, deps),
    ['subject_token', 'subject_token_type', 'requested_token_type', ...AUTH_PARAM_NAMES],
    [],
  );
}
