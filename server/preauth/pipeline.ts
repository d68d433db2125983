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
import { normalizeIp } from '../ip-address.js';
import { HttpError } from '../errors.js';

/**
 * The limits of step 1 (server/limits), handed in by app.ts so every channel
 * that runs this pipeline gets them.
 */
export interface PreauthGuards {
  /** Counts the request against the client's step-1 rate; throws 429 over it. */
  admit(clientId: string, provider: string): Promise<void>;
  /** Throws 429 while the asserted user has too many recent failures. */
  checkFailures(clientId: string, provider: string, payload: unknown): Promise<void>;
  /** Counts a rejected authentication for the asserted user. */
  failed(clientId: string, payload: unknown): Promise<void>;
  /** Takes a pending-URL place; throws 429 at `preauth_max_pending`. */
  reservePending(clientId: string, provider: string, ttlSeconds: number, max: number): Promise<void>;
}
import { checkJsonDepth } from '../json-depth.js';

export interface PipelineDeps extends AuthenticateDeps {
  handoffs: Handoffs;
  events: Events;
  scopesSupported: Set<string>;
  guards?: PreauthGuards;
}

export interface PreauthRequest {
  provider: Provider;
  client: Client;
  /** The decoded payload; called only once the provider is known to be allowed. */
  decode(): unknown;
  params: RawAuthParams;
  channel: 'grant' | 'native';
  clientAuthenticated: boolean;
  /** The client IP of the step-1 request: a bound URL redeems there unless bind_ip says otherwise. */
  ip?: string;
  /** Caps the URL's lifetime below the client's preauth_ttl (a pushed request lives 60 s at most). */
  maxTtl?: number;
}

export async function runPreauth(req: PreauthRequest, deps: PipelineDeps): Promise<PreauthResult> {
  const { provider, client } = req;
  await deps.guards?.admit(client.clientId, provider.id);
  checkProviderAllowed(client, provider.id);
  const payload = req.decode();
  checkJsonDepth(payload, `the ${provider.id} payload`);
  validatePayload(provider, payload);
  const { bind_ip: bindIp, ...params } = checkAuthParams(client, req.params, deps.scopesSupported);
  await deps.guards?.checkFailures(client.clientId, provider.id, payload);
  let who;
  try {
    who = await authenticateWith(provider, payload, client, req.channel, req.clientAuthenticated, deps);
  } catch (err) {
    if (err instanceof HttpError && err.error === 'invalid_grant') await deps.guards?.failed(client.clientId, payload);
    throw err;
  }
  const { preauth_ttl: clientTtl, preauth_max_pending: maxPending } = extensionsOf(client);
  const ttl = Math.min(clientTtl, req.maxTtl ?? Infinity);
  await deps.guards?.reservePending(client.clientId, provider.id, ttl, maxPending);
  const boundTo = bindIp ?? normalizeIp(req.ip);
  // A fallback login page may offer a local account's username, never a partner's subject.
  const loginHint = provider.subjects === 'account' ? (await deps.accounts.get(who.sub))?.username : undefined;
  const code = await deps.handoffs.create({
    provider: provider.id,
    clientId: client.clientId,
    sub: who.sub,
    claims: who.claims ?? {},
    amr: who.amr ?? [],
    payload: who.payload,
    params,
    ...(boundTo ? { bindIp: boundTo } : {}),
    ...(loginHint !== undefined ? { loginHint } : {}),
  }, ttl);
  deps.events.emit('handoff.created', { client_id: client.clientId, provider: provider.id, sub: who.sub });
  return { preauth_url: `${deps.issuer}/preauth/${code}`, expires_in: ttl };
}
