/**
 * A browser that is signed in as someone else is signed out before a
 * handoff signs it in. This must happen before oidc-provider sees the
 * request: later, the resume step would find two subjects and show a
 * logout-confirmation page instead of completing the login.
 */
import type { Context } from 'koa';
import type { Provider as OidcProvider } from 'oidc-provider';
import type { Handoffs } from '../handoffs.js';
import { endSession } from '../oidc/end-session.js';

function stripCookies(ctx: Context, names: string[]): void {
  const header = ctx.req.headers.cookie;
  if (!header) return;
  const kept = header.split(';').map((c) => c.trim()).filter((c) => !names.includes(c.slice(0, c.indexOf('=')).trim()));
  if (kept.length) ctx.req.headers.cookie = kept.join('; ');
  else delete ctx.req.headers.cookie;
}

export async function endOtherSession(ctx: Context, oidc: OidcProvider, handoffs: Handoffs, sub: string): Promise<void> {
  const name = oidc.cookieName('session');
  const sessionId = ctx.cookies.get(name, { signed: true });
  if (!sessionId) return;
  const session = await oidc.Session.find(sessionId);
  if (session?.accountId === sub) return; // same person: keep their single sign-on
  if (session) {
    // The earlier subject's session ends (its clients are told by back-channel
    // logout), and so do the payloads it carried.
    await handoffs.deleteForSession(session.uid);
    await endSession(oidc, session);
  }
  stripCookies(ctx, [name, `${name}.sig`]);
  ctx.cookies.set(name, null, { signed: true, path: '/' });
}
