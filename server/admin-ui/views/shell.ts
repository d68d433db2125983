/**
 * The frame of every admin page: a skip link, the top bar with the sections
 * and "Sign out", then the page's own content. Stylesheet and script come
 * from same-origin URLs (the CSP allows nothing inline).
 */
import { escape } from '../../views/layout.js';

export type Section = 'clients' | 'accounts' | 'handoffs' | 'keys';

export interface Shell {
  /** The issuer's path ('' or '/prefix'); every URL is built under it. */
  base: string;
  /** The session's CSRF token, put into every form that changes something. */
  csrf: string;
  section?: Section;
  /** Whether key rotation is available (the Keys section is hidden otherwise). */
  keys: boolean;
}

export const adminUrl = (base: string, path = '') => `${base}/admin${path}`;
export const uiUrl = (base: string, path: string) => `${base}/admin/ui${path}`;

export const csrfField = (shell: Pick<Shell, 'csrf'>) => `<input type="hidden" name="csrf" value="${escape(shell.csrf)}">`;

/** A POST form with its CSRF token. */
export function postForm(shell: Shell, action: string, inner: string, attributes = ''): string {
  return `<form method="post" action="${escape(action)}"${attributes ? ` ${attributes}` : ''}>${csrfField(shell)}${inner}</form>`;
}

export function document(title: string, body: string, base: string, script = false): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${escape(title)} · handoff admin</title>
<link rel="stylesheet" href="${escape(uiUrl(base, '/style.css'))}">
${script ? `<script src="${escape(uiUrl(base, '/copy.js'))}" defer></script>\n` : ''}</head>
${body}
</html>`;
}

const NAV: { section: Section; label: string; path: string }[] = [
  { section: 'clients', label: 'Clients', path: '' },
  { section: 'accounts', label: 'Accounts', path: '/ui/accounts' },
  { section: 'handoffs', label: 'Pending handoffs', path: '/ui/handoffs' },
  { section: 'keys', label: 'Keys', path: '/ui/keys' },
];

export function adminPage(shell: Shell, title: string, content: string, options: { script?: boolean } = {}): string {
  const links = NAV.filter((n) => n.section !== 'keys' || shell.keys)
    .map((n) => `<a href="${escape(adminUrl(shell.base, n.path))}"${n.section === shell.section ? ' aria-current="page"' : ''}>${n.label}</a>`)
    .join('');
  return document(title, `<body>
<a class="skip" href="#main">Skip to content</a>
<header class="bar"><div class="wrap">
<a class="brand" href="${escape(adminUrl(shell.base))}">handoff <span>admin</span></a>
<nav aria-label="Sections">${links}</nav>
${postForm(shell, uiUrl(shell.base, '/sign-out'), '<button type="submit" class="secondary small">Sign out</button>')}
</div></header>
<main id="main" class="wrap" tabindex="-1">
${content}
</main>
</body>`, shell.base, options.script);
}

/** Fixed notices chosen by a code in the query string: nothing reflected but an escaped name. */
const NOTICES: Record<string, (name: string) => string> = {
  'client-updated': (name) => `Client ${name} was saved.`,
  'client-deleted': (name) => `Client ${name} was deleted.`,
  'account-deleted': (name) => `Account ${name} was deleted.`,
  'handoff-revoked': () => 'The handoff was revoked: its pre-auth URL no longer works.',
  'handoff-gone': () => 'That handoff was already redeemed, revoked or expired.',
  signedout: () => 'You are signed out.',
};

export function notice(code: string | undefined, name = ''): string {
  const text = code ? NOTICES[code] : undefined;
  return text ? `<p class="alert ok" role="status">${escape(text(name))}</p>` : '';
}

export const alertError = (message: string) => `<p class="alert error" role="alert">${escape(message)}</p>`;
