/**
 * For the confirmation page: who this browser is signed in as, when that is
 * not the handoff's subject (redeeming will sign them out). Reads only; the
 * session is ended later, by end-other-session, once the POST redeems.
 */
import type { Context } from 'koa';
import type { RedeemDeps } from './deps.js';

export async function otherSignedInName(ctx: Context, deps: RedeemDeps, sub: string): Promise<string | undefined> {
  const sessionId = ctx.cookies.get(deps.oidc.cookieName('session'), { signed: true });
  const session = sessionId ? await deps.oidc.Session.find(sessionId) : undefined;
  const accountId = session?.accountId;
  if (!accountId || accountId === sub) return undefined;
  const account = await deps.accounts.get(accountId);
  if (account) return account.username;
  const claims = (await deps.accounts.claimsOf(accountId)) ?? {};
  const named = [claims.preferred_username, claims.name, claims.email].find((v) => typeof v === 'string' && v);
  return (named as string | undefined) ?? accountId;
}
