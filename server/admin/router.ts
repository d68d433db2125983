// Placeholder: replaced by the admin API implementation.
import Router from '@koa/router';
import type { Provider as OidcProvider } from 'oidc-provider';
import type { Store } from '../../adapters/store.js';
import type { Accounts } from '../accounts.js';
import type { Handoffs } from '../handoffs.js';

export interface AdminDeps {
  oidc: OidcProvider;
  store: Store;
  accounts: Accounts;
  handoffs: Handoffs;
  checkToken(token: string | undefined): boolean;
  providerIds: string[];
}

export function adminRouter(_deps: AdminDeps): Router {
  return new Router();
}
