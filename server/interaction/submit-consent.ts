/** `POST /interaction/:uid/confirm`: the user allowed what the consent page listed. */
import type { Context } from 'koa';
import type { Provider as OidcProvider } from 'oidc-provider';
import { grantConsent } from './grant-consent.js';
import { loadInteraction } from './load-interaction.js';
import { seeOther } from './respond.js';

export function submitConsent(oidc: OidcProvider) {
  return async function confirm(ctx: Context & { params: { uid: string } }): Promise<void> {
    const loaded = await loadInteraction(ctx, oidc, 'consent');
    if (!loaded) return;
    seeOther(ctx, await grantConsent(ctx, oidc, loaded.interaction));
  };
}
