/** `handoff keys rotate`: POST /admin/keys/rotate (contract §3). */
import type { Command, Group } from './command.js';
import { asJson } from './output.js';

const rotate: Command = {
  name: 'rotate',
  summary: 'Make new signing keys current; the previous ones stay published until what they signed has expired.',
  async run(input) {
    const { body } = await input.api().request('POST', '/admin/keys/rotate');
    const kids = (body as { kids?: string[] }).kids ?? [];
    input.out(input.json ? asJson(body) : `new signing keys: ${kids.join(', ')}\n`);
  },
};

export const keys: Group = { name: 'keys', summary: 'rotate signing keys', commands: [rotate] };
