/**
 * First-party clients never show a consent page. Granting their requested
 * scopes here, where oidc-provider looks for an existing grant, covers every
 * path at once, `prompt=none` included (a consent page can't be reached there).
 */
import type { KoaContextWithOIDC } from 'oidc-provider';
import { extensionsOf } from './client-metadata.js';

export async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const client = oidc.client!;
  const session = oidc.session!;
  const grantId = oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
  const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  const firstParty = extensionsOf(client).first_party;
  if (!firstParty || !session.accountId) return existing;

  const grant = existing ?? new oidc.provider.Grant({ accountId: session.accountId, clientId: client.clientId });
  grant.addOIDCScope([...oidc.requestParamOIDCScopes]);
  if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
  await grant.save();
  return grant;
}
