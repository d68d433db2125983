/**
 * The confirmation page of `preauth_redemption: "confirm"`: one button that
 * POSTs back to the pre-auth URL. No script submits it, so a link scanner
 * that fetches or even renders the page never burns the code.
 */
import { escape, page } from './layout.js';

export interface ConfirmView {
  /** Absolute URL the button posts to (built from the issuer). */
  action: string;
  clientName?: string;
  /** Who this browser is signed in as now, when that is someone else. */
  signedInAs?: string;
}

export function confirmPage({ action, clientName, signedInAs }: ConfirmView): string {
  const who = clientName ? escape(clientName) : 'the application';
  return page('Continue signing in', `<h1>Continue to ${who}</h1>
<p>You are about to be signed in to ${who}.</p>
${signedInAs ? `<p class="error" role="alert">You are signed in as <strong>${escape(signedInAs)}</strong> and will be signed out.</p>` : ''}
<form method="post" action="${escape(action)}">
<button type="submit">Continue</button>
</form>`);
}
