/**
 * `POST /admin/keys/rotate` (contract §3): new signing keys, one per
 * algorithm, become current at once; the earlier ones stay in the JWKS until
 * everything they signed has expired. Answers 201 `{ "kids": [ … ] }`.
 */
import type { Context } from 'koa';
import { HttpError } from '../errors.js';
import type { AdminDeps } from './deps.js';

export function keyRoutes(deps: AdminDeps) {
  return {
    async rotate(ctx: Context): Promise<void> {
      if (!deps.rotateKeys) throw new HttpError(501, 'unsupported', 'key rotation is not available on this server');
      const kids = await deps.rotateKeys();
      ctx.status = 201;
      ctx.set('Cache-Control', 'no-store');
      ctx.body = { kids };
    },
  };
}
