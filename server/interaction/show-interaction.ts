/**
 * `GET /interaction/:uid`: the page for whatever the authorization request
 * still needs. `login` → the password form; `consent` → the consent page,
 * except for first-party clients, whose consent is granted on the spot.
 */
import type { Context } from 'koa';
import type { Interaction, Provider as OidcProvider } from 'oidc-provider';
import { consentPage } from '../views/consent.js';
import { loginPage } from '../views/login.js';
import { grantConsent, missingConsent } from './grant-consent.js';
import { isFirstParty, loadInteraction } from './load-interaction.js';
import { seeOther, sendError, sendPage, setPageHeaders } from './respond.js';

/**
 * What the consent page lists: what is missing from the grant, or, when
 * consent was asked for again (`prompt=consent`) with nothing new, what the
 * request asks for.
 */
function toConfirm(interaction: Interaction) {
  const missing = missingConsent(interaction);
  const nothingNew = !missing.scopes.length && !missing.claims.length && !Object.values(missing.resources).some((s) => s.length);
  if (!nothingNew) return missing;
  const scope = typeof interaction.params.scope === 'string' ? interaction.params.scope : '';
  return { ...missing, scopes: scope.split(' ').filter(Boolean) };
}

export function showInteraction(oidc: OidcProvider) {
  return async function show(ctx: Context & { params: { uid: string } }): Promise<void> {
    // @koa/router serves HEAD through GET routes; a HEAD must not grant anything.
    if (ctx.method === 'HEAD') {
      setPageHeaders(ctx);
      ctx.status = 200;
      ctx.type = 'html';
      return;
    }
    const loaded = await loadInteraction(ctx, oidc);
    if (!loaded) return;
    const { interaction, client, formTargets } = loaded;
    const shown = { clientName: loaded.clientName, logoUri: loaded.logoUri, clientUri: loaded.clientUri, base: loaded.base };
    const { uid, prompt, params } = interaction;

    switch (prompt.name) {
      case 'login': {
        const hint = typeof params.login_hint === 'string' ? params.login_hint : undefined;
        return sendPage(ctx, 200, loginPage({ uid, ...shown, username: hint }), formTargets);
      }
      case 'consent':
        if (isFirstParty(client)) return seeOther(ctx, await grantConsent(ctx, oidc, interaction));
        return sendPage(ctx, 200, consentPage({ uid, ...shown, ...toConfirm(interaction) }), formTargets);
      default:
        return sendError(ctx, 400, 'invalid_request', 'This sign-in request cannot be completed here.');
    }
  };
}
