/**
 * Every ID token carries `sid` (contract §2), for interactive, pre-auth and
 * SSO logins alike, so any client can match a back-channel logout token or
 * an RP-initiated logout to the login it belongs to.
 *
 * How oidc-provider decides (lib/helpers/process_response_types.js): the
 * authorization code, and the ID token made from it, get `sid` when
 * `client.includeSid()` is true, or when the request's `claims` parameter asks
 * for `id_token.sid`. `includeSid()` is true only for clients registered with
 * both `backchannel_logout_uri` and `backchannel_logout_session_required`; no
 * configuration option turns it on for all. Asking through the `claims`
 * parameter works only for requests handoff itself builds (redemptions), not
 * for a client's own authorization requests or pushed ones. So the provider's
 * own Client class answers true: one decision, in the one place the library
 * asks, for this provider instance only.
 */
import type { Provider as OidcProvider } from 'oidc-provider';

export function sidInEveryIdToken(oidc: OidcProvider): void {
  Object.defineProperty(oidc.Client.prototype, 'includeSid', {
    value: function includeSid() {
      return true;
    },
    configurable: true,
    writable: true,
  });
}
