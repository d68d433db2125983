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
import { adminToken } from './admin-token.js';
import { jsonErrors } from './errors.js';
import { createEvents, type Events } from './events.js';
import { handoffRoute } from './handoff-route.js';
import { Handoffs } from './handoffs.js';
import { interactionRouter } from './interaction/router.js';
import { loadKeys } from './keys.js';
import { createLogger, loggableError, safePath } from './log.js';
import { oidcConfiguration, SCOPES } from './oidc/configuration.js';
import { nativePreauthRoute } from './preauth/native-route.js';
import { registerPreauthGrant } from './preauth/token-grant.js';
import { preauthRoute } from './redeem/preauth-route.js';
import { recordSession } from './redeem/record-session.js';
import { tokenBody } from './token-body.js';
import { pinIssuer } from './pin-issuer.js';
import { ownCookies } from './own-cookies.js';
import { pageHeaders } from './page-headers.js';
import { closeOnUnreadBody } from './unread-body.js';
import { capAuthorizationParams } from './param-limits.js';

export interface HandoffOptions {
  /** Issuer identifier: an origin such as `https://login.example.com`. */
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
  /** Largest step-1 request body in bytes (default 1 MiB). */
  maxPayload?: number;
  /** Seconds a redeemed handoff's payload is kept at most (default 24 h). */
  retention?: number;
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
  const issuer = new URL(options.issuer).origin;
  const log = options.logger ?? createLogger('info');
  const store = isStore(options.store)
    ? options.store
    : await openStore({ dataDir: options.store?.dataDir ?? options.dataDir ?? './data', mongodbUri: options.store?.mongodbUri ?? options.mongodbUri });
  const registry = new ProviderRegistry([...(options.builtinProviders === false ? [] : builtinProviders), ...(options.providers ?? [])]);
  const maxPayload = options.maxPayload ?? 1024 * 1024;
  const retention = options.retention ?? 24 * 3600;

  const accounts = new Accounts(store);
  const handoffs = new Handoffs(store);
  const events = createEvents(log);
  const keys = await loadKeys(store);
  const admin = await adminToken(store, options.adminToken);

  const oidc = new OidcProvider(issuer, oidcConfiguration({
    store, accounts, handoffs, retention, jwks: keys.jwks, cookieKeys: keys.cookieKeys, providerIds: registry.ids(),
  }));
  oidc.on('server_error', (ctx, err) => log.error({ err: loggableError(err), path: safePath(ctx.originalUrl) }, 'oidc-provider server error'));
  const pipeline = { store, accounts, handoffs, events, issuer, scopesSupported: new Set<string>(SCOPES) };
  registerPreauthGrant(oidc, registry, pipeline);

  const app = new Koa();
  // oidc-provider runs on this app's context when mounted, so its cookies are
  // signed with these keys: they must be the ones it was configured with.
  app.keys = keys.cookieKeys;
  if (issuer.startsWith('https:')) {
    app.proxy = true;
    oidc.proxy = true;
  }

  // Case-sensitive and exact: only `/preauth/<code>` redeems (contract §4).
  const router = new Router({ sensitive: true, strict: true });
  router.get('/preauth/:code', preauthRoute(oidc, handoffs));
  router.post('/providers/:provider/preauth', nativePreauthRoute(registry, oidc, { ...pipeline, maxPayload }));
  router.get('/handoff', handoffRoute(oidc, handoffs));

  app.use(ownCookies(app));
  app.use(async (ctx, next) => {
    const started = Date.now();
    await next();
    log.info({ method: ctx.method, path: safePath(ctx.originalUrl), status: ctx.status, ms: Date.now() - started }, 'request');
  });
  app.use(closeOnUnreadBody());
  app.use(pageHeaders());
  app.use(jsonErrors(log));
  app.use(router.routes());
  app.use(adminRouter({ oidc, store, accounts, handoffs, events, checkToken: admin.check, providerIds: registry.ids() }).routes());
  app.use(interactionRouter({ oidc, accounts }).routes());
  app.use(tokenBody('/token', maxPayload));
  app.use(capAuthorizationParams({ '/auth': 56 * 1024, '/request': maxPayload }));
  app.use(pinIssuer(issuer));
  app.use(recordSession(handoffs));
  app.use(mount(oidc));

  const parts: HandoffParts = {
    app,
    oidc,
    store,
    providers: registry,
    events,
    generatedAdminToken: admin.generated,
    close: () => store.close(),
  };
  return Object.assign(app, parts);
}
