/**
 * Back-channel logout delivery rules (OpenID Connect Back-Channel Logout 1.0).
 *
 * oidc-provider sends every outgoing request through the `fetch` hook of its
 * configuration with an undici dispatcher that refuses special-use addresses
 * (loopback, private ranges …) against SSRF. Tests and local development run
 * the OP and the RP on 127.0.0.1, so when the ISSUER is itself a loopback
 * address, and only then, requests to a literal loopback host go out without
 * that dispatcher. A production issuer keeps the library's rule untouched.
 * Registration refuses what delivery would never reach: `http` URIs except
 * to loopback, and loopback URIs unless the issuer is loopback.
 */

const LOOPBACK_NAMES = new Set(['localhost', '[::1]', '::1']);

/** A host that is a loopback address by itself (no name resolution involved beyond `localhost`). */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase();
  return LOOPBACK_NAMES.has(host) || /^127(\.\d{1,3}){3}$/.test(host);
}

export function isLoopbackIssuer(issuer: string): boolean {
  return isLoopbackHost(new URL(issuer).hostname);
}

type Fetch = (url: URL | string | Request, options?: RequestInit) => Promise<Response>;

/** oidc-provider's `fetch` configuration hook. */
export function outgoingFetch(issuer: string): Fetch {
  const loopbackAllowed = isLoopbackIssuer(issuer);
  return (url, options = {}) => {
    const target = new URL(url instanceof Request ? url.url : url);
    if (loopbackAllowed && isLoopbackHost(target.hostname)) {
      const { dispatcher: _ssrfGuard, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(url, rest);
    }
    return globalThis.fetch(url, options);
  };
}

/** Why a `backchannel_logout_uri` cannot be honoured at this issuer, if it cannot. */
export function backchannelUriProblem(uri: unknown, issuer: string): string | undefined {
  if (typeof uri !== 'string' || !URL.canParse(uri)) return undefined; // the shape checks report it
  const url = new URL(uri);
  const loopback = isLoopbackHost(url.hostname);
  if (url.protocol === 'http:' && !loopback) return 'must be an https URI (http only for loopback addresses)';
  if (loopback && !isLoopbackIssuer(issuer)) return 'a loopback address receives logout tokens only when the issuer is itself a loopback address';
  return undefined;
}
