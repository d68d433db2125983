/**
 * Finds the interaction a page request belongs to, with its client. An
 * unknown, expired or foreign interaction gets an error page (4xx), never a
 * 500: the answer is written here and `undefined` returned.
 */
import type { Context } from 'koa';
import { errors, type Client, type Interaction, type Provider as OidcProvider } from 'oidc-provider';
import { extensionsOf } from '../oidc/client-metadata.js';
import { formTargets, sendError } from './respond.js';

export interface LoadedInteraction {
  interaction: Interaction;
  client: Client;
  clientName?: string;
  /** What the pages show of the client: https logo, home page. */
  logoUri?: string;
  clientUri?: string;
  /** The issuer's path ('' or '/prefix'), under which every page URL is built. */
  base: string;
  /** Origins (or schemes) the browser is sent on to after this interaction. */
  formTargets: string[];
}

const EXPIRED = 'This sign-in request is unknown or has expired. Go back to the application and start again.';

export async function loadInteraction(
  ctx: Context & { params: { uid?: string } },
  oidc: OidcProvider,
  prompt?: 'login' | 'consent',
): Promise<LoadedInteraction | undefined> {
  let interaction: Interaction;
  try {
    // Found through the interaction cookie, which is scoped to /interaction/<uid>.
    interaction = await oidc.interactionDetails(ctx.req, ctx.res);
  } catch (err) {
    if (err instanceof errors.OIDCProviderError) {
      sendError(ctx, err.status >= 400 && err.status < 500 ? err.status : 400, 'invalid_request', EXPIRED);
      return undefined;
    }
    throw err;
  }
  if (interaction.uid !== ctx.params.uid) {
    sendError(ctx, 400, 'invalid_request', EXPIRED);
    return undefined;
  }
  if (prompt && interaction.prompt.name !== prompt) {
    sendError(ctx, 400, 'invalid_request', 'This step of the sign-in does not apply now. Go back to the application and start again.');
    return undefined;
  }
  const clientId = interaction.params.client_id;
  const client = typeof clientId === 'string' ? await oidc.Client.find(clientId) : undefined;
  if (!client) {
    sendError(ctx, 400, 'invalid_client', 'The application that started this sign-in is no longer known.');
    return undefined;
  }
  const redirectUri = interaction.params.redirect_uri;
  return {
    interaction,
    client,
    clientName: client.clientName,
    logoUri: client.logoUri,
    clientUri: client.clientUri,
    base: issuerPath(oidc),
    formTargets: formTargets(typeof redirectUri === 'string' ? [redirectUri] : (client.redirectUris ?? [])),
  };
}

/** The issuer's path without a trailing slash: '' for a bare origin. */
export const issuerPath = (oidc: OidcProvider): string => new URL(oidc.issuer).pathname.replace(/\/+$/, '');

export const isFirstParty = (client: Client): boolean => extensionsOf(client).first_party;
