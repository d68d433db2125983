/**
 * The end-user pages (login, consent, errors, logout): one centred card that
 * reads well from a 360 px phone up, in the admin page's design language
 * (theme.ts), with the application's name and logo at the top when known.
 * Every dynamic value goes through `escape`: error descriptions, client
 * names and URLs come from outside.
 */
import { THEME_CSS } from './theme.js';

export function escape(value: unknown): string {
  return String(value ?? '').replace(/[&<>"'`]/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Who the page is about: the client of the request, when known. */
export interface ClientBrand {
  name?: string;
  /** Shown only when https (never a mixed-content or tracking http image). */
  logoUri?: string;
  /** The application's home page: where a failure page links back to. */
  clientUri?: string;
}

const PAGE_CSS = `
body{display:flex;min-height:100vh;align-items:flex-start;justify-content:center;padding:.75rem}
@media (min-width:480px) and (min-height:560px){body{align-items:center;padding:1rem}}
.subtitle{margin:-.4rem 0 1rem;color:var(--muted)}
main{background:var(--card);padding:1.75rem 1.5rem;border-radius:var(--radius);box-shadow:0 1px 2px #0000000f,0 4px 16px #0000001a;width:100%;max-width:26rem}
@media (min-width:480px){main{padding:2.25rem 2.25rem 2rem}}
.client{display:flex;align-items:center;gap:.75rem;margin:0 0 1.25rem;padding-bottom:1rem;border-bottom:1px solid #e5e7eb}
.client img{width:40px;height:40px;object-fit:contain;border-radius:8px;flex:none}
.client span{font-weight:600;color:var(--muted);overflow-wrap:anywhere}
.scopes,.claims{padding-left:1.25rem;margin:.5rem 0}.scopes li,.claims li{margin:.35rem 0}
.actions button,.actions .btn{flex:1 1 8rem}
form{margin:0}
`;

const isHttps = (uri?: string): uri is string => {
  try {
    return !!uri && new URL(uri).protocol === 'https:';
  } catch {
    return false;
  }
};

export const isWebUri = (uri?: string): uri is string => {
  try {
    return !!uri && ['https:', 'http:'].includes(new URL(uri).protocol);
  } catch {
    return false;
  }
};

function brandHeader(brand?: ClientBrand): string {
  if (!brand || (!brand.name && !isHttps(brand.logoUri))) return '';
  const logo = isHttps(brand.logoUri) ? `<img src="${escape(brand.logoUri)}" alt="" width="40" height="40">` : '';
  return `<header class="client">${logo}${brand.name ? `<span>${escape(brand.name)}</span>` : ''}</header>`;
}

export function page(title: string, body: string, brand?: ClientBrand): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escape(title)}</title>
<style>${THEME_CSS}${PAGE_CSS}</style>
</head>
<body><main>
${brandHeader(brand)}${body}
</main></body>
</html>`;
}

/** Human wording for the OAuth error codes a person may meet. */
const ERROR_TEXT: Record<string, { title: string; hint: string }> = {
  invalid_grant: { title: 'This sign-in link cannot be used', hint: 'Links like this work once and only for a short time. Go back to the application and start again.' },
  access_denied: { title: 'Sign-in was cancelled', hint: 'Nothing was shared with the application.' },
  login_required: { title: 'You need to sign in', hint: 'Go back to the application and start again.' },
  consent_required: { title: 'Your permission is needed', hint: 'Go back to the application and start again.' },
  invalid_client: { title: 'This application is not recognised', hint: 'The application that sent you here is not registered, or no longer is.' },
  unauthorized_client: { title: 'This application may not sign you in this way', hint: 'Contact the application’s support if this keeps happening.' },
  invalid_redirect_uri: { title: 'This sign-in request is not valid', hint: 'The application sent an address that is not registered. Contact its support.' },
  temporarily_unavailable: { title: 'Sign-in is temporarily unavailable', hint: 'Please try again in a few moments.' },
  server_error: { title: 'Something went wrong on our side', hint: 'Please try again in a few moments.' },
  too_many_requests: { title: 'Too many attempts', hint: 'Please wait a minute and try again.' },
};
const GENERIC = { title: 'We could not sign you in', hint: 'Go back to the application and start again.' };

/** A capitalised sentence from a library's lower-case description. */
const sentence = (text: string) => {
  const trimmed = text.trim();
  const capital = trimmed.charAt(0).toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
};

export function errorPage(error: string, description?: string, brand?: ClientBrand): string {
  const text = ERROR_TEXT[error] ?? GENERIC;
  const back = isWebUri(brand?.clientUri)
    ? `<div class="actions"><a class="btn" href="${escape(brand.clientUri)}">Back to ${escape(brand.name || 'the application')}</a></div>`
    : '';
  return page(text.title, `<h1>${escape(text.title)}</h1>
${description ? `<p>${escape(sentence(description))}</p>` : ''}
<p class="muted">${escape(text.hint)}</p>
${back}
<p class="fine">Error code: <code>${escape(error)}</code></p>`, brand);
}

export function logoutPage(form: string, clientName?: string): string {
  // `form` is oidc-provider's own hidden form (with its xsrf token), trusted markup.
  return page('Sign out', `<h1>Sign out${clientName ? ` of ${escape(clientName)}` : ''}?</h1>
<p class="muted">You will be signed out of this sign-in service on this device.</p>
${form}
<div class="actions">
<button autofocus type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>
<button class="secondary" type="submit" form="op.logoutForm">Stay signed in</button>
</div>`);
}

export function logoutSuccessPage(clientName?: string): string {
  return page('Signed out', `<h1>You are signed out</h1><p>You are signed out${clientName ? ` of ${escape(clientName)}` : ''}. You can close this window.</p>`);
}
