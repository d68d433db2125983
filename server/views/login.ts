/**
 * The password login page of an ordinary (interactive) authorization
 * request. Every dynamic value is escaped; the error is deliberately generic
 * so the page never tells which of username or password was wrong.
 * "Sign in" submits the login form (Enter in either field does too);
 * "Cancel" beside it belongs to a separate, empty form that ends the request.
 */
import { escape, page, type ClientBrand } from './layout.js';

export interface LoginView {
  uid: string;
  clientName?: string;
  /** https logo and home page of the client, when registered. */
  logoUri?: string;
  clientUri?: string;
  /** The issuer's path ('' or '/prefix'): every form action is built under it. */
  base?: string;
  /** Pre-filled username (the last attempt, or the request's login_hint). */
  username?: string;
  /** Why the form is shown again: wrong credentials, or too many failed sign-ins. */
  error?: 'incorrect' | 'locked';
}

const ERRORS = {
  incorrect: 'The username or password is incorrect.',
  locked: 'Too many failed sign-ins for this username. Try again later.',
};

export function loginPage({ uid, clientName, logoUri, clientUri, base = '', username, error }: LoginView): string {
  const at = `${base}/interaction/${encodeURIComponent(uid)}`;
  const brand: ClientBrand = { name: clientName, logoUri, clientUri };
  return page('Sign in', `<h1>Sign in</h1>
${clientName ? `<p class="subtitle">to continue to ${escape(clientName)}</p>` : ''}
${error ? `<p class="alert error" role="alert">${ERRORS[error]}</p>` : ''}
<form method="post" action="${escape(`${at}/login`)}" autocomplete="on">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="${escape(username)}" autocomplete="username" autocapitalize="none" spellcheck="false" required${username ? '' : ' autofocus'}>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required${username ? ' autofocus' : ''}>
<div class="actions">
<button type="submit">Sign in</button>
<button type="submit" class="secondary" form="cancel" formnovalidate>Cancel</button>
</div>
</form>
<form id="cancel" method="post" action="${escape(`${at}/abort`)}"></form>`, brand);
}
