/**
 * Carries a consumed handoff from the /preauth route into oidc-provider's
 * authorization request within the same HTTP request. Keyed by the Node
 * request object, so nothing a browser sends can claim a redemption: only
 * the route that consumed the code can put one here.
 */
import type { IncomingMessage } from 'node:http';
import type { Handoff } from '../handoffs.js';

export interface Redemption {
  key: string;
  handoff: Handoff;
}

const byRequest = new WeakMap<IncomingMessage, Redemption>();

export function markRedemption(req: IncomingMessage, redemption: Redemption): void {
  byRequest.set(req, redemption);
}

export function redemptionOf(ctx: { req: IncomingMessage }): Redemption | undefined {
  return byRequest.get(ctx.req);
}

export const preauthAcr = (providerId: string) => `urn:handoff:preauth:${providerId}`;
