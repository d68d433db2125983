/**
 * /admin/accounts: local accounts for the `password` provider and the login
 * page. The Accounts service does the hashing; answers never carry the hash,
 * and the password is never logged (bodies are not logged at all).
 */
import type { Context } from 'koa';
import { toPublic, type Claims } from '../accounts.js';
import { HttpError, invalidRequest, notFound, type ErrorDetail } from '../errors.js';
import { endAccount } from '../oidc/end-session.js';
import { validate } from '../validation.js';
import { readJsonObject } from './read-json.js';
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

export function accountRoutes({ accounts, events, oidc, store }: Pick<AdminDeps, 'accounts' | 'events' | 'oidc' | 'store'>) {
  return {
    async create(ctx: Context): Promise<void> {
      const body = await readJsonObject(ctx);
      const details = [...validate(ACCOUNT_SCHEMA, body), ...subProblem(body.claims)];
      if (details.length) throw invalidRequest('invalid account', details);
      const account = await accounts.create({
        username: body.username as string,
        password: body.password as string,
        claims: body.claims as Claims | undefined,
      });
      if (!account) throw new HttpError(409, 'invalid_request', 'username already exists');
      events.emit('account.created', { sub: account.sub });
      ctx.status = 201;
      ctx.set('Location', `/admin/accounts/${encodeURIComponent(account.sub)}`);
      ctx.body = toPublic(account);
    },

    async get(ctx: Context): Promise<void> {
      const account = await accounts.get(ctx.params.sub);
      if (!account) throw notFound('unknown account');
      ctx.body = toPublic(account);
    },

    async remove(ctx: Context): Promise<void> {
      if (!(await accounts.delete(ctx.params.sub))) throw notFound('unknown account');
      // Its sessions and grants end too; clients hear of it by back-channel logout.
      await endAccount(oidc, store, ctx.params.sub);
      events.emit('account.deleted', { sub: ctx.params.sub });
      ctx.status = 204;
    },
  };
}
