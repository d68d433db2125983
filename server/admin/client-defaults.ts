/**
 * What the server adds to client metadata before validating and storing it:
 * the extension defaults, the pre-auth grant type, and generated credentials.
 * Written into the stored record (not only filled in by oidc-provider's
 * validator at load time) so GET shows what is in force.
 */
import { randomBytes } from 'node:crypto';
import { fillExtensionDefaults, PREAUTH_GRANT, TOKEN_EXCHANGE_GRANT } from '../oidc/client-metadata.js';

type Metadata = Record<string, unknown>;

/** Set by the server only; a caller's value is ignored. */
export const SERVER_MANAGED = ['client_id_issued_at'] as const;

export function withoutServerManaged(input: Metadata): Metadata {
  const out = { ...input };
  for (const key of SERVER_MANAGED) delete out[key];
  return out;
}

/**
 * Extension defaults, and the step-1 grants for clients allowed a provider,
 * so callers need not know their URNs. What the caller listed is kept; values
 * of the wrong shape are left alone for validation to report.
 */
export function applyDefaults(metadata: Metadata): Metadata {
  fillExtensionDefaults(metadata);
  const providers = metadata.preauth_providers;
  if (Array.isArray(providers) && providers.length) {
    if (metadata.grant_types === undefined) metadata.grant_types = ['authorization_code'];
    // Both step-1 grants (custom and RFC 8693 token exchange) come together.
    for (const grant of [PREAUTH_GRANT, TOKEN_EXCHANGE_GRANT]) {
      if (Array.isArray(metadata.grant_types) && !metadata.grant_types.includes(grant)) {
        metadata.grant_types = [...metadata.grant_types, grant];
      }
    }
  }
  return metadata;
}

/**
 * A new client's id and secret when the caller sent none. Public clients
 * (`none`) get no secret; every other client gets one, which is also the key
 * of the HS256 and HMAC providers.
 */
export function withCredentials(metadata: Metadata): Metadata {
  metadata.client_id ??= randomBytes(16).toString('base64url');
  if (metadata.client_secret === undefined && metadata.token_endpoint_auth_method !== 'none') {
    metadata.client_secret = randomBytes(32).toString('base64url');
  }
  // RFC 7591 §3.2.1: required with a secret; 0 means it does not expire.
  if (metadata.client_secret !== undefined) metadata.client_secret_expires_at ??= 0;
  metadata.client_id_issued_at = Math.floor(Date.now() / 1000);
  return metadata;
}

/** Every answer but the creation one: the secret is shown once. */
export function withoutSecret(metadata: Metadata): Metadata {
  const { client_secret: _secret, ...rest } = metadata;
  return rest;
}
