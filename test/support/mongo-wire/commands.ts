import { adminCommands } from './admin-commands.js';
import type { Ctx, Handler } from './context.js';
import { readCommands } from './read-commands.js';
import { CommandError, errorMessage, type Doc } from './util.js';
import { writeCommands } from './write-commands.js';

const handlers = new Map<string, Handler>(
  Object.entries({ ...adminCommands, ...readCommands, ...writeCommands }),
);

/** Spellings mongod also accepts. */
const ALIASES: Record<string, string> = {
  isMaster: 'hello',
  ismaster: 'hello',
  findandmodify: 'findAndModify',
  buildinfo: 'buildInfo',
};

function errorReply(e: unknown): Doc {
  if (e instanceof CommandError) return { ok: 0, errmsg: e.message, code: e.code, codeName: e.codeName, ...e.extra };
  // mingo's parse errors (unknown operator, bad path, ...) land here
  return { ok: 0, errmsg: errorMessage(e), code: 2, codeName: 'BadValue' };
}

/** Runs one command to completion, synchronously; always returns a reply document. */
export function runCommand(body: Doc, ctx: Omit<Ctx, 'db'>): Doc {
  const name = Object.keys(body)[0] ?? '';
  // A standalone refuses transaction numbers; the driver then falls back to plain writes.
  if ('txnNumber' in body) {
    return {
      ok: 0,
      errmsg: 'Transaction numbers are only allowed on a replica set member or mongos',
      code: 20,
      codeName: 'IllegalOperation',
    };
  }
  const handler = handlers.get(ALIASES[name] ?? name);
  if (!handler) return { ok: 0, errmsg: `no such command: '${name}'`, code: 59, codeName: 'CommandNotFound' };
  const db = typeof body.$db === 'string' ? body.$db : 'admin';
  try {
    return handler(body, { ...ctx, db });
  } catch (e) {
    return errorReply(e);
  }
}
