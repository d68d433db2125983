/**
 * The OpenID `claims` request parameter is JSON that oidc-provider parses and
 * later serialises (into a PAR request object, codes and tokens). Too deep a
 * value would overflow the stack there and end in a 500, so it gets the same
 * depth limit as every other JSON the server takes in. Replacing the hook
 * replaces oidc-provider's default check, which is kept here as it was.
 */
import { errors, type ClaimsParameter, type KoaContextWithOIDC } from 'oidc-provider';
import { MAX_JSON_DEPTH, nestedDeeperThan } from '../json-depth.js';

const isJsonObject = (value: unknown) => !!value && typeof value === 'object' && !Array.isArray(value);

export async function assertClaimsParameter(_ctx: KoaContextWithOIDC, parameter: ClaimsParameter): Promise<void> {
  const claims = parameter as Record<string, unknown>;
  if (nestedDeeperThan(claims)) throw new errors.InvalidRequest(`the claims parameter is nested deeper than ${MAX_JSON_DEPTH} levels`);
  // oidc-provider's default check
  for (const container of ['userinfo', 'id_token']) {
    if (claims[container] !== undefined) {
      for (const value of Object.values(claims[container] as object)) {
        if (value !== null && !isJsonObject(value)) throw new errors.InvalidRequest(`claims.${container} members must be null or objects`);
      }
    }
  }
}
