/**
 * Step 1, shared by the custom grant and the native endpoints:
 * allowed provider → schema → authorization parameters → provider
 * authentication → stored handoff. Each channel only decodes its request
 * and formats the answer.
 */
import type { Client } from 'oidc-provider';
import type { PreauthResult, Provider } from '../../providers/define.js';
import type { Events } from '../events.js';
import type { Handoffs } from '../handoffs.js';
import { checkAuthParams, type RawAuthParams } from './auth-params.js';
import { authenticateWith, type AuthenticateDeps } from './authenticate.js';
import { checkProviderAllowed } from './check-provider-allowed.js';
import { validatePayload } from './validate-payload.js';
import { extensionsOf } from '../oidc/client-metadata.js';
import { checkJsonDepth } from '../json-depth.js';

export interface PipelineDeps extends AuthenticateDeps {
  handoffs: Handoffs;
  events: Events;
  scopesSupported: Set<string>;
}

export interface PreauthRequest {
  provider: Provider;
  client: Client;
  /** The decoded payload; called only once the provider is known to be allowed. */
  decode(): unknown;
  params: RawAuthParams;
  channel: 'grant' | 'native';
  clientAuthenticated: boolean;
}

export async function runPreauth(req: PreauthRequest, deps: PipelineDeps): Promise<PreauthResult> {
  const { provider, client } = req;
  checkProviderAllowed(client, provider.id);
  const payload = req.decode();
  checkJsonDepth(payload, `the ${provider.id} payload`);
  validatePayload(provider, payload);
  const params = checkAuthParams(client, req.params, deps.scopesSupported);
  const who = await authenticateWith(provider, payload, client, req.channel, req.clientAuthenticated, deps);
  const ttl = extensionsOf(client).preauth_ttl;
  const code = await deps.handoffs.create({
    provider: provider.id,
    clientId: client.clientId,
    sub: who.sub,
    claims: who.claims ?? {},
    amr: who.amr ?? [],
    payload: who.payload,
    params,
  }, ttl);
  deps.events.emit('handoff.created', { client_id: client.clientId, provider: provider.id, sub: who.sub });
  return { preauth_url: `${deps.issuer}/preauth/${code}`, expires_in: ttl };
}
