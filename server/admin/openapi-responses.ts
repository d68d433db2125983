/**
 * Shapes of admin API answers, for the OpenAPI document only. Request bodies
 * are described by the schemas the server validates them with (see
 * openapi.ts); answers are built by code, not validated, so their small
 * schemas live here, next to the generator, written from contract §3.
 */

export const ERROR = {
  type: 'object',
  description: 'OAuth error (RFC 6749 §5.2), with one `details` entry per failing field for validation errors',
  required: ['error'],
  properties: {
    error: { type: 'string', examples: ['invalid_request'] },
    error_description: { type: 'string' },
    details: {
      type: 'array',
      items: { type: 'object', required: ['field', 'message'], properties: { field: { type: 'string' }, message: { type: 'string' } } },
    },
  },
};

export const ACCOUNT = {
  type: 'object',
  required: ['sub', 'username', 'claims'],
  properties: {
    sub: { type: 'string', description: 'assigned by the server' },
    username: { type: 'string' },
    claims: { type: 'object', description: 'OpenID claims (email, name, …) served in ID tokens and userinfo' },
  },
};

export const HANDOFF = {
  type: 'object',
  description: 'An unredeemed handoff; never its code or payload',
  required: ['id', 'client_id', 'provider', 'sub', 'created_at', 'expires_at'],
  properties: {
    id: { type: 'string' },
    client_id: { type: 'string' },
    provider: { type: 'string' },
    sub: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    expires_at: { type: 'string', format: 'date-time' },
  },
};

export const REVOKED = {
  type: 'object',
  required: ['revoked'],
  properties: { revoked: { type: 'integer', minimum: 0, description: 'how many unredeemed handoffs were revoked' } },
};

export const ROTATED_KEYS = {
  type: 'object',
  required: ['kids'],
  properties: { kids: { type: 'array', items: { type: 'string' }, description: 'key ids of the new current signing keys, one per algorithm' } },
};

/** What a provider's native endpoint answers, before the provider encodes it. */
export const PREAUTH_RESULT = {
  type: 'object',
  required: ['preauth_url', 'expires_in'],
  properties: {
    preauth_url: { type: 'string', format: 'uri', description: 'the one-time URL to send the browser to (step 2)' },
    expires_in: { type: 'integer', description: 'seconds until the URL expires' },
  },
};

/** The step-1 authorization parameters, which native endpoints take in the query string (contract §4 b). */
export const AUTH_PARAM_DESCRIPTIONS: Record<string, string> = {
  redirect_uri: 'one of the client\'s redirect URIs; required when it has more than one',
  scope: 'space-separated scopes (default `openid`)',
  state: 'returned to the client with the authorization code',
  nonce: 'put into the ID token',
  code_challenge: 'PKCE S256 challenge; the code exchange then needs the verifier',
  code_challenge_method: '`S256`',
  response_mode: '`query`, `fragment` or `form_post`',
  bind_ip: 'with `preauth_bind_ip`: the client IP the URL redeems from',
};
