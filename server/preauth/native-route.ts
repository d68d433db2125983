/**
 * Step 1b: `POST /providers/{id}/preauth`, in the provider's own format. The
 * body belongs to the provider, so authorization parameters come from the
 * query string. Errors use the provider's native error format when it has one.
 */
import type { Context } from 'koa';
import type { Provider as OidcProvider } from 'oidc-provider';
import { timingSafeEqual, createHash } from 'node:crypto';
import type { Provider } from '../../providers/define.js';
import type { ProviderRegistry } from '../../providers/registry.js';
import { StoreUnavailableError } from '../../adapters/store.js';
import { HttpError, invalidClient, invalidRequest, notFound, temporarilyUnavailable, writeError } from '../errors.js';
import { AUTH_PARAM_NAMES, type RawAuthParams } from './auth-params.js';
import { runPreauth, type PipelineDeps } from './pipeline.js';
import { mediaType, readBody } from '../read-body.js';

/** Hashing first makes the comparison constant-time whatever the lengths. */
function sameSecret(a: string, b: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function queryParams(ctx: Context): RawAuthParams {
  const params: RawAuthParams = {};
  for (const name of AUTH_PARAM_NAMES) {
    const value = ctx.query[name];
    if (Array.isArray(value)) throw invalidRequest(`${name} must not be repeated`);
    if (value !== undefined) params[name] = value;
  }
  return params;
}

async function handle(ctx: Context, provider: Provider, oidc: OidcProvider, deps: PipelineDeps & { maxPayload: number }) {
  const type = mediaType(ctx);
  const body = await readBody(ctx, deps.maxPayload);
  if (!provider.native.contentTypes.includes(type)) {
    throw new HttpError(415, 'invalid_request', `content type must be ${provider.native.contentTypes.join(' or ')}`);
  }
  const request = { body, contentType: type, headers: ctx.headers };
  let payload: unknown;
  try {
    payload = provider.native.parse(request);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw invalidRequest(`the body is not a well-formed ${provider.id} request`);
  }
  const identity = provider.native.identify(request, payload);
  const client = identity?.clientId ? await oidc.Client.find(identity.clientId) : undefined;
  if (!identity || !client) throw invalidClient();
  ctx.state.preauthClientId = client.clientId;
  if (identity.secret !== undefined && !(client.clientSecret && sameSecret(identity.secret, client.clientSecret))) throw invalidClient();
  const params = queryParams(ctx);
  const clientAuthenticated = identity.secret !== undefined;
  return runPreauth({ provider, client, decode: () => payload, params, channel: 'native', clientAuthenticated, ip: ctx.ip }, deps);
}

export function nativePreauthRoute(registry: ProviderRegistry, oidc: OidcProvider, deps: PipelineDeps & { maxPayload: number }) {
  return async function nativePreauth(ctx: Context & { params: { provider: string } }): Promise<void> {
    const provider = registry.get(ctx.params.provider);
    ctx.set('Cache-Control', 'no-store');
    try {
      if (!provider) throw notFound(`no provider named ${JSON.stringify(ctx.params.provider)}`);
      const answer = provider.native.respond(await handle(ctx, provider, oidc, deps));
      ctx.type = answer.type;
      ctx.body = answer.body;
    } catch (caught) {
      // A store outage is answered in the provider's own error format too.
      const err = caught instanceof StoreUnavailableError ? temporarilyUnavailable() : caught;
      if (err instanceof HttpError) {
        deps.events.emit('preauth.refused', { client_id: ctx.state.preauthClientId, provider: provider?.id, error: err.error });
      }
      // RFC 6749 §5.2: a 401 challenges with the scheme clients authenticate with here (Basic).
      if (err instanceof HttpError && err.status === 401 && !provider?.native.respondError) {
        writeError(ctx, err);
        ctx.set('WWW-Authenticate', 'Basic realm="handoff"');
        return;
      }
      if (!(err instanceof HttpError) || !provider?.native.respondError) throw err;
      const answer = provider.native.respondError(err.body(), err.status);
      ctx.status = err.status;
      ctx.type = answer.type;
      ctx.body = answer.body;
      ctx.set(err.headers);
      if (err.status === 401) ctx.set('WWW-Authenticate', 'Basic realm="handoff"');
    }
  };
}
