/**
 * `not_allowed`: the client was deleted, or its permission for the handoff's
 * provider withdrawn, after step 1. Checked at redemption, since a pending
 * URL must not outlive the admin's decision.
 */
import type { Client } from 'oidc-provider';
import type { Handoff } from '../handoffs.js';
import { extensionsOf } from '../oidc/client-metadata.js';

export function clientStillAllowed(client: Client | undefined, handoff: Pick<Handoff, 'provider'>): client is Client {
  return !!client && extensionsOf(client).preauth_providers.includes(handoff.provider);
}
