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
import { finishPreauthInteraction } from '../redeem/finish-interaction.js';
import { interactionPolicyWithPreauth } from '../redeem/preauth-prompt.js';
import { preauthAcr, redemptionOf } from '../redeem/redemption.js';
import { errorPage, logoutPage, logoutSuccessPage } from '../views/layout.js';
import { clientMetadataValidator, extensionsOf, EXTRA_CLIENT_METADATA } from './client-metadata.js';
import { loadExistingGrant } from './load-existing-grant.js';
import { corsAllowed, introspectionAllowed, revocationAllowed } from './policies.js';

export const PASSWORD_ACR = 'urn:handoff:password';

export interface OidcDeps {
  store: Store;
  accounts: Accounts;
  handoffs: Handoffs;
  jwks: { keys: JWK[] };
  cookieKeys: string[];
  providerIds: string[];
  retention: number;
}

export const SCOPES = ['openid', 'offline_access', 'email', 'profile', 'phone', 'address'] as const;

const prefersJson = (ctx: KoaContextWithOIDC) => ctx.accepts('html', 'json') === 'json';

export function oidcConfiguration(deps: OidcDeps): Configuration {
  return {
    adapter: oidcAdapterFactory(deps.store, { grantGone: (grantId) => deps.handoffs.deleteForGrant(grantId) }),
    clients: [],
    clientBasedCORS: corsAllowed,
    jwks: deps.jwks as Configuration['jwks'],
    cookies: { keys: deps.cookieKeys },
    async findAccount(_ctx, sub) {
      const claims = await deps.accounts.claimsOf(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: () => ({ ...claims, sub }) };
    },
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
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      clientCredentials: { enabled: true },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      userinfo: { enabled: true },
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
        if (redemptionOf(ctx)) return false;
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
      policy: interactionPolicyWithPreauth(),
      async url(ctx, interaction) {
        const redemption = redemptionOf(ctx);
        if (redemption && interaction.prompt.name === 'preauth') {
          return finishPreauthInteraction(ctx, interaction, redemption, deps);
        }
        return `/interaction/${interaction.uid}`;
      },
    },
    async renderError(ctx, out) {
      if (prefersJson(ctx)) {
        ctx.type = 'json';
        ctx.body = out;
        return;
      }
      ctx.type = 'html';
      ctx.body = errorPage(String(out.error), out.error_description ? String(out.error_description) : undefined);
    },
  };
}
