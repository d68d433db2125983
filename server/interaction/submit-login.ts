/**
 * `POST /interaction/:uid/login`: checks username and password. A failure
 * shows the form again with one generic message (401); a success finishes
 * the login prompt and sends the browser back to the authorization endpoint.
 */
import type { Context } from 'koa';
import type { Provider as OidcProvider } from 'oidc-provider';
import type { Accounts } from '../accounts.js';
import { PASSWORD_ACR } from '../oidc/configuration.js';
import { loginPage } from '../views/login.js';
import { loadInteraction } from './load-interaction.js';
import { readForm } from './read-form.js';
import { seeOther, sendPage } from './respond.js';

/** Longest username or password looked at; longer ones cannot match. */
const MAX_FIELD = 1024;

export function submitLogin(oidc: OidcProvider, accounts: Accounts) {
  return async function login(ctx: Context & { params: { uid: string } }): Promise<void> {
    const loaded = await loadInteraction(ctx, oidc, 'login');
    if (!loaded) return;
    const form = await readForm(ctx);
    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';

    const account = username && password && username.length <= MAX_FIELD && password.length <= MAX_FIELD
      ? await accounts.verifyPassword(username, password)
      : undefined;
    if (!account) {
      const { interaction, clientName, logoUri, clientUri, base, formTargets } = loaded;
      const view = { uid: interaction.uid, clientName, logoUri, clientUri, base, username: username.slice(0, MAX_FIELD), error: true };
      return sendPage(ctx, 401, loginPage(view), formTargets);
    }

    const returnTo = await oidc.interactionResult(ctx.req, ctx.res, {
      login: { accountId: account.sub, acr: PASSWORD_ACR, amr: ['pwd'] },
    });
    seeOther(ctx, returnTo);
  };
}
