/**
 * Ending a session the way RP-initiated logout does, for the places where
 * handoff ends one itself (the account switch at redemption, the deletion of
 * an account): every client the session holds tokens for that registered a
 * `backchannel_logout_uri` gets a signed `logout_token`, the grants the
 * session made are revoked (except offline ones, as oidc-provider's logout
 * does, unless `allGrants`), and the session is destroyed.
 */
import type { Client, Provider as OidcProvider, Session } from 'oidc-provider';
import { oidcCollection } from '../../adapters/oidc-adapter.js';
import type { Store } from '../../adapters/store.js';

type LogoutCapable = Client & { backchannelLogout(sub: string, sid: string | undefined): Promise<void> };

async function findClient(oidc: OidcProvider, clientId: string): Promise<Client | undefined> {
  try {
    return await oidc.Client.find(clientId);
  } catch {
    return undefined; // a deleted or broken client has nobody to notify
  }
}

/** Revokes a grant's tokens and the grant itself. */
export async function revokeGrant(oidc: OidcProvider, grantId: string): Promise<void> {
  await Promise.all([
    oidc.AccessToken.revokeByGrantId(grantId),
    oidc.RefreshToken.revokeByGrantId(grantId),
    oidc.AuthorizationCode.revokeByGrantId(grantId),
  ]);
  const grant = await oidc.Grant.find(grantId);
  await grant?.destroy();
}

/** Sends the back-channel logouts; a receiver that fails is reported, never fatal. */
async function notifyClients(oidc: OidcProvider, session: Session): Promise<void> {
  const sub = session.accountId;
  if (!sub) return;
  await Promise.all(Object.keys(session.authorizations ?? {}).map(async (clientId) => {
    const client = await findClient(oidc, clientId) as LogoutCapable | undefined;
    if (!client?.backchannelLogoutUri) return;
    const sid = session.sidFor(clientId);
    try {
      await client.backchannelLogout(sub, sid);
      oidc.emit('backchannel.success', undefined, client, sub, sid);
    } catch (err) {
      oidc.emit('backchannel.error', undefined, err, client, sub, sid);
    }
  }));
}

export async function endSession(oidc: OidcProvider, session: Session, { allGrants = false } = {}): Promise<void> {
  await notifyClients(oidc, session);
  await Promise.all(Object.entries(session.authorizations ?? {}).map(async ([clientId, authorization]) => {
    const grantId = authorization.grantId;
    if (grantId && (allGrants || !session.authorizationFor(clientId).persistsLogout)) await revokeGrant(oidc, grantId);
  }));
  await session.destroy();
}

/**
 * Every session and grant of an account ends (account deletion). Sessions
 * and grants are found by the `sub` the adapter records from `accountId`.
 */
export async function endAccount(oidc: OidcProvider, store: Store, sub: string): Promise<void> {
  const sessions = await store.findBy<{ accountId?: string }>(oidcCollection('Session'), 'sub', sub);
  for (const record of sessions) {
    // By uid: the record's id is the SHA-256 of the cookie value, which is never stored (adapters/oidc-adapter.ts).
    const session = record.uid ? await oidc.Session.findByUid(record.uid) : undefined;
    if (session?.accountId === sub) await endSession(oidc, session, { allGrants: true });
  }
  // Grants outside any live session (offline access kept after a logout).
  const grants = await store.findBy(oidcCollection('Grant'), 'sub', sub);
  await Promise.all(grants.map((record) => revokeGrant(oidc, record.id)));
}
