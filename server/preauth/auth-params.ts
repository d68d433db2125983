/**
 * Checks the authorization parameters of step 1 against the client now, so a
 * mistake is a 400 to the partner's back end rather than an error page in the
 * user's browser at step 2. oidc-provider checks them again when redeeming.
 */
import type { Client } from 'oidc-provider';
import { HttpError, invalidRequest, type ErrorDetail } from '../errors.js';
import type { AuthParams } from '../handoffs.js';
import { normalizeIp } from '../ip-address.js';
import { overCap } from '../param-limits.js';

// bind_ip is not replayed at step 2: it names the client IP that may redeem.
export const AUTH_PARAM_NAMES = ['redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'bind_ip'] as const;
export type RawAuthParams = Partial<Record<(typeof AUTH_PARAM_NAMES)[number], string>>;

const RESPONSE_MODES = ['query', 'fragment', 'form_post'];
const CHALLENGE = /^[A-Za-z0-9._~-]{43,128}$/;

export function checkAuthParams(client: Client, raw: RawAuthParams, scopesSupported: Set<string>): AuthParams & { bind_ip?: string } {
  const details: ErrorDetail[] = [];
  const fail = (field: string, message: string) => details.push({ field, message });
  // The same 2 KiB caps as at /auth: these are stored with the handoff.
  const tooLong = overCap(Object.entries(raw));
  details.push(...tooLong);
  const capped = new Set(tooLong.map((d) => d.field));

  let redirectUri = raw.redirect_uri;
  if (capped.has('redirect_uri')) {
    // reported above
  } else if (redirectUri === undefined) {
    if (client.redirectUris?.length === 1) redirectUri = client.redirectUris[0];
    else fail('redirect_uri', 'is required when the client has more than one');
  } else if (!client.redirectUris?.includes(redirectUri)) {
    fail('redirect_uri', 'is not registered for this client');
  }
  for (const name of ['state', 'nonce'] as const) {
    if (raw[name] === '') fail(name, 'must be 1 to 2048 characters');
  }
  if (raw.code_challenge !== undefined && !capped.has('code_challenge') && !CHALLENGE.test(raw.code_challenge)) fail('code_challenge', 'must be 43 to 128 unreserved characters');
  if (raw.code_challenge_method !== undefined && !capped.has('code_challenge_method')) {
    if (raw.code_challenge_method !== 'S256') fail('code_challenge_method', 'only S256 is supported');
    else if (raw.code_challenge === undefined) fail('code_challenge', 'is required with code_challenge_method');
  }
  if (raw.response_mode !== undefined && !capped.has('response_mode') && !RESPONSE_MODES.includes(raw.response_mode)) {
    fail('response_mode', `must be one of ${RESPONSE_MODES.join(', ')}`);
  }
  const bindIp = normalizeIp(raw.bind_ip);
  if (raw.bind_ip !== undefined && !bindIp) fail('bind_ip', 'must be an IPv4 or IPv6 address');
  if (details.length) throw invalidRequest('invalid authorization parameters', details);

  const scope = (raw.scope ?? 'openid').split(' ').filter(Boolean);
  if (!scope.includes('openid')) throw new HttpError(400, 'invalid_scope', 'scope must include openid');
  const clientScopes = client.scope ? new Set(client.scope.split(' ')) : undefined;
  const refused = scope.filter((s) => !scopesSupported.has(s) || (clientScopes && s !== 'openid' && !clientScopes.has(s)));
  if (refused.length) throw new HttpError(400, 'invalid_scope', `scope not allowed: ${refused.join(' ')}`);

  return {
    redirect_uri: redirectUri!,
    scope: [...new Set(scope)].join(' '),
    ...(raw.state !== undefined ? { state: raw.state } : {}),
    ...(raw.nonce !== undefined ? { nonce: raw.nonce } : {}),
    ...(raw.code_challenge !== undefined
      ? { code_challenge: raw.code_challenge, code_challenge_method: raw.code_challenge_method ?? 'S256' } : {}),
    ...(raw.response_mode !== undefined ? { response_mode: raw.response_mode } : {}),
    ...(bindIp ? { bind_ip: bindIp } : {}),
  };
}
