/**
 * /admin/accounts: local accounts for the `password` provider and the login
 * page. The Accounts service does the hashing; answers never carry the hash,
 * and the password is never logged (bodies are not logged at all).
 */
import type { Context } from 'koa';
import { toPublic, type Claims, type PublicAccount } from '../accounts.js';
import { HttpError, invalidRequest, notFound, type ErrorDetail } from '../errors.js';
import { endAccount } from '../oidc/end-session.js';
import { validate } from '../validation.js';
import { readJsonObject, type JsonObject } from './read-json.js';
import type { AdminDeps } from './deps.js';

/** Also the request schema of the OpenAPI document (openapi.ts). */
export const ACCOUNT_SCHEMA = {
  type: 'object',
  // A stray top-level field is most likely a claim put in the wrong place.
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 256 },
    password: { type: 'string', minLength: 1, maxLength: 1024 },
    claims: { type: 'object' },
  },
};

/** `sub` is the server's identifier for the account, never a caller's claim. */
function subProblem(claims: unknown): ErrorDetail[] {
  return claims && typeof claims === 'object' && !Array.isArray(claims) && 'sub' in claims
    ? [{ field: 'claims.sub', message: 'is assigned by the server and must not be given' }]
    : [];
}

type AccountDeps = Pick<AdminDeps, 'accounts' | 'events' | 'oidc' | 'store'>;

export async function createAccount({ accounts, events }: AccountDeps, body: JsonObject): Promise<PublicAccount> {
  const details = [...validate(ACCOUNT_SCHEMA, body), ...subProblem(body.claims)];
  if (details.length) throw invalidRequest('invalid account', details);
  const account = await accounts.create({
    username: body.username as string,
    password: body.password as string,
    claims: body.claims as Claims | undefined,
  });
  if (!account) throw new HttpError(409, 'invalid_request', 'username already exists');
  events.emit('account.created', { sub: account.sub });
  return toPublic(account);
}

export async function getAccount({ accounts }: AccountDeps, sub: string): Promise<PublicAccount> {
  const account = await accounts.get(sub);
  if (!account) throw notFound('unknown account');
  return toPublic(account);
}

export async function deleteAccount({ accounts, events, oidc, store }: AccountDeps, sub: string): Promise<void> {
  if (!(await accounts.delete(sub))) throw notFound('unknown account');
  // Its sessions and grants end too; clients hear of it by back-channel logout.
  await endAccount(oidc, store, sub);
  events.emit('account.deleted', { sub });
}

export function accountRoutes(deps: AccountDeps) {
  return {
    async create(ctx: Context): Promise<void> {
      const account = await createAccount(deps, await readJsonObject(ctx));
      ctx.status = 201;
      ctx.set('Location', `${deps.oidc.issuer}/admin/accounts/${encodeURIComponent(account.sub)}`);
      ctx.body = account;
    },

    async get(ctx: Context): Promise<void> {
      ctx.body = await getAccount(deps, ctx.params.sub);
    },

    async remove(ctx: Context): Promise<void> {
      await deleteAccount(deps, ctx.params.sub);
      ctx.status = 204;
    },
  };
}
