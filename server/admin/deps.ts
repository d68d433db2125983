/**
 * What the admin routes need, in its own file so the route modules and the
 * router that mounts them do not import each other.
 */
import type { Provider as OidcProvider } from 'oidc-provider';
import type { Store } from '../../adapters/store.js';
import type { Accounts } from '../accounts.js';
import type { Events } from '../events.js';
import type { Handoffs } from '../handoffs.js';
import type { OpenApiSources } from './openapi.js';

export interface AdminDeps {
  oidc: OidcProvider;
  store: Store;
  accounts: Accounts;
  handoffs: Handoffs;
  checkToken(token: string | undefined): boolean;
  providerIds: string[];
  events: Events;
  /** What GET /admin/openapi.json is generated from. */
  openapi: OpenApiSources;
  /** Makes new signing keys current at once; answers their kids. */
  rotateKeys?: () => Promise<string[]>;
}
