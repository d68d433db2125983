/** `handoff handoffs …`: unredeemed pre-auth URLs, /admin/handoffs (contract §3). */
import { UsageError, type Command, type Group } from './command.js';
import { asJson, table } from './output.js';

const query = (values: Record<string, unknown>) => {
  const params = new URLSearchParams();
  if (typeof values['client-id'] === 'string') params.set('client_id', values['client-id']);
  if (typeof values.sub === 'string') params.set('sub', values.sub);
  const text = params.toString();
  return text ? `?${text}` : '';
};

const FILTERS = {
  'client-id': { type: 'string', value: '<id>', description: 'only this client\'s' },
  sub: { type: 'string', value: '<sub>', description: 'only this subject\'s' },
} as const;

const list: Command = {
  name: 'list',
  summary: 'List unredeemed handoffs (never their code or payload).',
  options: FILTERS,
  async run(input) {
    const { body } = await input.api().request('GET', `/admin/handoffs${query(input.values)}`);
    input.out(input.json ? asJson(body) : table(body as Record<string, unknown>[], [
      ['ID', 'id'], ['CLIENT_ID', 'client_id'], ['PROVIDER', 'provider'], ['SUB', 'sub'], ['CREATED_AT', 'created_at'], ['EXPIRES_AT', 'expires_at'],
    ]));
  },
};

const revoke: Command = {
  name: 'revoke',
  summary: 'Revoke one handoff by id, or every one of a client (--client-id, optionally --sub).',
  optionalArgs: ['<id>'],
  options: FILTERS,
  notes: 'Usage: handoff handoffs revoke <id>\n       handoff handoffs revoke --client-id <id> [--sub <sub>]',
  async run(input) {
    const [id] = input.positionals;
    const byClient = typeof input.values['client-id'] === 'string';
    if (id !== undefined && (byClient || input.values.sub !== undefined)) throw new UsageError('give either a handoff id or --client-id, not both');
    if (id === undefined && !byClient) throw new UsageError('missing <id> or --client-id');
    if (id !== undefined) {
      await input.api().request('DELETE', `/admin/handoffs/${encodeURIComponent(id)}`);
      if (!input.json) input.out(`revoked handoff ${id}\n`);
      return;
    }
    const { body } = await input.api().request('DELETE', `/admin/handoffs${query(input.values)}`);
    input.out(input.json ? asJson(body) : `revoked ${(body as { revoked?: number }).revoked ?? 0} handoff(s)\n`);
  },
};

export const handoffs: Group = { name: 'handoffs', summary: 'list and revoke unredeemed pre-auth URLs', commands: [list, revoke] };
