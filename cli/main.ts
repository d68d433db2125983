#!/usr/bin/env node
/**
 * `npx handoff <command>` (contract §7): a thin client of the admin API.
 * Exit codes: 0 success, 1 an error answer (its description on stderr) or an
 * unreachable server, 2 bad usage. Results go to stdout, everything else to
 * stderr, so `--json` output can be piped.
 */
import { accounts } from './accounts.js';
import { clients } from './clients.js';
import { isSingle, parse, usageHint, UsageError, type Group } from './command.js';
import { handoffs } from './handoffs.js';
import { keys } from './keys.js';
import { preauthGroup } from './preauth.js';

const GROUPS: Group[] = [clients, accounts, handoffs, keys, preauthGroup];

const TOP_HELP = [
  'Usage: handoff <command> [options]',
  '',
  'Commands:',
  ...GROUPS.map((g) => `  ${(isSingle(g) ? g.name : `${g.name} ${g.commands.map((c) => c.name).join('|')}`).padEnd(44)}${g.summary}`),
  '',
  'Every command speaks to the server at --url (or HANDOFF_URL); admin commands',
  'need --token (or HANDOFF_ADMIN_TOKEN). --json prints raw JSON for scripts.',
  "Run 'handoff <command> --help' for a command's options.",
  '',
  'Exit codes: 0 success, 1 error answer from the server, 2 bad usage.',
  '',
].join('\n');

function groupHelp(group: Group): string {
  const width = Math.max(...group.commands.map((c) => c.name.length)) + 2;
  return [
    `Usage: handoff ${group.name} <${group.commands.map((c) => c.name).join('|')}> [options]`,
    '',
    ...group.commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    `Run 'handoff ${group.name} <command> --help' for its options.`,
    '',
  ].join('\n');
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
}

const isHelp = (arg: string | undefined) => arg === '--help' || arg === '-h' || arg === 'help';

export async function main(argv: string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(TOP_HELP);
    return 2;
  }
  if (isHelp(name)) {
    io.out(TOP_HELP);
    return 0;
  }
  const group = GROUPS.find((g) => g.name === name);
  if (!group) {
    io.err(`handoff: unknown command ${JSON.stringify(name)}\nRun 'handoff --help' for usage.\n`);
    return 2;
  }
  let args = rest;
  let command = group.commands[0];
  if (!isSingle(group)) {
    const [sub, ...more] = rest;
    if (isHelp(sub)) {
      io.out(groupHelp(group));
      return 0;
    }
    const found = group.commands.find((c) => c.name === sub);
    if (!found) {
      io.err(`handoff: ${sub === undefined ? 'missing' : `unknown ${JSON.stringify(sub)}:`} ${group.name} command\n${groupHelp(group)}`);
      return 2;
    }
    command = found;
    args = more;
  }
  try {
    const input = parse(group, command, args, env, io.out);
    if (!input) return 0;
    await command.run(input);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`handoff: ${err.message}\n${usageHint(group, command)}\n`);
      return 2;
    }
    io.err(`handoff: ${(err as Error).message}\n`);
    return 1;
  }
}

const code = await main(process.argv.slice(2), process.env, {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});
process.exitCode = code;
