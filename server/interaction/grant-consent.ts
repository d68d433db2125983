/**
 * Records consent: the interaction's existing Grant (or a new one) gets
 * whatever the consent prompt found missing, and the interaction's result
 * points at it. Returns where to send the browser next (the resume URL).
 */
import type { Context } from 'koa';
import type { Interaction, Provider as OidcProvider } from 'oidc-provider';

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

export interface MissingConsent {
  scopes: string[];
  claims: string[];
  resources: Record<string, string[]>;
}

export function missingConsent(interaction: Interaction): MissingConsent {
  const { details } = interaction.prompt;
  const resources: Record<string, string[]> = {};
  const missingResources = details.missingResourceScopes;
  if (missingResources && typeof missingResources === 'object') {
    for (const [indicator, scopes] of Object.entries(missingResources)) resources[indicator] = strings(scopes);
  }
  return { scopes: strings(details.missingOIDCScope), claims: strings(details.missingOIDCClaims), resources };
}

export async function grantConsent(ctx: Context, oidc: OidcProvider, interaction: Interaction): Promise<string> {
  const accountId = interaction.session?.accountId;
  const clientId = String(interaction.params.client_id);
  if (!accountId) throw new Error('consent interaction without a signed-in account');

  const existing = interaction.grantId ? await oidc.Grant.find(interaction.grantId) : undefined;
  const grant = existing && existing.accountId === accountId && existing.clientId === clientId
    ? existing
    : new oidc.Grant({ accountId, clientId });

  const missing = missingConsent(interaction);
  if (missing.scopes.length) grant.addOIDCScope(missing.scopes);
  if (missing.claims.length) grant.addOIDCClaims(missing.claims);
  for (const [indicator, scopes] of Object.entries(missing.resources)) {
    if (scopes.length) grant.addResourceScope(indicator, scopes);
  }
  const grantId = await grant.save();
  return oidc.interactionResult(ctx.req, ctx.res, { consent: { grantId } });
}
