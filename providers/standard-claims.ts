/**
 * The OpenID claims a partner may assert for the ID token and userinfo
 * (contract §5): every standard claim the server's scopes release (see
 * `claims` in server/oidc/configuration.ts), each only with its standard JSON
 * type. The verified flags are read here too; the pipeline drops them for
 * partner subjects and keeps them for a client with trusted subjects.
 */
const STRING_CLAIMS = [
  'name', 'given_name', 'family_name', 'middle_name', 'nickname', 'preferred_username',
  'picture', 'locale', 'zoneinfo', 'email', 'phone_number',
];
const BOOLEAN_CLAIMS = ['email_verified', 'phone_number_verified'];

/** The standard claims of `source` with the right types; anything else stays payload data only. */
export function standardClaims(source: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of STRING_CLAIMS) if (typeof source[name] === 'string') out[name] = source[name];
  for (const name of BOOLEAN_CLAIMS) if (typeof source[name] === 'boolean') out[name] = source[name];
  if (typeof source.updated_at === 'number' && Number.isFinite(source.updated_at)) out.updated_at = source.updated_at;
  const address = source.address;
  if (address && typeof address === 'object' && !Array.isArray(address)) out.address = address;
  return out;
}
