/**
 * handoff's client metadata extensions (contract §3), described once: the
 * admin API's shape schema, the defaults written into stored clients, and
 * oidc-provider's per-property validator all come from EXTENSIONS.
 * oidc-provider calls the validator on every client it constructs, so the
 * defaults hold for clients from any source.
 */
import { errors, type Client } from 'oidc-provider';
import { validate } from '../validation.js';

export const PREAUTH_GRANT = 'urn:handoff:grant-type:preauth';
/** RFC 8693: the same step 1 through the standard grant (contract §4 c). */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

export const PREAUTH_TTL = { default: 120, min: 10, max: 600 } as const;
export const PREAUTH_MAX_PENDING = { default: 1000, min: 1, max: 100_000 } as const;

/** The extensions as a client carries them once validated (defaults filled in). */
export interface ClientExtensions {
  preauth_providers: string[];
  preauth_ttl: number;
  preauth_redemption: 'get' | 'confirm';
  preauth_bind_ip: boolean;
  preauth_fallback: boolean;
  preauth_trusted_subjects: boolean;
  preauth_max_pending: number;
  first_party: boolean;
  require_pkce: boolean;
}

interface Extension {
  /** JSON schema of the value; the provider-id list is checked separately. */
  schema: object;
  default: unknown;
}

const boolean = (fallback: boolean): Extension => ({ schema: { type: 'boolean' }, default: fallback });

export const EXTENSIONS: Record<keyof ClientExtensions, Extension> = {
  preauth_providers: { schema: { type: 'array', uniqueItems: true, items: { type: 'string' } }, default: [] },
  preauth_ttl: { schema: { type: 'integer', minimum: PREAUTH_TTL.min, maximum: PREAUTH_TTL.max }, default: PREAUTH_TTL.default },
  preauth_redemption: { schema: { type: 'string', enum: ['get', 'confirm'] }, default: 'get' },
  preauth_bind_ip: boolean(false),
  preauth_fallback: boolean(false),
  preauth_trusted_subjects: boolean(false),
  preauth_max_pending: {
    schema: { type: 'integer', minimum: PREAUTH_MAX_PENDING.min, maximum: PREAUTH_MAX_PENDING.max },
    default: PREAUTH_MAX_PENDING.default,
  },
  first_party: boolean(false),
  require_pkce: boolean(true),
};

export const EXTRA_CLIENT_METADATA = Object.keys(EXTENSIONS) as (keyof ClientExtensions)[];

const copy = <T>(value: T): T => (Array.isArray(value) ? ([...value] as T) : value);

/** Fills every missing extension with its default, in place. */
export function fillExtensionDefaults(metadata: Record<string, unknown>): Record<string, unknown> {
  for (const [key, extension] of Object.entries(EXTENSIONS)) metadata[key] ??= copy(extension.default);
  return metadata;
}

/** A validated client's extensions; oidc-provider keeps them as plain properties. */
export function extensionsOf(client: Client): ClientExtensions {
  const values = client as unknown as Partial<ClientExtensions>;
  const out = {} as Record<string, unknown>;
  for (const [key, extension] of Object.entries(EXTENSIONS)) {
    out[key] = values[key as keyof ClientExtensions] ?? extension.default;
  }
  return out as unknown as ClientExtensions;
}

export function clientMetadataValidator(providerIds: () => string[]) {
  return function validateExtension(_ctx: unknown, key: string, value: unknown, metadata: Record<string, unknown>): void {
    const extension = EXTENSIONS[key as keyof ClientExtensions];
    if (!extension) return;
    if (value === undefined) {
      metadata[key] = copy(extension.default);
      return;
    }
    const [problem] = validate(extension.schema, value);
    if (problem) throw new errors.InvalidClientMetadata(`${key} ${problem.message}`);
    if (key === 'preauth_providers') {
      const unknown = (value as string[]).filter((id) => !providerIds().includes(id));
      if (unknown.length) throw new errors.InvalidClientMetadata(`preauth_providers has unknown provider ids: ${unknown.join(', ')}`);
    }
  };
}
