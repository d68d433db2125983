/** Signing key rotation. */
import { escape } from '../../views/layout.js';
import { adminPage, postForm, uiUrl, type Shell } from './shell.js';

export function keysPage(shell: Shell, rotated?: string[]): string {
  const done = rotated
    ? `<p class="alert ok" role="status">New signing keys are current: ${rotated.map((kid) => `<code>${escape(kid)}</code>`).join(', ')}.</p>`
    : '';
  return adminPage({ ...shell, section: 'keys' }, 'Keys', `<div class="head"><h1>Signing keys</h1></div>
${done}
<div class="card">
<h2>Rotate signing keys</h2>
<p>Makes a new signing key current for every algorithm at once. The previous keys stay in the JWKS until every token signed with them has expired, so nothing signed before keeps failing.</p>
${postForm(shell, uiUrl(shell.base, '/keys/rotate'), '<div class="actions"><button type="submit">Rotate signing keys</button></div>')}
</div>`);
}
