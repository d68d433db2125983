/**
 * Resolves the `preauth` interaction in the same request that opened it
 * (from `interactions.url`), saving a hop: the login and a grant for exactly
 * the requested scopes are written into the interaction, and the browser is
 * sent straight to oidc-provider's resume endpoint, which issues the code.
 * Only for requests that ask for a prompt (offline_access adds
 * prompt=consent); every other redemption signs in without an Interaction
 * (preauth-sign-in.ts).
 */
import type { Interaction, KoaContextWithOIDC } from 'oidc-provider';
import type { Handoffs } from '../handoffs.js';
import { preauthAcr, type Redemption } from './redemption.js';

export async function finishPreauthInteraction(
  ctx: KoaContextWithOIDC,
  interaction: Interaction,
  { key, handoff }: Redemption,
  deps: { handoffs: Handoffs; retention: number },
): Promise<string> {
  const { provider } = ctx.oidc;
  const grant = new provider.Grant({ accountId: handoff.sub, clientId: handoff.clientId });
  grant.addOIDCScope([...ctx.oidc.requestParamOIDCScopes]);
  const grantId = await grant.save();

  interaction.result = {
    login: { accountId: handoff.sub, acr: preauthAcr(handoff.provider), amr: handoff.amr },
    consent: { grantId },
  };
  await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
  await deps.handoffs.attachGrant(key, handoff, grantId, deps.retention);
  return interaction.returnTo;
}
