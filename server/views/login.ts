/**
 * The password login page of an ordinary (interactive) authorization
 * request. Every dynamic value is escaped; the error is deliberately generic
 * so the page never tells which of username or password was wrong.
 */
import { escape, page } from './layout.js';

export interface LoginView {
  uid: string;
  clientName?: string;
  /** Pre-filled username (the last attempt, or the request's login_hint). */
  username?: string;
  error?: boolean;
  /** The issuer's path prefix ('' for a bare origin). */
  prefix?: string;
}

export function loginPage({ uid, clientName, username, error, prefix = '' }: LoginView): string {
  const base = `${prefix}/interaction/${encodeURIComponent(uid)}`;
  return page('Sign in', `<h1>Sign in${clientName ? ` to ${escape(clientName)}` : ''}</h1>
${error ? '<p class="error" role="alert">The username or password is incorrect.</p>' : ''}
<form method="post" action="${escape(`${base}/login`)}" autocomplete="on">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="${escape(username)}" autocomplete="username" autocapitalize="none" spellcheck="false" required${username ? '' : ' autofocus'}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${username ? ' autofocus' : ''}>
<button type="submit">Sign in</button>
</form>
<form method="post" action="${escape(`${base}/abort`)}">
<button type="submit">Cancel</button>
</form>`);
}
