/**
 * Step 1a: `grant_type=urn:handoff:grant-type:preauth` at /token, with
 * `provider` and `payload`. The work and the answer are shared with the token
 * exchange (grant-answer.ts).
 */
import type { Provider as OidcProvider } from 'oidc-provider';
import type { ProviderRegistry } from '../../providers/registry.js';
import { invalidRequest, unauthorizedClient } from '../errors.js';
import { PREAUTH_GRANT } from '../oidc/client-metadata.js';
import { AUTH_PARAM_NAMES } from './auth-params.js';
import { answerPreauthGrant, type GrantParams } from './grant-answer.js';
import type { PipelineDeps } from './pipeline.js';

export function registerPreauthGrant(oidc: OidcProvider, registry: ProviderRegistry, deps: PipelineDeps): void {
  const step = {
    payloadParam: 'payload',
    provider(params: GrantParams) {
      if (!params.provider) throw invalidRequest('provider is required');
      // An unknown id cannot be in the client's list either: same answer.
      const provider = registry.get(params.provider);
      if (!provider) throw unauthorizedClient(`provider ${JSON.stringify(params.provider)} is not allowed for this client`);
      return provider;
    },
  };
  oidc.registerGrantType(PREAUTH_GRANT, (ctx) => answerPreauthGrant(ctx, step, deps), ['provider', 'payload', ...AUTH_PARAM_NAMES], []);
}
