/**
 * Step 1a: `grant_type=urn:handoff:grant-type:preauth` at /token. oidc-provider
 * has already authenticated the client. The answer is shaped like an RFC 8693
 * token-exchange response so generic OAuth clients accept it.
 */
import type { KoaContextWithOIDC, Provider as OidcProvider } from 'oidc-provider';
import type { Provider } from '../../providers/define.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import { HttpError, invalidRequest, unauthorizedClient, writeError } from '../errors.js';
import { PREAUTH_GRANT } from '../oidc/client-metadata.js';
import { AUTH_PARAM_NAMES, type RawAuthParams } from './auth-params.js';
import { runPreauth, type PipelineDeps } from './pipeline.js';

export const PREAUTH_TOKEN_TYPE = 'urn:handoff:token-type:preauth-code';

/** Decodes the grant's `payload` parameter with the provider's own reader. */
function decode(provider: Provider, payload: string | undefined): unknown {
  if (!provider.fromGrant) throw invalidRequest(`provider ${provider.id} is only available at /providers/${provider.id}/preauth`);
  if (payload === undefined || payload === '') throw invalidRequest('payload is required');
  try {
    return provider.fromGrant(payload);
  } catch {
    throw invalidRequest(`payload is not a well-formed ${provider.id} payload`);
  }
}

export function registerPreauthGrant(oidc: OidcProvider, registry: ProviderRegistry, deps: PipelineDeps): void {
  async function preauthGrant(ctx: KoaContextWithOIDC): Promise<void> {
    const params = ctx.oidc.params as Record<string, string | undefined>;
    try {
      if (!params.provider) throw invalidRequest('provider is required');
      const client = ctx.oidc.client!;
      // An unknown id cannot be in the client's list either: same answer.
      const provider = registry.get(params.provider);
      if (!provider) throw unauthorizedClient(`provider ${JSON.stringify(params.provider)} is not allowed for this client`);
      const authParams = Object.fromEntries(AUTH_PARAM_NAMES.map((n) => [n, params[n]])) as RawAuthParams;
      const result = await runPreauth({
        provider, client, decode: () => decode(provider, params.payload), params: authParams, channel: 'grant', clientAuthenticated: true,
      }, deps);
      ctx.body = {
        preauth_url: result.preauth_url,
        expires_in: result.expires_in,
        access_token: result.preauth_url.slice(result.preauth_url.lastIndexOf('/') + 1),
        token_type: 'N_A',
        issued_token_type: PREAUTH_TOKEN_TYPE,
      };
    } catch (err) {
      // oidc-provider's errors cannot carry `details`; answer ourselves.
      if (err instanceof HttpError) {
        deps.events.emit('preauth.refused', { client_id: ctx.oidc.client?.clientId, provider: params.provider, error: err.error });
        return writeError(ctx, err);
      }
      throw err;
    }
  }

  oidc.registerGrantType(PREAUTH_GRANT, preauthGrant, ['provider', 'payload', ...AUTH_PARAM_NAMES], []);
}
