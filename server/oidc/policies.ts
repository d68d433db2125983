/**
 * Who may introspect, revoke and call from a browser. Written out rather than
 * left to the library's placeholders, so the choices are ours and visible.
 */
import { errors, type Client, type KoaContextWithOIDC } from 'oidc-provider';

interface TokenOwner {
  clientId?: string;
}

/** Any confidential client (a resource server, say) may introspect; a public client only its own tokens. */
export async function introspectionAllowed(_ctx: KoaContextWithOIDC, client: Client, token: TokenOwner): Promise<boolean> {
  return client.clientAuthMethod !== 'none' || token.clientId === client.clientId;
}

/** A client revokes only its own tokens. */
export async function revocationAllowed(_ctx: KoaContextWithOIDC, client: Client, token: TokenOwner): Promise<boolean> {
  if (token.clientId === client.clientId) return true;
  if (client.clientAuthMethod === 'none') return false;
  throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
}

/** Browsers may call userinfo (and a public client any CORS endpoint) from a registered redirect_uri's origin. */
export function corsAllowed(ctx: KoaContextWithOIDC, origin: string, client: Client): boolean {
  if (origin === 'null') return false;
  if (ctx.oidc.route !== 'userinfo' && client.clientAuthMethod !== 'none') return false;
  return (client.redirectUris ?? []).some((uri) => URL.canParse(uri) && new URL(uri).origin === origin);
}
