/**
 * The provider API. A provider is everything that differs between two-step
 * scenarios: how its request looks, its schema, how it proves who is asking
 * and who the user is, and how it answers. Everything that must stay the same
 * for all of them (size limit, client checks, storage, one-time codes) lives
 * in the shared pipeline under server/preauth and is not a provider's concern.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { JWK } from 'jose';
import type { ErrorBody } from '../server/errors.js';

export { HttpError, invalidGrant, invalidRequest } from '../server/errors.js';
export type { ErrorBody } from '../server/errors.js';

/** A provider-native request, after the shared size limit was applied. */
export interface NativeRequest {
  /** The body exactly as sent. */
  body: Buffer;
  /** Lower-case media type without parameters, e.g. `application/json`. */
  contentType: string;
  headers: IncomingHttpHeaders;
}

/** Who a native request says it comes from. */
export interface ClientIdentity {
  clientId: string;
  /**
   * A shared secret the request carried (HTTP Basic, a form field). When set,
   * the pipeline compares it with the client's secret and answers
   * `invalid_client` on mismatch. When absent, `authenticate` must prove the
   * client itself, with a signature.
   */
  secret?: string;
}

/** The registered client a request is made for, as providers need it. */
export interface PreauthClient {
  clientId: string;
  clientSecret?: string;
  jwks?: { keys: JWK[] };
  /** How the client authenticates at the token endpoint (`client_secret_basic`, `private_key_jwt`, …). */
  tokenEndpointAuthMethod?: string;
}

export interface AuthenticateContext {
  client: PreauthClient;
  /** The issuer identifier (an origin); the expected `aud` of signed payloads. */
  issuer: string;
  /** `grant`: the custom grant at /token; `native`: the provider's own endpoint. */
  channel: 'grant' | 'native';
  /** True when the client already proved itself (token endpoint auth, or a checked secret). */
  clientAuthenticated: boolean;
  /** Current time in unix seconds. */
  now(): number;
  /**
   * Records a single-use value (a `jti`, a `nonce`) for this client until
   * `expiresAt` (unix seconds). Returns false when it was seen before: a replay.
   */
  markUsed(kind: string, value: string, expiresAt: number): Promise<boolean>;
  /** Checks a local account's credentials; same cost for unknown users and wrong passwords. */
  verifyPassword(username: string, password: string): Promise<{ sub: string; claims: Record<string, unknown> } | undefined>;
}

export interface Authenticated {
  /** The subject as asserted; partner providers get it namespaced as `<client_id>|<sub>`. */
  sub: string;
  /** OpenID claims for the ID token and userinfo (email, name, …). */
  claims?: Record<string, unknown>;
  /** Authentication method references for the ID token's `amr`. */
  amr?: string[];
  /** What `GET /handoff` returns as `payload`: the accepted data, never credentials. */
  payload: unknown;
}

export interface PreauthResult {
  preauth_url: string;
  expires_in: number;
}

export interface NativeResponse {
  type: string;
  body: string | Buffer;
}

export interface ProviderDefinition<P = unknown> {
  /** URL-safe id: `/providers/{id}/preauth`, `acr` = `urn:handoff:preauth:{id}`. */
  id: string;
  /**
   * `account`: subjects are local accounts, used as they are.
   * `partner` (default): subjects live in the client's own namespace and
   * become `<client_id>|<sub>`, so no partner can sign in as anyone else's user.
   */
  subjects?: 'account' | 'partner';
  /** ajv (draft-07) JSON schema that the decoded payload must satisfy. */
  schema: object;
  /**
   * Decodes the custom grant's `payload` parameter. Omit for a native-only
   * provider: the grant then answers `invalid_request`. Throwing an Error
   * means the payload is malformed (`invalid_request`).
   */
  fromGrant?(payload: string): P;
  native: {
    /** Accepted media types; anything else is `invalid_request`. */
    contentTypes: string[];
    /** Decodes the body; throwing means malformed (`invalid_request`). */
    parse(req: NativeRequest): P;
    /** Names the client; undefined means `invalid_client`. */
    identify(req: NativeRequest, payload: P): ClientIdentity | undefined;
    respond(result: PreauthResult): NativeResponse;
    /** Error answers in the native format; JSON of RFC 6749 when omitted. */
    respondError?(error: ErrorBody, status: number): NativeResponse;
  };
  /**
   * Checks the credentials or signature in the payload. Throw `invalidGrant`
   * (or any Error, which becomes `invalid_grant`) to reject; throw
   * `invalidRequest` for a payload that is well-formed JSON but unusable.
   */
  authenticate(payload: P, ctx: AuthenticateContext): Promise<Authenticated>;
}

export type Provider = ProviderDefinition<any>;

const ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** Checks a definition once, at registration, so mistakes fail at start. */
export function defineProvider<P>(definition: ProviderDefinition<P>): ProviderDefinition<P> {
  if (!ID.test(definition.id)) throw new TypeError(`provider id ${JSON.stringify(definition.id)} must match ${ID}`);
  if (typeof definition.authenticate !== 'function') throw new TypeError(`provider ${definition.id}: authenticate is required`);
  if (!definition.native || typeof definition.native.parse !== 'function' || typeof definition.native.identify !== 'function'
    || typeof definition.native.respond !== 'function' || !definition.native.contentTypes?.length) {
    throw new TypeError(`provider ${definition.id}: native.contentTypes, parse, identify and respond are required`);
  }
  if (!definition.schema || typeof definition.schema !== 'object') throw new TypeError(`provider ${definition.id}: schema is required`);
  return Object.freeze({ subjects: 'partner', ...definition });
}

/** Reads HTTP Basic client credentials (RFC 6749 §2.3.1: form-encoded parts). */
export function basicCredentials(headers: IncomingHttpHeaders): ClientIdentity | undefined {
  const match = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(headers.authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 1) return undefined;
  try {
    return {
      clientId: decodeURIComponent(decoded.slice(0, colon).replace(/\+/g, ' ')),
      secret: decodeURIComponent(decoded.slice(colon + 1).replace(/\+/g, ' ')),
    };
  } catch {
    return undefined;
  }
}

export const jsonResponse = (result: PreauthResult): NativeResponse => ({
  type: 'application/json',
  body: JSON.stringify({ preauth_url: result.preauth_url, expires_in: result.expires_in }),
});
