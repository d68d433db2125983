/**
 * The client form's fields, and the two translations around it: stored
 * metadata → what the form shows, and a submitted form → the JSON body the
 * admin API's own functions take. Nothing here judges a value: numbers that
 * are not whole numbers are passed on as text and lists as given, so the
 * same validation as the API's reports them, with the same `details`.
 */
import type { ErrorDetail } from '../errors.js';
import { PREAUTH_GRANT, PREAUTH_MAX_PENDING, PREAUTH_TTL } from '../oidc/client-metadata.js';

type Metadata = Record<string, unknown>;
export type Kind = 'text' | 'lines' | 'group' | 'bool' | 'int' | 'json' | 'select';

export interface Field {
  name: string;
  kind: Kind;
  label: string;
  hint?: string;
  options?: { value: string; label: string }[];
}

export interface FieldSet {
  legend: string;
  fields: Field[];
}

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

export function clientFieldSets(providerIds: string[], creating: boolean): FieldSet[] {
  return [
    {
      legend: 'Application',
      fields: [
        ...(creating ? [{ name: 'client_id', kind: 'text', label: 'Client ID', hint: 'Leave empty to generate one. Cannot contain “|” and cannot change later.' } as Field] : []),
        { name: 'client_name', kind: 'text', label: 'Name', hint: 'Shown to people on the login and consent pages.' },
        { name: 'client_uri', kind: 'text', label: 'Home page URL', hint: 'Error pages link back to it.' },
        { name: 'logo_uri', kind: 'text', label: 'Logo URL', hint: 'Shown on the login and consent pages when it is https.' },
      ],
    },
    {
      legend: 'Redirects',
      fields: [
        { name: 'redirect_uris', kind: 'lines', label: 'Redirect URIs', hint: 'One per line.' },
        { name: 'post_logout_redirect_uris', kind: 'lines', label: 'Post-logout redirect URIs', hint: 'One per line.' },
      ],
    },
    {
      legend: 'Protocol',
      fields: [
        {
          name: 'grant_types',
          kind: 'group',
          label: 'Grant types',
          hint: 'The pre-auth grant is added by itself when the client may use a provider.',
          options: [
            { value: 'authorization_code', label: 'Authorization code' },
            { value: 'refresh_token', label: 'Refresh token' },
            { value: 'client_credentials', label: 'Client credentials' },
            { value: PREAUTH_GRANT, label: 'Pre-auth grant (step 1 at /token)' },
            { value: TOKEN_EXCHANGE, label: 'Token exchange (step 1, RFC 8693)' },
          ],
        },
        { name: 'response_types', kind: 'group', label: 'Response types', options: [{ value: 'code', label: 'code' }] },
        {
          name: 'token_endpoint_auth_method',
          kind: 'select',
          label: 'Client authentication',
          options: [
            { value: 'client_secret_basic', label: 'Secret, HTTP Basic (client_secret_basic)' },
            { value: 'client_secret_post', label: 'Secret in the body (client_secret_post)' },
            { value: 'client_secret_jwt', label: 'JWT with the secret (client_secret_jwt)' },
            { value: 'private_key_jwt', label: 'JWT with its own key (private_key_jwt)' },
            { value: 'none', label: 'None: a public client (none)' },
          ],
        },
        { name: 'scope', kind: 'text', label: 'Scope', hint: 'Space-separated scopes the client may ask for, e.g. “openid email profile”.' },
        { name: 'require_pkce', kind: 'bool', label: 'Require PKCE', hint: 'Off only for confidential clients that cannot send a code_challenge.' },
        { name: 'jwks', kind: 'json', label: 'JWKS (JSON)', hint: 'Public keys, as {"keys": [ … ]}: for private_key_jwt and signed-jwt payloads.' },
      ],
    },
    {
      legend: 'Pre-authenticated login',
      fields: [
        {
          name: 'preauth_providers',
          kind: 'group',
          label: 'Providers this client may use',
          options: providerIds.map((id) => ({ value: id, label: id })),
        },
        { name: 'preauth_ttl', kind: 'int', label: 'Pre-auth URL lifetime (seconds)', hint: `${PREAUTH_TTL.min}–${PREAUTH_TTL.max}; empty means ${PREAUTH_TTL.default}.` },
        {
          name: 'preauth_redemption',
          kind: 'select',
          label: 'Redemption',
          hint: 'With “confirm”, link scanners that open the URL never use it up.',
          options: [
            { value: 'get', label: 'Opening the URL signs in (get)' },
            { value: 'confirm', label: 'A button press signs in (confirm)' },
          ],
        },
        { name: 'preauth_max_pending', kind: 'int', label: 'Most unredeemed URLs at once', hint: `${PREAUTH_MAX_PENDING.min}–${PREAUTH_MAX_PENDING.max}; empty means ${PREAUTH_MAX_PENDING.default}.` },
        { name: 'preauth_bind_ip', kind: 'bool', label: 'Bind each URL to one client IP' },
        { name: 'preauth_fallback', kind: 'bool', label: 'Fall back to an interactive login when a redemption fails' },
        { name: 'preauth_trusted_subjects', kind: 'bool', label: 'Trusted subjects', hint: 'Lets this client assert local account subjects and verified claims.' },
        { name: 'first_party', kind: 'bool', label: 'First party', hint: 'Skips the consent page.' },
      ],
    },
  ];
}

/** What the form shows: text for every field, lists of ticked values for groups. */
export type FormState = Record<string, string | string[] | boolean>;

export function stateFromMetadata(sets: FieldSet[], metadata: Metadata): FormState {
  const state: FormState = {};
  for (const field of sets.flatMap((s) => s.fields)) {
    const value = metadata[field.name];
    switch (field.kind) {
      case 'bool': state[field.name] = value === true; break;
      case 'group': state[field.name] = Array.isArray(value) ? value.map(String) : []; break;
      case 'lines': state[field.name] = Array.isArray(value) ? value.map(String).join('\n') : ''; break;
      case 'json': state[field.name] = value === undefined ? '' : JSON.stringify(value, null, 2); break;
      default: state[field.name] = value === undefined || value === null ? '' : String(value);
    }
  }
  return state;
}

export function stateFromForm(sets: FieldSet[], form: URLSearchParams): FormState {
  const state: FormState = {};
  for (const field of sets.flatMap((s) => s.fields)) {
    if (field.kind === 'bool') state[field.name] = form.get(field.name) === 'on';
    else if (field.kind === 'group') state[field.name] = form.getAll(field.name);
    else state[field.name] = form.get(field.name) ?? '';
  }
  return state;
}

/**
 * The API body for a form state. An empty text field is left out of a new
 * client and removes the key from an edited one (`null`, as in a PATCH), so
 * the server's default applies again. Only JSON text that does not parse is
 * reported here: it cannot be handed on at all.
 */
export function bodyFromState(sets: FieldSet[], state: FormState, creating: boolean): { body: Metadata; details: ErrorDetail[] } {
  const body: Metadata = {};
  const details: ErrorDetail[] = [];
  const empty = creating ? undefined : null;
  for (const field of sets.flatMap((s) => s.fields)) {
    const value = state[field.name];
    if (field.kind === 'bool') body[field.name] = value === true;
    else if (field.kind === 'group') body[field.name] = value as string[];
    else if (field.kind === 'lines') body[field.name] = String(value).split(/\r?\n/).map((line) => line.trim()).filter(Boolean);
    else {
      const text = String(value).trim();
      if (!text) {
        if (empty === null) body[field.name] = null;
        continue;
      }
      if (field.kind === 'int') body[field.name] = /^-?\d{1,15}$/.test(text) ? Number(text) : text;
      else if (field.kind === 'json') {
        try {
          body[field.name] = JSON.parse(text);
        } catch {
          details.push({ field: field.name, message: 'is not valid JSON' });
        }
      } else body[field.name] = text;
    }
  }
  return { body, details };
}
