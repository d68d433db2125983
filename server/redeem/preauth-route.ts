/**
 * Step 2: `GET /preauth/{code}` (and the confirming POST). Finds the handoff
 * by its code and runs the redemption steps; oidc-provider's authorization
 * endpoint then completes the login through the `preauth` prompt.
 */
import type { Context, Next } from 'koa';
import { keyOfCode } from '../handoffs.js';
import type { RedeemDeps } from './deps.js';
import { redeemHandoff } from './redeem-handoff.js';

export function preauthRoute(deps: RedeemDeps) {
  return function redeem(ctx: Context & { params: { code: string } }, next: Next): Promise<void> {
    const { code } = ctx.params;
    return redeemHandoff(ctx, next, deps, keyOfCode(code), `${deps.issuer}/preauth/${encodeURIComponent(code)}`);
  };
}
