/** `handoff accounts …`: /admin/accounts (contract §3). */
import { readFileSync } from 'node:fs';
import { readJsonObject, UsageError, type Command, type Group } from './command.js';
import { asJson, fields } from './output.js';

const encode = (sub: string) => encodeURIComponent(sub);

/** The password from stdin keeps it out of the shell history and the process list. */
function passwordFrom(values: Record<string, unknown>): string {
  if (typeof values.password === 'string' && values['password-stdin']) throw new UsageError('give either --password or --password-stdin');
  if (typeof values.password === 'string') return values.password;
  if (values['password-stdin']) return readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  throw new UsageError('missing --password (or --password-stdin)');
}

function claimsFrom(values: Record<string, unknown>): Record<string, unknown> {
  const claims = typeof values.claims === 'string' ? readJsonObject('claims', values.claims) : {};
  for (const pair of (values.claim as string[] | undefined) ?? []) {
    const eq = pair.indexOf('=');
    if (eq < 1) throw new UsageError(`--claim must be name=value, got ${JSON.stringify(pair)}`);
    claims[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return claims;
}

const show = (body: unknown) => {
  const { claims, ...rest } = body as Record<string, unknown>;
  return fields({ ...rest, ...Object.fromEntries(Object.entries((claims ?? {}) as object).map(([k, v]) => [`claims.${k}`, v])) });
};

const create: Command = {
  name: 'create',
  summary: 'Create a local account (for the password provider and the login page).',
  options: {
    username: { type: 'string', value: '<name>', description: 'username', required: true },
    password: { type: 'string', value: '<password>', description: 'password' },
    'password-stdin': { type: 'boolean', description: 'read the password from standard input' },
    claims: { type: 'string', value: '<json|@file>', description: 'OpenID claims as a JSON object, or @file.json' },
    claim: { type: 'string', multiple: true, value: '<name=value>', description: 'one string claim, e.g. email=alice@example.com' },
  },
  async run(input) {
    const { values } = input;
    const body = { username: values.username, password: passwordFrom(values), claims: claimsFrom(values) };
    const answer = await input.api().request('POST', '/admin/accounts', body);
    input.out(input.json ? asJson(answer.body) : show(answer.body));
  },
};

const get: Command = {
  name: 'get',
  summary: 'Show one account.',
  args: ['<sub>'],
  async run(input) {
    const { body } = await input.api().request('GET', `/admin/accounts/${encode(input.positionals[0])}`);
    input.out(input.json ? asJson(body) : show(body));
  },
};

const remove: Command = {
  name: 'delete',
  summary: 'Delete an account; its sessions and grants end.',
  args: ['<sub>'],
  async run(input) {
    await input.api().request('DELETE', `/admin/accounts/${encode(input.positionals[0])}`);
    if (!input.json) input.out(`deleted account ${input.positionals[0]}\n`);
  },
};

export const accounts: Group = { name: 'accounts', summary: 'manage local accounts', commands: [create, get, remove] };
