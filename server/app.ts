/**
 * createHandoff: builds the whole server as a Koa application from options,
 * so it runs standalone (server/main.ts) or inside another Koa app.
 */
import Koa from 'koa';
import Router from '@koa/router';
import mount from 'koa-mount';
import { Provider as OidcProvider } from 'oidc-provider';
import type { Logger } from 'pino';
import { openStore } from '../adapters/index.js';
import type { Store } from '../adapters/store.js';
import type { Provider } from '../providers/define.js';
import { builtinProviders, ProviderRegistry } from '../providers/registry.js';
import { Accounts } from './accounts.js';
import { adminRouter } from './admin/router.js';
import { adminUiRouter } from './admin-ui/router.js';
import { adminToken } from './admin-token.js';
import { jsonErrors } from './errors.js';
import { createEvents, type Events } from './events.js';
import { handoffRoute } from './handoff-route.js';
import { Handoffs } from './handoffs.js';
import { interactionRouter } from './interaction/router.js';
import { loadKeys, rotateSigningKeys, signingJwks } from './keys.js';
import { signedTokenLifetime, watchSigningKeys } from './oidc/signing-keys.js';
import { createLogger, loggableError, safePath } from './log.js';
import { oidcConfiguration, SCOPES } from './oidc/configuration.js';
import { logoutWithoutSession } from './oidc/logout-without-session.js';
import { applyStandards } from './oidc/standards.js';
import { challengeEvery401 } from './oidc/www-authenticate.js';
import { strictQueryUtf8 } from './strict-utf8.js';
import { opsRouter } from './ops/router.js';
import { pendingHandoffs } from './ops/pending.js';
import { nativePreauthRoute } from './preauth/native-route.js';
import { AUTH_PARAM_NAMES } from './preauth/auth-params.js';
import { registerPreauthGrant } from './preauth/token-grant.js';
import { registerTokenExchange } from './preauth/token-exchange.js';
import { preauthRoute } from './redeem/preauth-route.js';
import { pushedRedemption } from './redeem/pushed-redemption.js';
import { isPreauthPush, pushedPreauthParams, pushedPreauthResponse } from './preauth/pushed-request.js';
import { recordSession } from './redeem/record-session.js';
import { tokenBody } from './token-body.js';
import { pinIssuer } from './pin-issuer.js';
import { oidcCookiePolicy, ownCookies } from './own-cookies.js';
import { createLimits, type LimitSettings } from './limits/index.js';
import { issuerPath, underIssuerPath } from './issuer-path.js';
import { pageHeaders } from './page-headers.js';
import { closeOnUnreadBody } from './unread-body.js';
import { capAuthorizationParams } from './param-limits.js';

export interface HandoffOptions {
  /** Issuer identifier: an origin such as `https://login.example.com`, optionally with a path prefix (`https://example.com/login`). */
  issuer: string;
  /** An opened Store, or where to open one (SQLite in `dataDir` unless `mongodbUri`). */
  store?: Store | { mongodbUri?: string; dataDir?: string };
  /** Shorthands for `store: { dataDir, mongodbUri }`. */
  dataDir?: string;
  mongodbUri?: string;
  /** Providers besides the built-ins (plugins). */
  providers?: Provider[];
  /** Set false to serve only `providers`. */
  builtinProviders?: boolean;
  /** Admin API bearer token; generated and kept in the store when absent. */
  adminToken?: string;
  logger?: Logger;
  /** Largest step-1 request body in bytes (default 2 MiB: a 1 MiB payload fits through every channel). */
  maxPayload?: number;
  /** Seconds a redeemed handoff's payload is kept at most (default 24 h). */
  retention?: number;
  /** Bearer token for `/metrics`; the admin token is required when absent. */
  metricsToken?: string;
  /** Take the client IP from X-Forwarded-For (default false). The scheme always comes from `issuer`. */
  trustProxy?: boolean;
  /** Rate limits (defaults: preauth 600/min per client, failures 10/15 min per client and user, redeem 60/min per IP). */
  limits?: Partial<LimitSettings>;
  /** How often (ms) each instance re-reads the stored signing keys, to see rotations made elsewhere (default 5000). */
  keyReloadInterval?: number;
}

/**
 * The Koa application itself (listen, callback, or mount it), carrying what
 * else an embedding app may need. `app` points at itself for symmetry.
 */
export type HandoffServer = Koa & HandoffParts;

export interface HandoffParts {
  app: Koa;
  oidc: OidcProvider;
  store: Store;
  providers: ProviderRegistry;
  /** Audit events and the Prometheus registry of this instance. */
  events: Events;
  /** The admin token made on this start (print it once), if one was made. */
  generatedAdminToken?: string;
  close(): Promise<void>;
}

const isStore = (value: unknown): value is Store => !!value && typeof (value as Store).consume === 'function';

export async function createHandoff(options: HandoffOptions): Promise<HandoffServer> {
  const issuerUrl = new URL(options.issuer);
  // Without a trailing slash: `${issuer}/preauth/…` is how every URL is built.
  const issuer = `${issuerUrl.origin}${issuerUrl.pathname}`.replace(/\/+$/, '');
  const log = options.logger ?? createLogger('info');
  const store = isStore(options.store)
    ? options.store
    : await openStore({ dataDir: options.store?.dataDir ?? options.dataDir ?? './data', mongodbUri: options.store?.mongodbUri ?? options.mongodbUri });
  const registry = new ProviderRegistry([...(options.builtinProviders === false ? [] : builtinProviders), ...(options.providers ?? [])]);
  const maxPayload = options.maxPayload ?? 2 * 1024 * 1024;
  const retention = options.retention ?? 24 * 3600;

  const accounts = new Accounts(store);
  // The pending gauge counts through `handoffs`, which needs the events and
  // the limits first: the gauge reads it lazily, at scrape time.
  let handoffs: Handoffs | undefined;
  const events = createEvents(log, { pendingHandoffs: () => pendingHandoffs(handoffs!, log)(), providerIds: registry.ids() });
  const limits = createLimits({ store, events }, options.limits);
  handoffs = new Handoffs(limits.countRedemptions(store), { events });
  const keys = await loadKeys(store);
  const admin = await adminToken(store, options.adminToken);

  const configuration = oidcConfiguration({
    issuer, store, accounts, handoffs, retention, jwks: keys.jwks, cookieKeys: keys.cookieKeys, providerIds: registry.ids(),
    extraParams: pushedPreauthParams(registry, () => pipeline), isPreauthPush,
  });
  const retireAfter = signedTokenLifetime(configuration.ttl);
  const oidc = new OidcProvider(issuer, configuration);
  oidcCookiePolicy(oidc, issuer);
  const signing = watchSigningKeys(oidc, keys.jwks, () => signingJwks(store), options.keyReloadInterval ?? 5000, log);
  const rotateKeys = async () => {
    const kids = await rotateSigningKeys(store, retireAfter);
    await signing.reload();
    events.emit('keys.rotated', { kids: kids.join(' ') });
    return kids;
  };
  oidc.on('server_error', (ctx, err) => log.error({ err: loggableError(err), path: safePath(ctx.originalUrl) }, 'oidc-provider server error'));
  applyStandards(oidc, log);
  const pipeline = { store, accounts, handoffs, events, issuer, scopesSupported: new Set<string>(SCOPES), guards: limits.guards };
  registerPreauthGrant(oidc, registry, pipeline);
  registerTokenExchange(oidc, registry, pipeline);

  const app = new Koa();
  // oidc-provider runs on this app's context when mounted, so its cookies are
  // signed with these keys: they must be the ones it was configured with.
  app.keys = keys.cookieKeys;
  // Only the client IP follows TRUST_PROXY; the scheme and host are pinned
  // from the issuer (pinIssuer). One proxy hop: its own X-Forwarded-For entry.
  app.proxy = options.trustProxy ?? false;
  app.maxIpsCount = 1;

  // Case-sensitive and exact: only `/preauth/<code>` redeems (contract §4).
  const router = new Router({ sensitive: true, strict: true });
  const redeemDeps = { oidc, handoffs, accounts, events, issuer };
  router.get('/preauth/:code', preauthRoute(redeemDeps));
  router.post('/preauth/:code', preauthRoute(redeemDeps));
  router.post('/providers/:provider/preauth', nativePreauthRoute(registry, oidc, { ...pipeline, maxPayload }));
  router.get('/handoff', handoffRoute(oidc, handoffs));

  app.use(pinIssuer(issuer));
  app.use(ownCookies(app, issuer));
  app.use(async (ctx, next) => {
    const started = Date.now();
    await next();
    log.info({ method: ctx.method, path: safePath(ctx.originalUrl), status: ctx.status, ms: Date.now() - started }, 'request');
  });
  app.use(challengeEvery401(issuer));
  app.use(closeOnUnreadBody());
  app.use(pageHeaders());
  app.use(jsonErrors(log));
  app.use(strictQueryUtf8());
  app.use(limits.redeem);
  app.use(router.routes());
  app.use(opsRouter({ store, events, metricsToken: options.metricsToken, checkAdminToken: admin.check }).routes());
  const adminDeps = { oidc, store, accounts, handoffs, events, checkToken: admin.check, providerIds: registry.ids(), rotateKeys };
  // The admin web page first: its /admin/ui paths are not the JSON API's.
  app.use(adminUiRouter({ ...adminDeps, issuer }).routes());
  app.use(adminRouter({ ...adminDeps, openapi: { issuer, providers: registry.ids().map((id) => registry.get(id)!), authParams: AUTH_PARAM_NAMES } }).routes());
  app.use(interactionRouter({ oidc, accounts, loginLimit: limits.login }).routes());
  app.use(tokenBody(['/token', '/request'], maxPayload));
  app.use(capAuthorizationParams({ '/auth': 56 * 1024, '/request': maxPayload }));
  app.use(pushedPreauthResponse(pipeline));
  app.use(pushedRedemption(redeemDeps));
  app.use(recordSession(handoffs));
  app.use(logoutWithoutSession());
  app.use(mount(oidc));

  // Under an issuer with a path, the whole app answers below that path.
  const served = issuerPath(issuer) ? underIssuerPath(app, issuer) : app;
  const parts: HandoffParts = {
    app: served,
    oidc,
    store,
    providers: registry,
    events,
    generatedAdminToken: admin.generated,
    close: () => {
      signing.stop();
      return store.close();
    },
  };
  return Object.assign(served, parts);
}
