/**
 * What the redemption steps need: the same for `/preauth/{code}` and for a
 * pushed authorization request that stands for a handoff.
 */
import type { Provider as OidcProvider } from 'oidc-provider';
import type { Accounts } from '../accounts.js';
import type { Events } from '../events.js';
import type { Handoffs } from '../handoffs.js';

export interface RedeemDeps {
  oidc: OidcProvider;
  handoffs: Handoffs;
  accounts: Accounts;
  events: Events;
  /** The issuer identifier; every URL printed into a page or a Location is built from it. */
  issuer: string;
}
