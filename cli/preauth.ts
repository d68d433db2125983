/**
 * `handoff preauth`: step 1 through the custom grant at the token endpoint
 * (contract §4 a), with HTTP Basic client authentication, printing the
 * pre-auth URL. A quick way to try a client and provider from a shell; it
 * speaks to /token as the client, so it needs no admin token.
 */
import { readFileSync } from 'node:fs';
import { UsageError, type Command, type Group } from './command.js';
import { postForm } from './http.js';
import { asJson } from './output.js';

const GRANT = 'urn:handoff:grant-type:preauth';

/** The payload as given, or the text of @file (a JWS or a large JSON document). */
function payloadFrom(text: string): string {
  if (!text.startsWith('@')) return text;
  try {
    return readFileSync(text.slice(1), 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new UsageError(`--payload: cannot read ${text.slice(1)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** Optional authorization parameters: flag name → form field. */
const PARAMS: Record<string, string> = {
  'redirect-uri': 'redirect_uri',
  scope: 'scope',
  state: 'state',
  nonce: 'nonce',
  'code-challenge': 'code_challenge',
  'response-mode': 'response_mode',
};

const preauth: Command = {
  name: 'preauth',
  summary: 'Step 1 of a two-step login through the custom grant at /token; prints the pre-auth URL.',
  noToken: true,
  options: {
    client: { type: 'string', value: '<client_id>', description: 'client_id', required: true },
    secret: { type: 'string', value: '<secret>', description: 'client_secret (HTTP Basic)', required: true },
    provider: { type: 'string', value: '<id>', description: 'provider id, e.g. password or signed-jwt', required: true },
    payload: { type: 'string', value: '<text|@file>', description: 'the provider\'s payload, or @file', required: true },
    'redirect-uri': { type: 'string', value: '<uri>', description: 'needed when the client has several' },
    scope: { type: 'string', value: '<scopes>', description: 'default openid' },
    state: { type: 'string', value: '<text>', description: 'returned with the code' },
    nonce: { type: 'string', value: '<text>', description: 'put into the ID token' },
    'code-challenge': { type: 'string', value: '<S256 challenge>', description: 'PKCE challenge (method S256)' },
    'response-mode': { type: 'string', value: '<mode>', description: 'query, fragment or form_post' },
  },
  notes: 'Example:\n  handoff preauth --client shop --secret "$SECRET" --provider password \\\n'
    + '    --payload \'{"username":"alice","password":"…","data":{"cart":42}}\'',
  async run(input) {
    const { values } = input;
    const form: Record<string, string> = {
      grant_type: GRANT,
      provider: values.provider as string,
      payload: payloadFrom(values.payload as string),
    };
    for (const [flag, field] of Object.entries(PARAMS)) if (typeof values[flag] === 'string') form[field] = values[flag] as string;
    if (form.code_challenge) form.code_challenge_method = 'S256';
    const { body } = await postForm(`${input.url}/token`, values.client as string, values.secret as string, form);
    const answer = body as { preauth_url?: string; expires_in?: number };
    input.out(input.json ? asJson(body) : `${answer.preauth_url}\n`);
  },
};

/** A group of one: `handoff preauth [options]` has no sub-command. */
export const preauthGroup: Group = { name: 'preauth', summary: 'obtain a pre-auth URL (step 1) as a client', commands: [preauth] };
