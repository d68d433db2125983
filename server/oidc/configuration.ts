/**
 * oidc-provider set up for production: no dev interactions, keys from the
 * store, PKCE S256 per client (see `pkce`), rotating refresh tokens, and the
 * `preauth` prompt first.
 */
import type { Configuration, KoaContextWithOIDC } from 'oidc-provider';
import type { JWK } from 'jose';
import { oidcAdapterFactory } from '../../adapters/oidc-adapter.js';
import type { Store } from '../../adapters/store.js';
import type { Accounts } from '../accounts.js';
import type { Handoffs } from '../handoffs.js';
import { finishPreauthInteraction } from './finish-preauth-interaction.js';
import { signInDirectly } from './preauth-sign-in.js';
import { interactionPolicyWithPreauth } from './preauth-prompt.js';
import { preauthAcr, redemptionOf } from './redemption.js';
import { errorPage, logoutPage, logoutSuccessPage } from '../views/layout.js';
import { assertClaimsParameter } from './assert-claims-parameter.js';
import { clientMetadataValidator, extensionsOf, EXTRA_CLIENT_METADATA } from './client-metadata.js';
import { outgoingFetch } from './backchannel-logout.js';
import { loadExistingGrant } from './load-existing-grant.js';
import { corsAllowed, introspectionAllowed, revocationAllowed } from './policies.js';
import { issuerPath } from '../config.js';

export const PASSWORD_ACR = 'urn:handoff:password';

export interface OidcDeps {
  /** The issuer; its path prefix, if any, becomes every cookie's path. */
  issuer: string;
  store: Store;
  accounts: Accounts;
  handoffs: Handoffs;
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  providerIds: string[];
  retention: number;
  /** Extra authorization parameters: the PAR form of step 1 (server/preauth/pushed-request.ts). */
  extraParams?: Configuration['extraParams'];
  /** Pushes that carry a pre-auth payload: PKCE is step 1's own choice there, as in the custom grant. */
  isPreauthPush?: (ctx: KoaContextWithOIDC) => boolean;
}

export const SCOPES = ['openid', 'offline_access', 'email', 'profile', 'phone', 'address'] as const;

/** At /token, /token/introspection and /token/revocation alike (one client authentication). */
const CLIENT_AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt', 'none'] as const;
/** For client_secret_jwt and private_key_jwt (oidc-provider's default list, written out to be listed in discovery). */
const CLIENT_AUTH_SIGNING_ALGS = ['HS256', 'RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA'] as const;

const prefersJson = (ctx: KoaContextWithOIDC) => ctx.accepts('html', 'json') === 'json';

export function oidcConfiguration(deps: OidcDeps): Configuration {
  const findAccount = async (_ctx: KoaContextWithOIDC, sub: string) => {
    const claims = await deps.accounts.claimsOf(sub);
    if (!claims) return undefined;
    return { accountId: sub, claims: () => ({ ...claims, sub }) };
  };
  return {
    adapter: oidcAdapterFactory(deps.store, { grantGone: (grantId) => deps.handoffs.deleteForGrant(grantId) }),
    clients: [],
    clientBasedCORS: corsAllowed,
    jwks: deps.jwks as Configuration['jwks'],
    clientAuthMethods: CLIENT_AUTH_METHODS,
    enabledJWA: { clientAuthSigningAlgValues: [...CLIENT_AUTH_SIGNING_ALGS] },
    // RFC 8414: the same methods (and, for the JWT ones, algorithms) as the token endpoint.
    discovery: {
      introspection_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      introspection_endpoint_auth_signing_alg_values_supported: [...CLIENT_AUTH_SIGNING_ALGS],
      revocation_endpoint_auth_methods_supported: [...CLIENT_AUTH_METHODS],
      revocation_endpoint_auth_signing_alg_values_supported: [...CLIENT_AUTH_SIGNING_ALGS],
    },
    // Back-channel logouts to loopback only when the issuer is loopback.
    fetch: outgoingFetch(deps.issuer),
    cookies: {
      keys: deps.cookieKeys,
      // Merged into the library's defaults (HttpOnly, SameSite=Lax): only the path changes.
      ...(deps.issuer && issuerPath(deps.issuer) ? { long: { path: issuerPath(deps.issuer) }, short: { path: issuerPath(deps.issuer) } } : {}),
    },
    findAccount,
    claims: {
      // acr, amr and auth_time are mapped to openid so every ID token has them.
      openid: ['sub', 'acr', 'amr', 'auth_time'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username', 'picture', 'locale', 'zoneinfo', 'updated_at'],
      phone: ['phone_number', 'phone_number_verified'],
      address: ['address'],
      sid: null,
      iss: null,
    },
    scopes: [...SCOPES],
    acrValues: [PASSWORD_ACR, ...deps.providerIds.map(preauthAcr)],
    responseTypes: ['code'],
    ...(deps.extraParams ? { extraParams: deps.extraParams } : {}),
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true, assertClaimsParameter },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      userinfo: { enabled: true },
      // userinfo_signed_response_alg: signed with the OP's keys (algorithms follow the JWKS).
      jwtUserinfo: { enabled: true },
      backchannelLogout: { enabled: true },
      pushedAuthorizationRequests: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.body = logoutPage(form, ctx.oidc.client?.clientName);
        },
        async postLogoutSuccessSource(ctx) {
          ctx.body = logoutSuccessPage(ctx.oidc.client?.clientName);
        },
      },
    },
    extraClientMetadata: {
      properties: [...EXTRA_CLIENT_METADATA],
      validator: clientMetadataValidator(() => deps.providerIds),
    },
    pkce: {
      // Contract §2: always for public clients; for confidential ones unless
      // `require_pkce: false`. A redemption carries step 1's own choice: without
      // a challenge the code is bound to the client by its authentication at the
      // code exchange, which a public client cannot give, so never for them.
      required: (ctx, client) => {
        if (client.clientAuthMethod === 'none') return true;
        if (redemptionOf(ctx) || deps.isPreauthPush?.(ctx)) return false;
        return extensionsOf(client).require_pkce;
      },
    },
    async issueRefreshToken(_ctx, client) {
      return client.grantTypeAllowed('refresh_token');
    },
    rotateRefreshToken: true,
    loadExistingGrant,
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      Grant: 14 * 24 * 3600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
    },
    interactions: {
      policy: interactionPolicyWithPreauth((ctx, redemption) => signInDirectly(ctx, redemption, { ...deps, findAccount })),
      async url(ctx, interaction) {
        const redemption = redemptionOf(ctx);
        if (redemption && interaction.prompt.name === 'preauth') {
          return finishPreauthInteraction(ctx, interaction, redemption, deps);
        }
        // Under the issuer's path prefix, like every other route.
        return `${issuerPath(ctx.oidc.issuer)}/interaction/${interaction.uid}`;
      },
    },
    async renderError(ctx, out) {
      if (prefersJson(ctx)) {
        ctx.type = 'json';
        ctx.body = out;
        return;
      }
      ctx.type = 'html';
      // The client's name and home page, when known, so the page can link back.
      const client = ctx.oidc?.client;
      const brand = client ? { name: client.clientName, clientUri: client.clientUri } : undefined;
      ctx.body = errorPage(String(out.error), out.error_description ? String(out.error_description) : undefined, brand);
    },
  };
}
