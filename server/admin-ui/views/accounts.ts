/** Accounts: create one, look one up by sub, delete it. */
import type { PublicAccount } from '../../accounts.js';
import type { ErrorDetail } from '../../errors.js';
import { escape } from '../../views/layout.js';
import { adminPage, alertError, notice, postForm, uiUrl, type Shell } from './shell.js';

export interface AccountsView {
  found?: PublicAccount;
  /** The sub looked up, when nothing was found. */
  missing?: string;
  created?: boolean;
  notice?: string;
  name?: string;
  /** A refused creation: its fields as typed (never the password) and the problems. */
  draft?: { username: string; claims: string };
  details?: ErrorDetail[];
  error?: string;
}

/** A labelled control; `control` gets the id, name and ARIA attributes to put on it. */
function field(name: string, label: string, control: (attributes: string) => string, message?: string, hint?: string): string {
  const ids = [hint && `a-${name}-hint`, message && `a-${name}-error`].filter(Boolean).join(' ');
  const attributes = `id="a-${name}" name="${name}"${message ? ' aria-invalid="true"' : ''}${ids ? ` aria-describedby="${ids}"` : ''}`;
  return `<div><label for="a-${name}">${label}</label>${control(attributes)}
${hint ? `<p class="hint" id="a-${name}-hint">${hint}</p>` : ''}${message ? `<p class="field-error" id="a-${name}-error">${escape(message)}</p>` : ''}</div>`;
}

function accountCard(shell: Shell, account: PublicAccount, created: boolean): string {
  return `<div class="card">
<h2>${created ? 'Account created' : 'Account'}</h2>
${created ? '<p class="alert ok" role="status">The account can sign in at once.</p>' : ''}
<dl class="kv">
<dt>sub</dt><dd><code>${escape(account.sub)}</code></dd>
<dt>Username</dt><dd>${escape(account.username)}</dd>
<dt>Claims</dt><dd><code>${escape(JSON.stringify(account.claims))}</code></dd>
</dl>
${postForm(shell, uiUrl(shell.base, `/accounts/${encodeURIComponent(account.sub)}/delete`), `<div class="actions">
<button type="submit" class="danger">Delete account</button>
<a class="btn secondary" href="${escape(`${uiUrl(shell.base, '/handoffs')}?sub=${encodeURIComponent(account.sub)}`)}">Pending handoffs</a>
</div>`)}
</div>`;
}

export function accountsPage(shell: Shell, view: AccountsView): string {
  const problems = new Map((view.details ?? []).map((d) => [d.field.split('.')[0]!, d.message]));
  const found = view.found ? accountCard(shell, view.found, !!view.created) : '';
  const missing = view.missing !== undefined ? alertError(`No account has the sub “${view.missing}”.`) : '';
  return adminPage({ ...shell, section: 'accounts' }, 'Accounts', `<div class="head"><h1>Accounts</h1></div>
${notice(view.notice, view.name)}${view.error ? alertError(view.error) : ''}
${found}
<div class="card">
<h2>Look up an account</h2>
<form method="get" action="${escape(uiUrl(shell.base, '/accounts'))}" class="filters">
<div><label for="lookup-sub">sub</label><input type="text" id="lookup-sub" name="sub" value="${escape(view.missing ?? '')}" spellcheck="false" required></div>
<div class="actions"><button type="submit" class="secondary">Look up</button></div>
</form>
${missing}
</div>
<div class="card">
<h2>New account</h2>
${postForm(shell, uiUrl(shell.base, '/accounts'), `<div class="grid">
${field('username', 'Username', (a) => `<input type="text" ${a} autocomplete="off" spellcheck="false" value="${escape(view.draft?.username ?? '')}">`, problems.get('username'))}
${field('password', 'Password', (a) => `<input type="password" ${a} autocomplete="new-password">`, problems.get('password'))}
</div>
${field('claims', 'Claims (JSON, optional)', (a) => `<textarea ${a} rows="4" spellcheck="false" placeholder="{&#34;email&#34;: &#34;alice@example.com&#34;, &#34;name&#34;: &#34;Alice&#34;}">${escape(view.draft?.claims ?? '')}</textarea>`, problems.get('claims'), 'Standard claims such as email, email_verified, name. The sub is assigned by the server.')}
<div class="actions"><button type="submit">Create account</button></div>`, 'novalidate')}
</div>`);
}
