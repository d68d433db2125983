/** The admin page's sign-in form (the admin token), and its plain error page. */
import { escape } from '../../views/layout.js';
import { adminPage, adminUrl, alertError, document, notice, uiUrl, type Shell } from './shell.js';

export function signInPage(base: string, options: { failed?: boolean; notice?: string } = {}): string {
  return document('Sign in', `<body>
<main id="main" class="wrap">
<div class="card signin">
<h1>handoff admin</h1>
<p class="muted">Sign in with the admin token (<code>ADMIN_TOKEN</code>, or the one printed at the first start).</p>
${notice(options.notice)}${options.failed ? alertError('That admin token is not valid.') : ''}
<form method="post" action="${escape(uiUrl(base, '/sign-in'))}">
<input type="text" autocomplete="username" value="admin" hidden aria-hidden="true">
<label for="token">Admin token</label>
<input type="password" id="token" name="token" autocomplete="current-password" required autofocus${options.failed ? ' aria-invalid="true"' : ''}>
<div class="actions"><button type="submit">Sign in</button></div>
</form>
</div>
</main>
</body>`, base);
}

/** A refused or failed request, as a page with a way back. */
export function problemPage(shell: Shell | undefined, base: string, title: string, message: string, code?: string): string {
  const content = `<div class="card">
<h1>${escape(title)}</h1>
<p>${escape(message)}</p>
${code ? `<p class="fine">Error code: <code>${escape(code)}</code></p>` : ''}
<div class="actions"><a class="btn secondary" href="${escape(adminUrl(base))}">Back to the admin page</a></div>
</div>`;
  if (shell) return adminPage(shell, title, content);
  return document(title, `<body><main id="main" class="wrap">${content}</main></body>`, base);
}
