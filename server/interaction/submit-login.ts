/**
 * `POST /interaction/:uid/login`: checks username and password. A failure
 * shows the form again with one generic message (401); a success finishes
 * the login prompt and sends the browser back to the authorization endpoint.
 * Failed sign-ins are limited per username (`RATE_LIMIT_FAILURES`): over the
 * limit the form comes back with 429 and `Retry-After`, and not even the
 * right password is looked at until the window ends.
 */
import type { Context } from 'koa';
import type { Provider as OidcProvider } from 'oidc-provider';
import type { Accounts } from '../accounts.js';
import { HttpError } from '../errors.js';
import { PASSWORD_ACR } from '../oidc/configuration.js';
import { loginPage } from '../views/login.js';
import { loadInteraction } from './load-interaction.js';
import { readForm } from './read-form.js';
import { seeOther, sendPage } from './respond.js';

/** Longest username or password looked at; longer ones cannot match. */
const MAX_FIELD = 1024;

/** Counts failed sign-ins; `check` throws the 429 once a username is over the limit. */
export interface LoginLimit {
  check(username: string, clientId: string): Promise<void>;
  failed(username: string): Promise<void>;
}

export function submitLogin(oidc: OidcProvider, accounts: Accounts, limit: LoginLimit) {
  return async function login(ctx: Context & { params: { uid: string } }): Promise<void> {
    const loaded = await loadInteraction(ctx, oidc, 'login');
    if (!loaded) return;
    const form = await readForm(ctx);
    const username = (form.get('username') ?? '').trim();
    const password = form.get('password') ?? '';
    const { interaction, clientName, logoUri, clientUri, base, formTargets } = loaded;
    const again = (status: number, error: 'incorrect' | 'locked') =>
      sendPage(ctx, status, loginPage({ uid: interaction.uid, clientName, logoUri, clientUri, base, username: username.slice(0, MAX_FIELD), error }), formTargets);

    const checked = username && password && username.length <= MAX_FIELD && password.length <= MAX_FIELD;
    if (checked) {
      try {
        await limit.check(username, String(interaction.params.client_id));
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 429) throw err;
        ctx.set(err.headers);
        return again(429, 'locked');
      }
    }
    const account = checked ? await accounts.verifyPassword(username, password) : undefined;
    if (!account) {
      if (checked) await limit.failed(username);
      return again(401, 'incorrect');
    }

    const returnTo = await oidc.interactionResult(ctx.req, ctx.res, {
      login: { accountId: account.sub, acr: PASSWORD_ACR, amr: ['pwd'] },
    });
    seeOther(ctx, returnTo);
  };
}
