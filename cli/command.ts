/**
 * What every CLI command shares: its option table (fed to node:util
 * parseArgs, strict, so an unknown flag is bad usage), the common options,
 * generated --help text, and reading JSON given inline or as @file.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { AdminApi } from './http.js';

/**
 * `--secret -x…` as `--secret=-x…`: parseArgs refuses a value that starts
 * with a dash as ambiguous, and generated secrets (base64url) start with one
 * once in 64. Only for options that take a value, so a forgotten value before
 * a real flag is still bad usage when that flag is known.
 */
function withDashValues(argv: string[], options: Record<string, Option>): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const name = arg.startsWith('--') && !arg.includes('=') ? arg.slice(2) : undefined;
    const next = argv[i + 1];
    const takesValue = name !== undefined && options[name]?.type === 'string';
    if (takesValue && next !== undefined && next.startsWith('-') && next !== '--' && !(next.startsWith('--') && next.slice(2).split('=')[0]! in options)) {
      out.push(`${arg}=${next}`);
      i += 1;
    } else out.push(arg);
  }
  return out;
}

/** Bad usage: exit code 2. */
export class UsageError extends Error {}

export interface Option {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Shown in --help, e.g. `<uri>`. */
  value?: string;
  description: string;
  required?: boolean;
}

export type Values = Record<string, string | boolean | string[] | undefined>;

export interface Input {
  values: Values;
  positionals: string[];
  /** Base URL of the server (its issuer), without a trailing slash. */
  url: string;
  json: boolean;
  /** The admin API client; bad usage when no token was given. */
  api(): AdminApi;
  out(text: string): void;
}

export interface Command {
  name: string;
  summary: string;
  /** Required positional arguments, e.g. `<client_id>`. */
  args?: string[];
  /** Optional positional arguments after the required ones. */
  optionalArgs?: string[];
  options?: Record<string, Option>;
  /** Extra lines after the option list (examples, notes). */
  notes?: string;
  /** Commands that do not speak to the admin API do not take --token. */
  noToken?: boolean;
  run(input: Input): Promise<void>;
}

export interface Group {
  name: string;
  summary: string;
  commands: Command[];
}

export const COMMON: Record<string, Option> = {
  url: { type: 'string', value: '<url>', description: 'server URL, i.e. its ISSUER (env HANDOFF_URL; default http://localhost:3000)' },
  token: { type: 'string', value: '<token>', description: 'admin token (env HANDOFF_ADMIN_TOKEN)' },
  json: { type: 'boolean', description: 'print the raw JSON answer, for scripts' },
  help: { type: 'boolean', short: 'h', description: 'show this help' },
};

function optionLines(options: Record<string, Option>): string[] {
  const rows = Object.entries(options).map(([name, o]) => [
    `  ${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`,
    `${o.description}${o.required ? ' (required)' : ''}${o.multiple ? ' (repeatable)' : ''}`,
  ]);
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return rows.map(([left, right]) => left.padEnd(width) + right);
}

export function commandHelp(group: Group, command: Command): string {
  const common = commonOf(command);
  const args = [...(command.args ?? []), ...(command.optionalArgs ?? []).map((a) => `[${a}]`)].map((a) => ` ${a}`).join('');
  return [
    `Usage: handoff ${commandPath(group, command)}${args} [options]`,
    '',
    command.summary,
    '',
    'Options:',
    ...optionLines({ ...command.options, ...common }),
    ...(command.notes ? ['', command.notes] : []),
    '',
  ].join('\n');
}

/** A group of one command (`preauth`) is called by the group's name alone. */
export const isSingle = (group: Group) => group.commands.length === 1 && group.commands[0].name === group.name;
const commandPath = (group: Group, command: Command) => (isSingle(group) ? group.name : `${group.name} ${command.name}`);

export function usageHint(group: Group, command?: Command): string {
  return `Run 'handoff ${command ? `${commandPath(group, command)} ` : `${group.name} `}--help' for usage.`;
}

function commonOf(command: Command): Record<string, Option> {
  if (!command.noToken) return COMMON;
  const { token: _token, ...rest } = COMMON;
  return rest;
}

/** Parses argv for one command; undefined when --help was asked (and printed). */
export function parse(group: Group, command: Command, argv: string[], env: NodeJS.ProcessEnv, out: (text: string) => void): Input | undefined {
  const options = { ...command.options, ...commonOf(command) };
  let parsed;
  try {
    parsed = parseArgs({
      args: withDashValues(argv, options),
      strict: true,
      allowPositionals: true,
      options: Object.fromEntries(Object.entries(options).map(([name, o]) => [name, {
        type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(o.short ? { short: o.short } : {}),
      }])),
    });
  } catch (err) {
    // Unknown flags, missing values and the like; anything else is a bug, not usage.
    if (String((err as NodeJS.ErrnoException).code).startsWith('ERR_PARSE_ARGS_')) throw new UsageError((err as Error).message);
    throw err;
  }
  const values = parsed.values as Values;
  if (values.help) {
    out(commandHelp(group, command));
    return undefined;
  }
  const expected = command.args ?? [];
  if (parsed.positionals.length < expected.length) throw new UsageError(`missing ${expected.slice(parsed.positionals.length).join(' ')}`);
  const most = expected.length + (command.optionalArgs?.length ?? 0);
  if (parsed.positionals.length > most) throw new UsageError(`unexpected argument ${JSON.stringify(parsed.positionals[most])}`);
  for (const [name, o] of Object.entries(options)) {
    if (o.required && values[name] === undefined) throw new UsageError(`missing --${name}`);
  }
  const url = String(values.url ?? env.HANDOFF_URL ?? 'http://localhost:3000').replace(/\/+$/, '');
  try {
    new URL(url);
  } catch {
    throw new UsageError(`--url is not a URL: ${JSON.stringify(url)}`);
  }
  const token = (values.token as string | undefined) ?? env.HANDOFF_ADMIN_TOKEN;
  return {
    values,
    positionals: parsed.positionals,
    url,
    json: values.json === true,
    api() {
      if (!token) throw new UsageError('missing --token (or HANDOFF_ADMIN_TOKEN)');
      return new AdminApi(url, token);
    },
    out,
  };
}

/** JSON given inline or as `@path` to a file. */
export function readJson(flag: string, text: string): unknown {
  let source = text;
  if (text.startsWith('@')) {
    try {
      source = readFileSync(text.slice(1), 'utf8');
    } catch (err) {
      throw new UsageError(`--${flag}: cannot read ${text.slice(1)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  }
  try {
    return JSON.parse(source);
  } catch {
    throw new UsageError(`--${flag} is not valid JSON`);
  }
}

/** Like readJson, but the value must be a JSON object. */
export function readJsonObject(flag: string, text: string): Record<string, unknown> {
  const value = readJson(flag, text);
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new UsageError(`--${flag} must be a JSON object`);
  return value as Record<string, unknown>;
}
