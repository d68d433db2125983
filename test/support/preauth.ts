/**
 * Building blocks for two-step login tests: a client and accounts made through
 * the admin API, openid-client as the relying party, and payload makers for
 * the built-in providers.
 */
import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import * as jose from 'jose';
import { hmacFormSignature } from '../../providers/hmac-form.js';
import type { TestServer } from './server.js';

/** What these helpers need of a running server. */
type Server = Pick<TestServer, 'issuer' | 'admin'>;

export const REDIRECT_URI = 'https://rp.example/cb';
export const PREAUTH_GRANT = 'urn:handoff:grant-type:preauth';

export interface RegisteredClient {
  client_id: string;
  client_secret: string;
  [key: string]: unknown;
}

export async function registerClient(server: Server, metadata: Record<string, unknown> = {}): Promise<RegisteredClient> {
  const { status, body } = await server.admin('POST', '/admin/clients', {
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token', PREAUTH_GRANT],
    response_types: ['code'],
    scope: 'openid email profile offline_access',
    preauth_providers: ['password', 'signed-jwt', 'hmac-form'],
    ...metadata,
  });
  if (status !== 201) throw new Error(`client registration failed: ${status} ${JSON.stringify(body)}`);
  return body;
}

export async function createAccount(server: Server, username: string, password: string, claims: Record<string, unknown> = {}) {
  const { status, body } = await server.admin('POST', '/admin/accounts', { username, password, claims });
  if (status !== 201) throw new Error(`account creation failed: ${status} ${JSON.stringify(body)}`);
  return body as { sub: string; username: string; claims: Record<string, unknown> };
}

export const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

/** openid-client's view of a registered client. */
export function relyingParty(server: Server, rp: RegisteredClient): Promise<client.Configuration> {
  return client.discovery(new URL(server.issuer), rp.client_id, rp.client_secret, undefined, { execute: [client.allowInsecureRequests] });
}

export async function pkce() {
  const verifier = client.randomPKCECodeVerifier();
  return { verifier, challenge: await client.calculatePKCECodeChallenge(verifier) };
}

/** Step 1a with a plain HTTP request, to see status and body exactly. */
export async function grantRequest(server: Server, rp: RegisteredClient, params: Record<string, string>, auth = basic(rp.client_id, rp.client_secret)) {
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
    body: new URLSearchParams({ grant_type: PREAUTH_GRANT, ...params }),
  });
  return { status: res.status, body: await res.json() as Record<string, any>, headers: res.headers };
}

/** Step 1b; query holds the authorization parameters. */
export async function nativeRequest(server: Server, provider: string, body: string | Buffer, type: string, init: { query?: Record<string, string>; auth?: string } = {}) {
  const url = new URL(`/providers/${provider}/preauth`, server.issuer);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': type, ...(init.auth ? { authorization: init.auth } : {}) },
    body,
  });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}

export const passwordPayload = (username: string, password: string, data?: unknown) =>
  JSON.stringify({ username, password, ...(data === undefined ? {} : { data }) });

/** A signed-jwt payload; `key` is a secret string (HS256) or a private key. */
export async function signedJwt(server: Server, rp: RegisteredClient, claims: Record<string, unknown>, opts: { alg?: string; key?: jose.CryptoKey | Uint8Array; kid?: string } = {}) {
  const now = Math.floor(Date.now() / 1000);
  const alg = opts.alg ?? 'HS256';
  const key = opts.key ?? new TextEncoder().encode(rp.client_secret);
  return new jose.SignJWT({ jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg, ...(opts.kid ? { kid: opts.kid } : {}) })
    .setIssuer(rp.client_id)
    .setAudience(server.issuer)
    .setIssuedAt(now)
    .setExpirationTime(now + 120)
    .sign(key);
}

/** A signed hmac-form body. */
export function hmacBody(rp: RegisteredClient, fields: Record<string, string>, secret = rp.client_secret): string {
  const all: Record<string, string> = { client_id: rp.client_id, ts: String(Math.floor(Date.now() / 1000)), nonce: randomUUID(), ...fields };
  return new URLSearchParams({ ...all, sig: hmacFormSignature(all, secret) }).toString();
}

/** The code at the end of a redemption, exchanged by openid-client. */
export function exchange(config: client.Configuration, callback: string, checks: { verifier?: string; state?: string; nonce?: string }) {
  return client.authorizationCodeGrant(config, new URL(callback), {
    pkceCodeVerifier: checks.verifier,
    expectedState: checks.state ?? client.skipStateCheck,
    expectedNonce: checks.nonce,
    idTokenExpected: true,
  });
}

export async function readHandoff(server: Server, accessToken: string) {
  const res = await fetch(`${server.issuer}/handoff`, { headers: { authorization: `Bearer ${accessToken}` } });
  return { status: res.status, body: await res.json() as Record<string, any> };
}
