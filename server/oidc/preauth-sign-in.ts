/**
 * The redemption's login without an Interaction: run from the `preauth`
 * prompt's check, inside the authorization request that /preauth/{code}
 * forwarded, it signs the session in and grants exactly the requested
 * scopes, so oidc-provider finds nothing left to prompt for and issues the
 * code in this same request. That saves the browser's hop to the resume
 * endpoint and the Interaction record (written twice, read, deleted), and
 * the session's uid is known here, so the handoff is written once with both
 * its grant and its session.
 *
 * Only when the request asks for no prompt itself: `prompt=consent` (added
 * for offline_access, see forward-to-authorization.ts) still goes through
 * the Interaction, resolved in finish-preauth-interaction.ts, since oidc-provider
 * would otherwise send the browser to a consent page.
 */
import type { Account, KoaContextWithOIDC } from 'oidc-provider';
import type { Handoffs } from '../handoffs.js';
import { preauthAcr, type Redemption } from './redemption.js';

export interface SignInDeps {
  handoffs: Handoffs;
  retention: number;
  findAccount(ctx: KoaContextWithOIDC, sub: string): Promise<Account | undefined>;
}

/** True when the login is complete; false leaves the request to the Interaction path, untouched. */
export async function signInDirectly(ctx: KoaContextWithOIDC, { key, handoff }: Redemption, deps: SignInDeps): Promise<boolean> {
  const { oidc } = ctx;
  if (oidc.prompts.size) return false;
  const account = await deps.findAccount(ctx, handoff.sub);
  if (!account) return false; // the Interaction path reports it as before

  const { provider } = oidc;
  const session = oidc.session!;
  const clientId = oidc.client!.clientId;
  const grant = new provider.Grant({ accountId: handoff.sub, clientId });
  grant.addOIDCScope([...oidc.requestParamOIDCScopes]);
  const grantId = await grant.save();

  // What oidc-provider's resume step and loadAccount/loadGrant would do.
  session.loginAccount({ accountId: handoff.sub, acr: preauthAcr(handoff.provider), amr: handoff.amr });
  // A new session id after a login, as the resume step does (no session fixation).
  if (!(session as unknown as { new?: boolean }).new) session.resetIdentifier();
  session.ensureClientContainer(clientId);
  session.grantIdFor(clientId, grantId);
  oidc.entity('Account', account);
  oidc.entity('Grant', grant);

  await deps.handoffs.attachGrant(key, handoff, grantId, deps.retention, session.uid);
  return true;
}
