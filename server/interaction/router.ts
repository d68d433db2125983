/**
 * The pages of an ordinary interactive authorization request, where
 * `interactions.url` sends the browser: password login, consent, cancel.
 * The interaction itself is found through oidc-provider's interaction
 * cookie; the `:uid` in the path must name that same interaction.
 */
import Router from '@koa/router';
import type { Provider as OidcProvider } from 'oidc-provider';
import type { Accounts } from '../accounts.js';
import { HttpError } from '../errors.js';
import { abortInteraction } from './abort.js';
import { sendError } from './respond.js';
import { showInteraction } from './show-interaction.js';
import { submitConsent } from './submit-consent.js';
import { submitLogin, type LoginLimit } from './submit-login.js';

export interface InteractionDeps {
  oidc: OidcProvider;
  accounts: Accounts;
  /** Failed sign-ins per username (`RATE_LIMIT_FAILURES`). */
  loginLimit: LoginLimit;
}

export function interactionRouter({ oidc, accounts, loginLimit }: InteractionDeps): Router {
  const router = new Router({ prefix: '/interaction' });
  // These are HTML pages: a refused form body gets a page, not JSON.
  router.use(async (ctx, next) => {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof HttpError) || err.status >= 500) throw err;
      sendError(ctx, err.status, err.error, err.description);
    }
  });
  router.get('/:uid', showInteraction(oidc));
  router.post('/:uid/login', submitLogin(oidc, accounts, loginLimit));
  router.post('/:uid/confirm', submitConsent(oidc));
  router.post('/:uid/abort', abortInteraction(oidc));
  router.get('/:uid/abort', abortInteraction(oidc));
  return router;
}
