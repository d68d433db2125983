/**
 * The create / edit form of a client. Each field has a label, an optional
 * hint and, after a refused save, its own error message beside it (linked
 * with aria-describedby); a summary at the top lists every problem with a
 * link to its field. Problems about no listed field appear in the summary.
 */
import type { ErrorDetail } from '../../errors.js';
import { escape } from '../../views/layout.js';
import type { Field, FieldSet, FormState } from '../client-fields.js';
import { adminPage, adminUrl, postForm, uiUrl, type Shell } from './shell.js';

const id = (name: string) => `f-${name}`;

function describedBy(field: Field, error?: string): string {
  const ids = [field.hint && `${id(field.name)}-hint`, error && `${id(field.name)}-error`].filter(Boolean);
  return ids.length ? ` aria-describedby="${ids.join(' ')}"` : '';
}

const hint = (field: Field) => (field.hint ? `<p class="hint" id="${id(field.name)}-hint">${escape(field.hint)}</p>` : '');
const problem = (field: Field, error?: string) =>
  (error ? `<p class="field-error" id="${id(field.name)}-error">${escape(error)}</p>` : '');

function control(field: Field, value: FormState[string], error?: string): string {
  const invalid = error ? ' aria-invalid="true"' : '';
  const aria = describedBy(field, error);
  const name = escape(field.name);
  switch (field.kind) {
    case 'bool':
      return `<label class="check" for="${id(field.name)}"><input type="checkbox" id="${id(field.name)}" name="${name}"${value === true ? ' checked' : ''}${invalid}${aria}><span>${escape(field.label)}</span></label>${hint(field)}${problem(field, error)}`;
    case 'group': {
      const ticked = new Set(Array.isArray(value) ? value : []);
      // Values the client has that the form does not offer stay visible (and kept).
      const options = [...(field.options ?? [])];
      for (const extra of ticked) if (!options.some((o) => o.value === extra)) options.push({ value: extra, label: extra });
      const boxes = options.length
        ? options.map((o, i) => `<label class="check" for="${id(field.name)}-${i}"><input type="checkbox" id="${id(field.name)}-${i}" name="${name}" value="${escape(o.value)}"${ticked.has(o.value) ? ' checked' : ''}><span>${escape(o.label)}${o.label !== o.value ? ` <small><code>${escape(o.value)}</code></small>` : ''}</span></label>`).join('')
        : '<p class="muted">None available.</p>';
      return `<fieldset id="${id(field.name)}"${invalid}${aria}><legend>${escape(field.label)}</legend><div class="options">${boxes}</div>${hint(field)}${problem(field, error)}</fieldset>`;
    }
    case 'select': {
      const options = (field.options ?? []).map((o) => `<option value="${escape(o.value)}"${o.value === value ? ' selected' : ''}>${escape(o.label)}</option>`).join('');
      return `<label for="${id(field.name)}">${escape(field.label)}</label><select id="${id(field.name)}" name="${name}"${invalid}${aria}>${options}</select>${hint(field)}${problem(field, error)}`;
    }
    case 'lines':
    case 'json':
      return `<label for="${id(field.name)}">${escape(field.label)}</label><textarea id="${id(field.name)}" name="${name}" rows="${field.kind === 'json' ? 6 : 3}" spellcheck="false"${invalid}${aria}>${escape(value)}</textarea>${hint(field)}${problem(field, error)}`;
    default:
      return `<label for="${id(field.name)}">${escape(field.label)}</label><input type="text" id="${id(field.name)}" name="${name}" value="${escape(value)}"${field.kind === 'int' ? ' inputmode="numeric"' : ''} spellcheck="false"${invalid}${aria}>${hint(field)}${problem(field, error)}`;
  }
}

export interface ClientFormView {
  sets: FieldSet[];
  state: FormState;
  details?: ErrorDetail[];
  /** The client being edited; undefined on creation. */
  clientId?: string;
}

export function clientFormPage(shell: Shell, view: ClientFormView): string {
  const errors = new Map<string, string>();
  for (const d of view.details ?? []) if (!errors.has(d.field)) errors.set(d.field, d.message);
  const known = new Set(view.sets.flatMap((s) => s.fields.map((f) => f.name)));
  const summary = errors.size
    ? `<div class="alert error" role="alert" tabindex="-1" id="problems"><strong>The client was not saved. Please fix:</strong><ul>${[...errors].map(([field, message]) =>
      `<li>${known.has(field) ? `<a href="#${id(field)}">${escape(field)}</a>` : `<code>${escape(field)}</code>`}: ${escape(message)}</li>`).join('')}</ul></div>`
    : '';
  const render = (f: Field) => control(f, view.state[f.name] ?? '', errors.get(f.name));
  // Inputs side by side, then tick-box groups and JSON across the card, then switches.
  const fieldsets = view.sets.map((set) => {
    const inputs = set.fields.filter((f) => ['text', 'int', 'select', 'lines'].includes(f.kind));
    const wide = set.fields.filter((f) => f.kind === 'group' || f.kind === 'json');
    const switches = set.fields.filter((f) => f.kind === 'bool');
    return `<div class="card"><h2>${escape(set.legend)}</h2>
${inputs.length ? `<div class="grid">${inputs.map((f) => `<div>${render(f)}</div>`).join('')}</div>` : ''}
${wide.map((f) => `<div class="wide">${render(f)}</div>`).join('')}
${switches.length ? `<div class="switches">${switches.map((f) => `<div>${render(f)}</div>`).join('')}</div>` : ''}
</div>`;
  }).join('\n');
  const editing = view.clientId !== undefined;
  const action = editing ? uiUrl(shell.base, `/clients/${encodeURIComponent(view.clientId!)}`) : uiUrl(shell.base, '/clients');
  const title = editing ? `Edit client ${view.clientId}` : 'New client';
  const remove = editing
    ? `<a class="btn danger" href="${escape(uiUrl(shell.base, `/clients/${encodeURIComponent(view.clientId!)}/delete`))}">Delete…</a>`
    : '';
  return adminPage({ ...shell, section: 'clients' }, title, `<div class="head"><h1>${editing ? `Edit client <code>${escape(view.clientId)}</code>` : 'New client'}</h1></div>
${summary}
${postForm(shell, action, `${fieldsets}
<div class="actions">
<button type="submit">${editing ? 'Save changes' : 'Create client'}</button>
<a class="btn secondary" href="${escape(adminUrl(shell.base))}">Cancel</a>
${remove}
</div>`, 'novalidate')}`);
}
