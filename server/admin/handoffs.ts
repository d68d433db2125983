/**
 * /admin/handoffs: the inventory of unredeemed pre-auth URLs and their
 * revocation (contract §3). Answers name handoffs by their public id, never
 * by code, and never carry a payload. The logic lives in Handoffs, which the
 * admin web page calls too; revocations are audited there.
 */
import type { Context } from 'koa';
import { invalidRequest, notFound } from '../errors.js';
import type { AdminDeps } from './deps.js';

/** One optional, non-repeated, non-empty query parameter. */
function queryParam(ctx: Context, name: string): string | undefined {
  const value = ctx.query[name];
  if (Array.isArray(value)) throw invalidRequest(`${name} must not be repeated`, [{ field: name, message: 'must not be repeated' }]);
  if (value === '') throw invalidRequest(`${name} must not be empty`, [{ field: name, message: 'must not be empty' }]);
  return value;
}

export function handoffRoutes({ handoffs }: Pick<AdminDeps, 'handoffs'>) {
  return {
    async list(ctx: Context): Promise<void> {
      ctx.body = await handoffs.listPending({ clientId: queryParam(ctx, 'client_id'), sub: queryParam(ctx, 'sub') });
    },

    async revoke(ctx: Context): Promise<void> {
      if (!(await handoffs.revoke(ctx.params.id))) throw notFound('unknown or already redeemed handoff');
      ctx.status = 204;
    },

    async revokeAll(ctx: Context): Promise<void> {
      const clientId = queryParam(ctx, 'client_id');
      // Revoking every handoff of every client at once is never what a single call should do.
      if (clientId === undefined) throw invalidRequest('client_id is required', [{ field: 'client_id', message: 'is required' }]);
      ctx.body = { revoked: await handoffs.revokeAll({ clientId, sub: queryParam(ctx, 'sub') }) };
    },
  };
}
