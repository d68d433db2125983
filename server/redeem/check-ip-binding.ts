/**
 * `preauth_bind_ip`: the URL redeems only from the client IP that step 1
 * named (`bind_ip`), else from the IP that made the step-1 request. Checked
 * before consuming, so the code stays valid for the right IP. The client's
 * current metadata decides whether the binding applies.
 */
import type { Context } from 'koa';
import type { Client } from 'oidc-provider';
import type { Handoff } from '../handoffs.js';
import { normalizeIp } from '../ip-address.js';
import { extensionsOf } from '../oidc/client-metadata.js';

export function ipBindingHolds(ctx: Context, client: Client, handoff: Handoff): boolean {
  if (!extensionsOf(client).preauth_bind_ip) return true;
  // A handoff made without a known IP cannot be matched: it fails closed.
  return !!handoff.bindIp && normalizeIp(ctx.ip) === handoff.bindIp;
}
