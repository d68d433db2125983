/**
 * handoff's client metadata extensions. oidc-provider calls the validator for
 * each property on every client it constructs, so defaults filled in here
 * hold for clients from any source.
 */
import { errors } from 'oidc-provider';

export const PREAUTH_GRANT = 'urn:handoff:grant-type:preauth';
export const EXTRA_CLIENT_METADATA = ['preauth_providers', 'preauth_ttl', 'first_party'] as const;

export const PREAUTH_TTL = { default: 120, min: 10, max: 600 } as const;

export function clientMetadataValidator(providerIds: () => string[]) {
  return function validate(_ctx: unknown, key: string, value: unknown, metadata: Record<string, unknown>): void {
    switch (key) {
      case 'preauth_providers': {
        if (value === undefined) {
          metadata.preauth_providers = [];
          return;
        }
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
          throw new errors.InvalidClientMetadata('preauth_providers must be an array of provider ids');
        }
        const unknown = value.filter((id) => !providerIds().includes(id));
        if (unknown.length) throw new errors.InvalidClientMetadata(`preauth_providers has unknown provider ids: ${unknown.join(', ')}`);
        return;
      }
      case 'preauth_ttl':
        if (value === undefined) {
          metadata.preauth_ttl = PREAUTH_TTL.default;
          return;
        }
        if (!Number.isInteger(value) || (value as number) < PREAUTH_TTL.min || (value as number) > PREAUTH_TTL.max) {
          throw new errors.InvalidClientMetadata(`preauth_ttl must be an integer from ${PREAUTH_TTL.min} to ${PREAUTH_TTL.max}`);
        }
        return;
      case 'first_party':
        if (value === undefined) metadata.first_party = false;
        else if (typeof value !== 'boolean') throw new errors.InvalidClientMetadata('first_party must be a boolean');
        return;
      default:
    }
  };
}
