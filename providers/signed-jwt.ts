/**
 * `signed-jwt`: the client signs a short-lived JWT about its user, either with
 * a key of its registered `jwks` or (HS256) with its client secret. The
 * signature is the client authentication, so `identify` names the client from
 * `iss` without a secret and `authenticate` proves it.
 */
import * as jose from 'jose';
import { defineProvider, HttpError, invalidGrant, jsonResponse } from './define.js';
import { standardClaims } from './standard-claims.js';

const invalidClient = () => new HttpError(401, 'invalid_client', 'client authentication failed');

export interface SignedJwtPayload {
  jws: string;
  header: jose.ProtectedHeaderParameters;
  claims: jose.JWTPayload;
}

const ASYMMETRIC = ['RS256', 'PS256', 'ES256', 'EdDSA'];
/** The methods by which a client proves it knows its secret; only these may sign HS256. */
const SECRET_METHODS = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];
/** jose failures that mean "the client's keys do not verify this JWS". */
const KEY_FAILURES = ['ERR_JWS_SIGNATURE_VERIFICATION_FAILED', 'ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS', 'ERR_JWS_INVALID', 'ERR_JWKS_INVALID', 'ERR_JWK_INVALID'];
const MAX_LIFETIME = 300;
const CLOCK_TOLERANCE = 30;

function decode(text: string): SignedJwtPayload {
  const jws = text.trim();
  try {
    return { jws, header: jose.decodeProtectedHeader(jws), claims: jose.decodeJwt(jws) };
  } catch {
    // jose's own message is fine, but a fixed one guarantees no token content leaks.
    throw new Error('payload is not a compact JWS with a JSON claims set');
  }
}

/** Short descriptions for jose's failures; none of them quotes the token. */
function rejection(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  switch ((err as { code?: string })?.code) {
    case 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED': return invalidGrant('JWS signature verification failed');
    case 'ERR_JWT_EXPIRED': return invalidGrant('the JWT has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED': return invalidGrant(`the "${(err as jose.errors.JWTClaimValidationFailed).claim}" claim is not acceptable`);
    case 'ERR_JOSE_ALG_NOT_ALLOWED': return invalidGrant('JWS algorithm not allowed');
    case 'ERR_JWKS_NO_MATCHING_KEY': return invalidGrant('no key of the client jwks matches the JWS header');
    case 'ERR_JWKS_MULTIPLE_MATCHING_KEYS': return invalidGrant('several keys of the client jwks match; set kid in the JWS header');
    case 'ERR_JWKS_INVALID': case 'ERR_JWK_INVALID': return invalidGrant('the client jwks is not usable');
    default: return invalidGrant('the JWT could not be verified');
  }
}

/**
 * The imported key sets of clients' `jwks`, by their JSON: importing keys
 * costs more than verifying with them, and a client's keys rarely change.
 * Keyed by content, so a changed `jwks` gets a fresh set at once; bounded,
 * oldest dropped first. Holds public keys only.
 */
const KEY_SETS = new Map<string, ReturnType<typeof jose.createLocalJWKSet>>();
const MAX_KEY_SETS = 500;

function keySetOf(jwks: jose.JSONWebKeySet): ReturnType<typeof jose.createLocalJWKSet> {
  const id = JSON.stringify(jwks);
  let set = KEY_SETS.get(id);
  if (!set) {
    set = jose.createLocalJWKSet(jwks);
    if (KEY_SETS.size >= MAX_KEY_SETS) KEY_SETS.delete(KEY_SETS.keys().next().value!);
    KEY_SETS.set(id, set);
  }
  return set;
}

const nonEmpty255 = { type: 'string', minLength: 1, maxLength: 255 };

export const signedJwt = defineProvider<SignedJwtPayload>({
  id: 'signed-jwt',
  subjects: 'partner',
  schema: {
    type: 'object',
    required: ['jws', 'header', 'claims'],
    properties: {
      jws: { type: 'string' },
      header: { type: 'object', required: ['alg'], properties: { alg: { type: 'string' } } },
      claims: {
        type: 'object',
        required: ['iss', 'aud', 'sub', 'exp', 'iat', 'jti'],
        properties: {
          iss: { type: 'string' },
          aud: { anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
          sub: nonEmpty255,
          exp: { type: 'integer' },
          iat: { type: 'integer' },
          jti: nonEmpty255,
        },
      },
    },
  },
  fromGrant: decode,
  native: {
    contentTypes: ['application/jwt'],
    parse: (req) => decode(req.body.toString('utf8')),
    // Runs before schema validation, so iss may be anything here.
    identify: (_req, payload) => (typeof payload.claims.iss === 'string' && payload.claims.iss
      ? { clientId: payload.claims.iss } : undefined),
    respond: jsonResponse,
  },
  async authenticate({ jws, header, claims }, ctx) {
    const alg = header.alg ?? '';
    const symmetric = alg === 'HS256';
    // Refuse `none` and every unlisted alg before looking at keys at all.
    if (!symmetric && !ASYMMETRIC.includes(alg)) throw invalidGrant('JWS algorithm not allowed');
    // In the grant channel the client authenticated at /token: it may only present its own JWTs.
    if (claims.iss !== ctx.client.clientId) throw invalidGrant('iss does not match the client');
    // At the native endpoint the signature is the client authentication, so a
    // JWS the client's keys cannot verify is a failed client authentication,
    // answered exactly like an unknown client. In the grant channel the client
    // already authenticated at /token, so it stays invalid_grant.
    const refuse = (description: string) => (ctx.channel === 'native' && !ctx.clientAuthenticated ? invalidClient() : invalidGrant(description));
    const { clientSecret, jwks } = ctx.client;
    if (symmetric && !SECRET_METHODS.includes(ctx.client.tokenEndpointAuthMethod ?? '')) {
      // A private_key_jwt client also has a generated secret, but it never uses
      // it: that secret must not become an HS256 key behind its back.
      throw refuse('HS256 is accepted only from clients that authenticate with a client secret');
    }
    if (symmetric && !clientSecret) throw refuse('HS256 needs a client secret; the client has none');
    if (!symmetric && !jwks?.keys?.length) throw refuse('the client has no jwks to verify the JWS with');

    const now = ctx.now();
    let verified: jose.JWTPayload;
    try {
      const options: jose.JWTVerifyOptions = {
        // One family per key kind: an HMAC secret never verifies an RSA/EC alg and vice versa.
        algorithms: symmetric ? ['HS256'] : ASYMMETRIC,
        issuer: ctx.client.clientId,
        audience: ctx.issuer,
        requiredClaims: ['sub', 'exp', 'iat', 'jti'],
        currentDate: new Date(now * 1000),
        clockTolerance: CLOCK_TOLERANCE,
      };
      ({ payload: verified } = symmetric
        ? await jose.jwtVerify(jws, new TextEncoder().encode(clientSecret), options)
        : await jose.jwtVerify(jws, keySetOf(jwks!), options));
    } catch (err) {
      const code = (err as { code?: string })?.code ?? '';
      throw KEY_FAILURES.includes(code) ? refuse(rejection(err).description ?? 'JWS signature verification failed') : rejection(err);
    }
    // iss = sub is the shape of a client assertion (RFC 7523): never accept one
    // as a user assertion, or a JWT made for /token could sign a user in.
    if (verified.sub === verified.iss) throw invalidGrant('sub must not equal iss (that is a client assertion, not a user assertion)');
    const exp = verified.exp!;
    // Short-lived only, so the jti memory (and a leaked token's value) stays bounded.
    if (exp > now + MAX_LIFETIME + CLOCK_TOLERANCE) throw invalidGrant(`exp must be at most ${MAX_LIFETIME} seconds ahead`);
    if (verified.iat! > now + CLOCK_TOLERANCE) throw invalidGrant('iat is in the future');
    // After the signature check, so a forged JWT cannot burn a jti; kept past exp + tolerance.
    if (!(await ctx.markUsed('jti', verified.jti!, exp + CLOCK_TOLERANCE + 300 /* margin: kept well past acceptance */))) throw invalidGrant('jti was already used');

    return {
      sub: verified.sub!,
      claims: standardClaims(verified),
      // RFC 8176 has no "federated assertion" value. The signature proves possession
      // of a client key (hardware or software is unknown), hence `pop`.
      amr: ['pop'],
      payload: verified,
    };
  },
});
