// Placeholder: replaced by the login and consent pages.
import Router from '@koa/router';
import type { Provider as OidcProvider } from 'oidc-provider';
import type { Accounts } from '../accounts.js';

export interface InteractionDeps {
  oidc: OidcProvider;
  accounts: Accounts;
}

export function interactionRouter(_deps: InteractionDeps): Router {
  return new Router();
}
