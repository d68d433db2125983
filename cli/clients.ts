/** `handoff clients …`: /admin/clients (contract §3). */
import { readJsonObject, UsageError, type Command, type Group, type Input, type Option } from './command.js';
import { asJson, fields, table } from './output.js';

/** Shorthands for the common metadata; they override the same keys of --metadata. */
const METADATA_OPTIONS: Record<string, Option & { key: string; kind: 'string' | 'list' }> = {
  metadata: { type: 'string', value: '<json|@file>', description: 'client metadata as JSON, or @file.json', key: '', kind: 'string' },
  name: { type: 'string', value: '<text>', description: 'client_name', key: 'client_name', kind: 'string' },
  'redirect-uri': { type: 'string', multiple: true, value: '<uri>', description: 'redirect_uris', key: 'redirect_uris', kind: 'list' },
  provider: { type: 'string', multiple: true, value: '<id>', description: 'preauth_providers (password, signed-jwt, hmac-form, …)', key: 'preauth_providers', kind: 'list' },
  'grant-type': { type: 'string', multiple: true, value: '<type>', description: 'grant_types', key: 'grant_types', kind: 'list' },
  scope: { type: 'string', value: '<scopes>', description: 'scope (space-separated)', key: 'scope', kind: 'string' },
  'auth-method': { type: 'string', value: '<method>', description: 'token_endpoint_auth_method', key: 'token_endpoint_auth_method', kind: 'string' },
};

const CREATE_OPTIONS: Record<string, Option & { key: string; kind: 'string' | 'list' }> = {
  'client-id': { type: 'string', value: '<id>', description: 'client_id (generated when missing)', key: 'client_id', kind: 'string' },
  'client-secret': { type: 'string', value: '<secret>', description: 'client_secret (generated when missing)', key: 'client_secret', kind: 'string' },
  ...METADATA_OPTIONS,
};

function metadataFrom(input: Input, options: typeof CREATE_OPTIONS): Record<string, unknown> {
  const { values } = input;
  const metadata = typeof values.metadata === 'string' ? readJsonObject('metadata', values.metadata) : {};
  for (const [name, option] of Object.entries(options)) {
    const value = values[name];
    if (!option.key || value === undefined) continue;
    metadata[option.key] = value;
  }
  return metadata;
}

const encode = (id: string) => encodeURIComponent(id);

const LIST_COLUMNS: [string, string][] = [
  ['CLIENT_ID', 'client_id'], ['NAME', 'client_name'], ['PROVIDERS', 'preauth_providers'], ['REDIRECT_URIS', 'redirect_uris'],
];

const create: Command = {
  name: 'create',
  summary: 'Register a client. The generated client_secret is shown in this answer only.',
  options: CREATE_OPTIONS,
  notes: 'Example:\n  handoff clients create --name Shop --redirect-uri https://shop.example/cb --provider password',
  async run(input) {
    const { body } = await input.api().request('POST', '/admin/clients', metadataFrom(input, CREATE_OPTIONS));
    input.out(input.json ? asJson(body) : fields(body as Record<string, unknown>));
  },
};

const list: Command = {
  name: 'list',
  summary: 'List every client (without secrets).',
  async run(input) {
    const { body } = await input.api().request('GET', '/admin/clients');
    input.out(input.json ? asJson(body) : table(body as Record<string, unknown>[], LIST_COLUMNS));
  },
};

const get: Command = {
  name: 'get',
  summary: 'Show one client (without its secret).',
  args: ['<client_id>'],
  async run(input) {
    const { body } = await input.api().request('GET', `/admin/clients/${encode(input.positionals[0])}`);
    input.out(input.json ? asJson(body) : fields(body as Record<string, unknown>));
  },
};

const update: Command = {
  name: 'update',
  summary: 'Change some of a client\'s metadata; a field set to null in --metadata is removed.',
  args: ['<client_id>'],
  options: METADATA_OPTIONS,
  notes: 'Example:\n  handoff clients update shop --metadata \'{"preauth_ttl": 300, "client_name": null}\'',
  async run(input) {
    const patch = metadataFrom(input, METADATA_OPTIONS);
    if (!Object.keys(patch).length) throw new UsageError('nothing to change: give --metadata or a metadata flag');
    const { body } = await input.api().request('PATCH', `/admin/clients/${encode(input.positionals[0])}`, patch);
    input.out(input.json ? asJson(body) : fields(body as Record<string, unknown>));
  },
};

const remove: Command = {
  name: 'delete',
  summary: 'Delete a client; its grants and tokens stop working.',
  args: ['<client_id>'],
  async run(input) {
    await input.api().request('DELETE', `/admin/clients/${encode(input.positionals[0])}`);
    if (!input.json) input.out(`deleted client ${input.positionals[0]}\n`);
  },
};

export const clients: Group = { name: 'clients', summary: 'register and manage OAuth clients', commands: [create, list, get, update, remove] };
