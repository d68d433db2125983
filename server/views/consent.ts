/**
 * The consent page: what the client asks for, with "Allow" and "Cancel"
 * side by side. Scope names, claim names and resource indicators come from
 * the request, so every one of them is escaped.
 */
import { escape, page, type ClientBrand } from './layout.js';

export interface ConsentView {
  uid: string;
  clientName?: string;
  /** https logo and home page of the client, when registered. */
  logoUri?: string;
  clientUri?: string;
  /** The issuer's path ('' or '/prefix'): every form action is built under it. */
  base?: string;
  /** OpenID scopes to grant. */
  scopes: string[];
  /** Individual claims requested through the `claims` parameter. */
  claims: string[];
  /** Resource server scopes, by resource indicator. */
  resources: Record<string, string[]>;
}

const SCOPE_TEXT: Record<string, string> = {
  openid: 'Confirm who you are',
  profile: 'Your basic profile (name, picture, …)',
  email: 'Your email address',
  phone: 'Your phone number',
  address: 'Your postal address',
  offline_access: 'Stay connected while you are away (a refresh token)',
};

const item = (name: string, text?: string) =>
  `<li>${text ? `${escape(text)} <small>(<code>${escape(name)}</code>)</small>` : `<code>${escape(name)}</code>`}</li>`;

export function consentPage({ uid, clientName, logoUri, clientUri, base = '', scopes, claims, resources }: ConsentView): string {
  const at = `${base}/interaction/${encodeURIComponent(uid)}`;
  const who = clientName ? escape(clientName) : 'This application';
  const resourceLists = Object.entries(resources)
    .filter(([, list]) => list.length)
    .map(([indicator, list]) => `<p>Access to <code>${escape(indicator)}</code>:</p>
<ul class="scopes">${list.map((s) => item(s)).join('')}</ul>`)
    .join('\n');
  return page('Allow access', `<h1>${who} would like to:</h1>
${scopes.length ? `<ul class="scopes">${scopes.map((s) => item(s, SCOPE_TEXT[s])).join('')}</ul>` : ''}
${claims.length ? `<p>These details about you:</p><ul class="claims">${claims.map((c) => item(c)).join('')}</ul>` : ''}
${resourceLists}
<form method="post" action="${escape(`${at}/confirm`)}">
<div class="actions">
<button type="submit" autofocus>Allow</button>
<button type="submit" class="secondary" form="cancel">Cancel</button>
</div>
</form>
<form id="cancel" method="post" action="${escape(`${at}/abort`)}"></form>`, { name: clientName, logoUri, clientUri });
}
