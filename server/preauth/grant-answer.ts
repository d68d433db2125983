/**
 * What step 1 at /token does once a grant handler knows the provider and the
 * payload, shared by the custom grant (token-grant.ts) and the RFC 8693 token
 * exchange (token-exchange.ts) so both answer and fail exactly alike.
 * oidc-provider has already authenticated the client.
 */
import type { Client, KoaContextWithOIDC } from 'oidc-provider';
import type { Provider } from '../../providers/define.js';
import { HttpError, invalidRequest, writeError } from '../errors.js';
import { AUTH_PARAM_NAMES, type RawAuthParams } from './auth-params.js';
import { runPreauth, type PipelineDeps } from './pipeline.js';

export const PREAUTH_TOKEN_TYPE = 'urn:handoff:token-type:preauth-code';

export type GrantParams = Record<string, string | undefined>;

/** Decodes a grant's payload with the provider's own reader; `name` is the parameter that carried it. */
export function decode(provider: Provider, payload: string | undefined, name = 'payload'): unknown {
  if (!provider.fromGrant) throw invalidRequest(`provider ${provider.id} is only available at /providers/${provider.id}/preauth`);
  if (payload === undefined || payload === '') throw invalidRequest(`${name} is required`);
  try {
    return provider.fromGrant(payload);
  } catch {
    throw invalidRequest(`${name} is not a well-formed ${provider.id} payload`);
  }
}

export interface GrantStep {
  /** The provider named by the request; throws the grant's own error when there is none. */
  provider(params: GrantParams, client: Client): Provider;
  /** The parameter that carries the payload (`payload`, `subject_token`). */
  payloadParam: string;
}

/**
 * Runs step 1 and writes the answer, shaped like an RFC 8693 token-exchange
 * response (`N_A` fails closed: generic sessions refuse to use the code as a
 * bearer token). Errors are written here because oidc-provider's errors
 * cannot carry `details` or a 413.
 */
export async function answerPreauthGrant(ctx: KoaContextWithOIDC, step: GrantStep, deps: PipelineDeps): Promise<void> {
  const params = ctx.oidc.params as GrantParams;
  const client = ctx.oidc.client!;
  // Known only once resolved: a name the caller made up never becomes a log field or metric label.
  let provider: Provider | undefined;
  try {
    provider = step.provider(params, client);
    const resolved = provider;
    const authParams = Object.fromEntries(AUTH_PARAM_NAMES.map((n) => [n, params[n]])) as RawAuthParams;
    const result = await runPreauth({
      provider,
      client,
      decode: () => decode(resolved, params[step.payloadParam], step.payloadParam),
      params: authParams,
      channel: 'grant',
      clientAuthenticated: true,
      ip: ctx.ip,
    }, deps);
    ctx.body = {
      preauth_url: result.preauth_url,
      expires_in: result.expires_in,
      access_token: result.preauth_url.slice(result.preauth_url.lastIndexOf('/') + 1),
      token_type: 'N_A',
      issued_token_type: PREAUTH_TOKEN_TYPE,
    };
  } catch (err) {
    if (err instanceof HttpError) {
      deps.events.emit('preauth.refused', { client_id: client.clientId, provider: provider?.id, error: err.error });
      return writeError(ctx, err);
    }
    throw err;
  }
}
