/** Unredeemed handoffs of a client or a subject, each revocable, or all of a client at once. */
import type { PendingHandoff } from '../../handoffs.js';
import { escape } from '../../views/layout.js';
import { adminPage, notice, postForm, uiUrl, type Shell } from './shell.js';

export interface HandoffsView {
  clientId: string;
  sub: string;
  handoffs: PendingHandoff[];
  notice?: string;
  revoked?: number;
}

const time = (iso: string) => `<time datetime="${escape(iso)}">${escape(iso.replace('T', ' ').replace(/\.\d+Z$/, ' UTC'))}</time>`;

export function handoffsPage(shell: Shell, view: HandoffsView): string {
  const filtered = view.clientId || view.sub;
  // The revoke forms carry the filters, so the list comes back as it was.
  const filters = `<input type="hidden" name="client_id" value="${escape(view.clientId)}"><input type="hidden" name="sub" value="${escape(view.sub)}">`;
  const rows = view.handoffs.map((h) => `<tr>
<td><code>${escape(h.id)}</code></td><td><code>${escape(h.client_id)}</code></td><td>${escape(h.provider)}</td><td><code>${escape(h.sub)}</code></td>
<td>${time(h.created_at)}</td><td>${time(h.expires_at)}</td>
<td>${postForm(shell, uiUrl(shell.base, `/handoffs/${encodeURIComponent(h.id)}/revoke`), `${filters}<button type="submit" class="danger small" aria-label="Revoke handoff ${escape(h.id)}">Revoke</button>`)}</td>
</tr>`).join('');
  const table = view.handoffs.length
    ? `<div class="table-wrap"><table><caption class="visually-hidden">Unredeemed handoffs</caption>
<thead><tr><th scope="col">ID</th><th scope="col">Client</th><th scope="col">Provider</th><th scope="col">sub</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${rows}</tbody></table></div>`
    : `<p class="empty">No unredeemed handoffs${filtered ? ' match these filters' : ''}.</p>`;
  const revokeAll = view.clientId && view.handoffs.length
    ? postForm(shell, uiUrl(shell.base, '/handoffs/revoke-all'), `${filters}
<div class="actions"><button type="submit" class="danger">Revoke all ${view.handoffs.length} of this client${view.sub ? " for this sub" : ""}</button></div>`)
    : '';
  const revoked = view.revoked !== undefined
    ? `<p class="alert ok" role="status">${view.revoked} handoff${view.revoked === 1 ? ' was' : 's were'} revoked.</p>`
    : '';
  return adminPage({ ...shell, section: 'handoffs' }, 'Pending handoffs', `<div class="head"><h1>Pending handoffs</h1></div>
${notice(view.notice)}${revoked}
<div class="card">
<form method="get" action="${escape(uiUrl(shell.base, '/handoffs'))}" class="filters">
<div><label for="h-client">Client ID</label><input type="text" id="h-client" name="client_id" value="${escape(view.clientId)}" spellcheck="false"></div>
<div><label for="h-sub">sub</label><input type="text" id="h-sub" name="sub" value="${escape(view.sub)}" spellcheck="false"></div>
<div class="actions"><button type="submit" class="secondary">Filter</button></div>
</form>
</div>
<div class="card">${table}${revokeAll}</div>`);
}
