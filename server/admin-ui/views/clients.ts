/** The client list, the one-time secret page, and the delete confirmation. */
import { escape } from '../../views/layout.js';
import { adminPage, adminUrl, notice, postForm, uiUrl, type Shell } from './shell.js';

type Metadata = Record<string, unknown>;

const list = (value: unknown): string[] => (Array.isArray(value) ? value.map(String) : []);
const clientUrl = (shell: Shell, id: string, tail = '') => uiUrl(shell.base, `/clients/${encodeURIComponent(id)}${tail}`);

function row(shell: Shell, client: Metadata): string {
  const id = String(client.client_id);
  const providers = list(client.preauth_providers);
  const flags = [
    client.first_party === true && 'first party',
    client.token_endpoint_auth_method === 'none' && 'public',
    client.preauth_redemption === 'confirm' && 'confirm',
    client.preauth_bind_ip === true && 'IP bound',
    client.preauth_fallback === true && 'fallback',
  ].filter(Boolean) as string[];
  return `<tr>
<td><a href="${escape(clientUrl(shell, id))}"><strong>${escape(client.client_name || id)}</strong></a><br><small><code>${escape(id)}</code></small></td>
<td>${providers.length ? providers.map((p) => `<span class="tag">${escape(p)}</span>`).join('') : '<span class="muted">none</span>'}</td>
<td>${flags.map((f) => `<span class="tag grey">${escape(f)}</span>`).join('') || '<span class="muted">—</span>'}</td>
<td><div class="actions">
<a class="btn secondary small" href="${escape(clientUrl(shell, id))}" aria-label="Edit ${escape(client.client_name || id)}">Edit</a>
<a class="btn secondary small" href="${escape(`${uiUrl(shell.base, '/handoffs')}?client_id=${encodeURIComponent(id)}`)}" aria-label="Pending handoffs of ${escape(client.client_name || id)}">Handoffs</a>
</div></td>
</tr>`;
}

export function clientListPage(shell: Shell, clients: Metadata[], query: { notice?: string; name?: string }): string {
  const sorted = [...clients].sort((a, b) => String(a.client_name ?? a.client_id).localeCompare(String(b.client_name ?? b.client_id)));
  const table = sorted.length
    ? `<div class="table-wrap"><table>
<caption class="visually-hidden">Registered clients</caption>
<thead><tr><th scope="col">Client</th><th scope="col">Pre-auth providers</th><th scope="col">Policies</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${sorted.map((c) => row(shell, c)).join('')}</tbody>
</table></div>`
    : '<p class="empty">No clients yet. Register the first one.</p>';
  return adminPage({ ...shell, section: 'clients' }, 'Clients', `<div class="head"><h1>Clients</h1>
<a class="btn" href="${escape(uiUrl(shell.base, '/clients/new'))}">New client</a></div>
${notice(query.notice, query.name)}
<div class="card">${table}</div>`);
}

/** Shown once, right after creation: the secret is never retrievable again. */
export function clientCreatedPage(shell: Shell, client: Metadata): string {
  const id = String(client.client_id);
  const secret = typeof client.client_secret === 'string' ? client.client_secret : undefined;
  const secretBlock = secret
    ? `<label for="client-secret">Client secret</label>
<div class="secret">
<input type="text" id="client-secret" value="${escape(secret)}" readonly aria-describedby="secret-hint">
<button type="button" class="secondary" data-copy="client-secret" data-status="copy-status">Copy secret</button>
</div>
<p class="hint" id="secret-hint">Store it now: it is shown only this once and cannot be retrieved later.</p>
<p class="hint" id="copy-status" role="status" aria-live="polite"></p>`
    : '<p>This is a public client: it has no secret.</p>';
  return adminPage({ ...shell, section: 'clients' }, 'Client created', `<div class="card">
<h1>Client created</h1>
<p class="alert ok" role="status">${escape(client.client_name || id)} is registered and can be used at once.</p>
<label for="client-id">Client ID</label>
<div class="secret"><input type="text" id="client-id" value="${escape(id)}" readonly></div>
${secretBlock}
<div class="actions">
<a class="btn" href="${escape(adminUrl(shell.base))}">Done</a>
<a class="btn secondary" href="${escape(clientUrl(shell, id))}">Edit this client</a>
</div>
</div>`, { script: !!secret });
}

export function deleteClientPage(shell: Shell, client: Metadata): string {
  const id = String(client.client_id);
  const name = String(client.client_name || id);
  return adminPage({ ...shell, section: 'clients' }, `Delete ${name}`, `<div class="card">
<h1>Delete ${escape(name)}?</h1>
<p>The client <code>${escape(id)}</code> is removed at once. Its grants, tokens and pending handoffs stop working. This cannot be undone.</p>
${postForm(shell, clientUrl(shell, id, '/delete'), `<div class="actions">
<button type="submit" class="danger">Delete client</button>
<a class="btn secondary" href="${escape(clientUrl(shell, id))}">Cancel</a>
</div>`)}
</div>`);
}
