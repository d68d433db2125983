/**
 * Layer 1 of client validation: the SHAPE of every field handoff knows,
 * checked all at once so a body with several mistakes gets one `details`
 * entry per field. oidc-provider's own rules (layer 2, validate-client.ts)
 * stop at the first problem, which is why this layer exists.
 *
 * Fields not listed here pass through untouched: RFC 7591 metadata is open
 * ended and oidc-provider judges the rest.
 */
import type { ErrorDetail } from '../errors.js';
import { EXTENSIONS } from '../oidc/client-metadata.js';
import { validate } from '../validation.js';

const strings = { type: 'array', items: { type: 'string' } } as const;

export function clientShapeSchema(providerIds: string[]): object {
  return {
    type: 'object',
    properties: {
      // Printable ASCII without spaces: ids sit in admin paths and HTTP Basic.
      // Never `|`: partner subjects are `<client_id>|<sub>`, which must split one way only.
      client_id: { type: 'string', minLength: 1, maxLength: 255, pattern: '^[\x21-\x7B\x7D\x7E]+$' },
      // Also the HS256 / HMAC key of the signed-jwt and hmac-form providers.
      client_secret: { type: 'string', minLength: 1, maxLength: 1024 },
      redirect_uris: strings,
      post_logout_redirect_uris: strings,
      grant_types: strings,
      response_types: strings,
      token_endpoint_auth_method: { type: 'string' },
      // oidc-provider silently skips keys it cannot use, so at least the key type is checked here.
      jwks: {
        type: 'object',
        required: ['keys'],
        properties: { keys: { type: 'array', items: { type: 'object', required: ['kty'], properties: { kty: { type: 'string' } } } } },
      },
      scope: { type: 'string' },
      client_name: { type: 'string' },
      ...Object.fromEntries(Object.entries(EXTENSIONS).map(([key, extension]) => [key, extension.schema])),
      preauth_providers: {
        ...EXTENSIONS.preauth_providers.schema,
        // an empty enum is not a valid schema; with no providers nothing is allowed
        items: providerIds.length ? { type: 'string', enum: providerIds } : { not: {} },
      },
    },
  };
}

/**
 * ajv names nested paths (`redirect_uris.1`); the admin is told about the
 * top-level field, with the inner position in the message, so each bad field
 * is exactly one entry.
 */
function perTopLevelField(details: ErrorDetail[]): ErrorDetail[] {
  const out = new Map<string, ErrorDetail>();
  for (const { field, message } of details) {
    const [top, ...inner] = field.split('.');
    if (!out.has(top)) out.set(top, { field: top, message: inner.length ? `at ${inner.join('.')}: ${message}` : message });
  }
  return [...out.values()];
}

/** ajv's enum message does not say which id is wrong; this one does. */
function explainProviders(detail: ErrorDetail, value: unknown, providerIds: string[]): ErrorDetail {
  if (detail.field !== 'preauth_providers' || !Array.isArray(value)) return detail;
  const unknown = value.filter((v) => typeof v === 'string' && !providerIds.includes(v));
  if (!unknown.length) return detail;
  return {
    field: detail.field,
    message: `unknown provider id${unknown.length > 1 ? 's' : ''} ${unknown.map((v) => JSON.stringify(v)).join(', ')} (known: ${providerIds.join(', ') || 'none'})`,
  };
}

/**
 * A public client (`none`) proves nothing at the token endpoint, so it may
 * not hold a secret (nothing would check it), may not use step 1 (which
 * needs an authenticated client), and always uses PKCE (contract §3).
 */
function publicClientProblems(metadata: Record<string, unknown>): ErrorDetail[] {
  if (metadata.token_endpoint_auth_method !== 'none') return [];
  const details: ErrorDetail[] = [];
  if (metadata.client_secret !== undefined) details.push({ field: 'client_secret', message: 'a public client (token_endpoint_auth_method "none") has no client_secret' });
  if (Array.isArray(metadata.preauth_providers) && metadata.preauth_providers.length) {
    details.push({ field: 'preauth_providers', message: 'a public client (token_endpoint_auth_method "none") cannot use pre-auth providers: step 1 needs an authenticated client' });
  }
  if (metadata.require_pkce === false) details.push({ field: 'require_pkce', message: 'a public client (token_endpoint_auth_method "none") always uses PKCE' });
  return details;
}

export function shapeProblems(schema: object, metadata: Record<string, unknown>, providerIds: string[]): ErrorDetail[] {
  const shape = perTopLevelField(validate(schema, metadata))
    .map((detail) => explainProviders(detail, metadata.preauth_providers, providerIds))
    .map((detail) => (detail.field === 'client_id' && detail.message.startsWith('must match pattern')
      ? { field: 'client_id', message: 'must be printable ASCII without spaces and without "|"' } : detail));
  const fields = new Set(shape.map((d) => d.field));
  return [...shape, ...publicClientProblems(metadata).filter((d) => !fields.has(d.field))];
}
