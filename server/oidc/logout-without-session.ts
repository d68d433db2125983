/**
 * RP-initiated logout of a browser that has no session (it never signed in,
 * or its session expired). oidc-provider would store a new, empty session
 * only to carry an xsrf secret to its confirm step, so every cookie-less
 * GET /session/end used to add a 14-day record. The oidc adapter refuses to
 * store a session without a login, and this middleware finishes such a
 * logout at once: there is nothing to end, so the browser goes where the
 * confirm step would have sent it, i.e. to the post_logout_redirect_uri that
 * oidc-provider has already validated (with `state`), else to the logout
 * success page. A browser with a real session still gets the confirmation
 * page and its POST, unchanged.
 */
import type { Context, Next } from 'koa';
import type { KoaContextWithOIDC } from 'oidc-provider';

interface LogoutState {
  postLogoutRedirectUri?: string;
  state?: string;
}

export function logoutWithoutSession() {
  return async function finishEmptyLogout(ctx: Context, next: Next): Promise<void> {
    await next();
    const { oidc } = ctx as unknown as Partial<KoaContextWithOIDC>;
    // 200 is the auto-submitting form oidc-provider renders when there is no login; errors pass untouched.
    if (oidc?.route !== 'end_session' || ctx.status !== 200 || !oidc.session || oidc.session.accountId) return;
    const state = oidc.session.state as LogoutState | undefined;
    if (!state) return;
    const target = new URL(state.postLogoutRedirectUri ?? oidc.urlFor('end_session_success'));
    if (state.postLogoutRedirectUri && state.state != null) target.searchParams.set('state', state.state);
    ctx.status = 303;
    ctx.redirect(target.href);
  };
}
