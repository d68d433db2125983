/**
 * Step 3: `GET /handoff` returns the stored payload to the client the
 * handoff was made for, authorized by an access token of that login's grant.
 * The payload is never put into a token or a cookie.
 */
import type { Context } from 'koa';
import type { Provider as OidcProvider } from 'oidc-provider';
import type { Handoffs } from './handoffs.js';
import { bearerToken } from './bearer.js';
import { HttpError } from './errors.js';

const invalidToken = (description: string) => new HttpError(401, 'invalid_token', description);

function bearer(ctx: Context): string {
  const token = bearerToken(ctx);
  if (!token) throw invalidToken('a bearer access token is required');
  return token;
}

export function handoffRoute(oidc: OidcProvider, handoffs: Handoffs) {
  return async function getHandoff(ctx: Context): Promise<void> {
    ctx.set('Cache-Control', 'no-store');
    const token = await oidc.AccessToken.find(bearer(ctx));
    if (!token || !token.grantId) throw invalidToken('the access token is invalid or expired');
    // A deleted client or a revoked grant ends access even for unexpired tokens.
    const [client, grant] = await Promise.all([oidc.Client.find(token.clientId ?? ''), oidc.Grant.find(token.grantId)]);
    if (!client || !grant) throw invalidToken('the access token is no longer valid');
    const handoff = await handoffs.forGrant(token.grantId);
    if (!handoff || handoff.clientId !== token.clientId) throw new HttpError(404, 'not_found', 'no handoff belongs to this access token');
    ctx.body = {
      id: handoff.id,
      provider: handoff.provider,
      client_id: handoff.clientId,
      sub: handoff.sub,
      payload: handoff.payload,
      created_at: handoff.createdAt,
    };
  };
}
