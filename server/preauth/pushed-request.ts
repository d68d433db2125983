/**
 * Step 1d: a pushed authorization request (RFC 9126) that carries
 * `preauth_provider` and `preauth_payload`. oidc-provider authenticates the
 * client and checks the authorization parameters as for any pushed request;
 * then, from its extra-parameter hook, the same step-1 pipeline as the custom
 * grant validates and authenticates the payload and stores the handoff. The
 * payload never reaches the stored request object.
 *
 * After oidc-provider has answered 201, the request_uri is linked to the
 * handoff (so opening it redeems, see redeem/pushed-redemption.ts) and the
 * library's own record is dropped: nothing but the link is needed any more.
 * Step-1 errors keep the custom grant's shape (`details`, 413, 429 with
 * Retry-After), which oidc-provider's errors cannot carry: they are written
 * over its answer here.
 */
import type { IncomingMessage } from 'node:http';
import type { Context, Next } from 'koa';
import { errors, type Client, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { ProviderRegistry } from '../../providers/registry.js';
import { HttpError, invalidRequest, unauthorizedClient, writeError } from '../errors.js';
import { hashCode } from '../handoffs.js';
import { AUTH_PARAM_NAMES, type RawAuthParams } from './auth-params.js';
import { runPreauth, type PipelineDeps } from './pipeline.js';
import { decode } from './grant-answer.js';

/** oidc-provider keeps a pushed request for 60 s at most; the handoff lives no longer. */
const PUSHED_TTL = 60;
const PUSH_ROUTE = 'pushed_authorization_request';
const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

interface Pushed {
  key: string;
  expiresIn: number;
}

/** Keyed by the Node request: only this request's own hook can put an entry here. */
const pushed = new WeakMap<IncomingMessage, Pushed>();
const failed = new WeakMap<IncomingMessage, HttpError>();

/** True for a push that carries a pre-auth payload (PKCE is then step 1's own choice, as in (a)). */
export function isPreauthPush(ctx: KoaContextWithOIDC): boolean {
  const params = ctx.oidc?.params as Record<string, unknown> | undefined;
  return ctx.oidc?.route === PUSH_ROUTE && (params?.preauth_provider !== undefined || params?.preauth_payload !== undefined);
}

async function createHandoff(ctx: KoaContextWithOIDC, client: Client, registry: ProviderRegistry, deps: PipelineDeps): Promise<Pushed> {
  const params = ctx.oidc.params as Record<string, string | undefined>;
  if (!params.preauth_provider) throw invalidRequest('preauth_provider is required with preauth_payload');
  const provider = registry.get(params.preauth_provider);
  // An unknown id cannot be in the client's list either: same answer as (a).
  if (!provider) throw unauthorizedClient(`provider ${JSON.stringify(params.preauth_provider)} is not allowed for this client`);
  const authParams = Object.fromEntries(AUTH_PARAM_NAMES.map((n) => [n, params[n]])) as RawAuthParams;
  const result = await runPreauth({
    provider, client, decode: () => decode(provider, params.preauth_payload, 'preauth_payload'), params: authParams,
    channel: 'grant', clientAuthenticated: true, ip: ctx.ip, maxTtl: PUSHED_TTL,
  }, deps);
  return { key: hashCode(result.preauth_url.slice(result.preauth_url.lastIndexOf('/') + 1)), expiresIn: result.expires_in };
}

/** oidc-provider's `extraParams`: the pre-auth parameters and their hook. */
export function pushedPreauthParams(registry: ProviderRegistry, deps: () => PipelineDeps): Configuration['extraParams'] {
  return {
    bind_ip: null,
    preauth_payload: null,
    async preauth_provider(ctx, value, client) {
      const params = ctx.oidc.params as Record<string, unknown>;
      if (value === undefined && params.preauth_payload === undefined && params.bind_ip === undefined) return;
      if (ctx.oidc.route !== PUSH_ROUTE) {
        throw new errors.InvalidRequest('preauth_provider, preauth_payload and bind_ip are only accepted in a pushed authorization request');
      }
      try {
        pushed.set(ctx.req, await createHandoff(ctx, client, registry, deps()));
      } catch (err) {
        if (!(err instanceof HttpError)) throw err;
        deps().events.emit('preauth.refused', { client_id: client.clientId, provider: registry.get(String(value))?.id, error: err.error });
        failed.set(ctx.req, err);
        throw new errors.InvalidRequest(err.description ?? err.error);
      }
      // The stored request object must not carry the payload (credentials included).
      params.preauth_payload = undefined;
    },
  };
}

/** Around oidc-provider's PAR endpoint: step-1 errors in their own shape, and the request_uri linked to its handoff. */
export function pushedPreauthResponse(deps: Pick<PipelineDeps, 'handoffs'>, parPath = '/request') {
  return async function linkPushedHandoff(ctx: Context, next: Next): Promise<void> {
    if (ctx.method !== 'POST' || ctx.path !== parPath) return next();
    await next();
    const error = failed.get(ctx.req);
    if (error) return writeError(ctx, error);
    const handoff = pushed.get(ctx.req);
    const body = ctx.body as { request_uri?: unknown } | undefined;
    // A push refused after the hook leaves an unreachable handoff, which expires within a minute.
    if (!handoff || ctx.status !== 201 || typeof body?.request_uri !== 'string') return;
    const requestId = body.request_uri.slice(REQUEST_URI_PREFIX.length);
    await deps.handoffs.linkPushedRequest(requestId, handoff.key, Date.now() + handoff.expiresIn * 1000);
    await (ctx as unknown as KoaContextWithOIDC).oidc?.entities.PushedAuthorizationRequest?.destroy();
    ctx.body = { ...body, expires_in: handoff.expiresIn };
  };
}
