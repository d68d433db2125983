/**
 * `preauth_redemption`: which request may consume the code.
 * - `"get"` (default): the GET redeems; a POST is refused with 405.
 * - `"confirm"`: the GET answers a page whose button POSTs to the same URL,
 *   and only that POST redeems. The code in the URL is the secret, so the
 *   form needs no token of its own; a POST that a browser marks as coming
 *   from another site is still refused, so no other site can make a browser
 *   sign in as someone the attacker chose.
 * Answers true when it has answered the request itself.
 */
import type { Context } from 'koa';
import type { Client } from 'oidc-provider';
import type { Handoff } from '../handoffs.js';
import { extensionsOf } from '../oidc/client-metadata.js';
import { confirmPage } from '../views/confirm.js';
import { errorPage } from '../views/layout.js';
import type { RedeemDeps } from './deps.js';
import { otherSignedInName } from './signed-in-as.js';

/**
 * Sec-Fetch-Site is what browsers say about a form's origin. The page sends
 * Referrer-Policy: no-referrer, under which a browser's Origin for the POST is
 * `null`, so Origin only counts when it names a real origin.
 */
function crossSite(ctx: Context, issuer: string): boolean {
  const site = ctx.get('sec-fetch-site');
  if (site) return site !== 'same-origin' && site !== 'none';
  const origin = ctx.get('origin');
  return !!origin && origin !== 'null' && origin !== new URL(issuer).origin;
}

function answer(ctx: Context, status: number, error: string, description: string): true {
  ctx.status = status;
  if (ctx.accepts('html', 'json') === 'json') {
    ctx.body = { error, error_description: description };
  } else {
    ctx.type = 'html';
    ctx.body = errorPage(error, description);
  }
  return true;
}

export async function answeredByRedemptionPolicy(
  ctx: Context, deps: RedeemDeps, client: Client, handoff: Handoff, selfUrl: string,
): Promise<boolean> {
  const policy = extensionsOf(client).preauth_redemption;
  if (policy === 'get') {
    if (ctx.method === 'GET') return false;
    ctx.set('Allow', 'GET, HEAD');
    return answer(ctx, 405, 'invalid_request', 'this sign-in link is opened with GET');
  }
  if (ctx.method === 'GET') {
    ctx.status = 200;
    ctx.type = 'html';
    ctx.body = confirmPage({ action: selfUrl, clientName: client.clientName, signedInAs: await otherSignedInName(ctx, deps, handoff.sub) });
    return true;
  }
  if (crossSite(ctx, deps.issuer)) return answer(ctx, 403, 'invalid_request', 'the confirmation must be sent from the confirmation page');
  return false;
}
