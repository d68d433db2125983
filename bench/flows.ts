/**
 * One unit of work per target, as a real client and browser do it:
 * A, a complete two-step login (signed-jwt ES256 step 1, the redemption in a
 * fresh cookie jar, the code exchange with PKCE and a verified ES256 ID
 * token); B, the anchor's authorization-code flow with the same client-side
 * work; C, one client_credentials grant. Each counts the HTTP requests it made.
 */
import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import * as jose from 'jose';
import { Browser } from '../test/support/browser.js';
import { ANCHOR_CLIENT, ANCHOR_REDIRECT } from './anchor-client.js';
import { BENCH_ADMIN_TOKEN } from './processes.js';

export const REDIRECT_URI = 'https://rp.example/cb';
/** Distinct partner users, so accounts and sessions are not all one record. */
export const USERS = 1000;

export interface Sample {
  /** The redemption request (A), or the authorization request that issues the code (B). */
  keyMs: number;
}

export interface Target {
  name: string;
  /** HTTP requests made so far. */
  requests: number;
  one(): Promise<Sample | undefined>;
}

async function admin(issuer: string, path: string, body: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${issuer}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = await res.json() as Record<string, any>;
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** openid-client for a server, verifying ID-token signatures, counting its requests into `target`. */
async function relyingParty(issuer: string, clientId: string, secret: string, target: { requests: number }) {
  const counted: client.CustomFetch = (url, options) => {
    target.requests += 1;
    return fetch(url, options as RequestInit);
  };
  const config = await client.discovery(new URL(issuer), clientId, { client_secret: secret, id_token_signed_response_alg: 'ES256' },
    client.ClientSecretBasic(secret), { execute: [client.allowInsecureRequests], [client.customFetch]: counted });
  client.enableNonRepudiationChecks(config);
  return config;
}

/**
 * Follows a browser from `start` to the client's redirect_uri, timing the
 * request `isKey` picks. Returns the callback URL (never requested) and that time.
 */
async function walk(browser: Browser, start: string, isKey: (url: URL, hop: number) => boolean): Promise<{ callback: URL; keyMs: number }> {
  let url = new URL(start);
  let keyMs = NaN;
  for (let hop = 0; hop < 10; hop++) {
    const began = performance.now();
    const res = await browser.get(url);
    if (isKey(url, hop)) keyMs = performance.now() - began;
    await res.body?.cancel();
    const location = res.headers.get('location');
    if (res.status < 300 || res.status > 399 || !location) throw new Error(`${url.pathname} answered ${res.status}, not a redirect`);
    url = new URL(location, url);
    if (url.origin !== browser.origin) return { callback: url, keyMs };
  }
  throw new Error('too many redirects');
}

function checks() {
  const verifier = client.randomPKCECodeVerifier();
  return { verifier, state: client.randomState(), nonce: client.randomNonce() };
}

async function exchange(config: client.Configuration, callback: URL, c: Checks) {
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: c.verifier, expectedState: c.state, expectedNonce: c.nonce, idTokenExpected: true,
  });
  if (!tokens.claims()?.sub) throw new Error('no ID token subject');
}

type Checks = ReturnType<typeof checks>;

/** The three parts of a two-step login, separately, for benches that time one of them. */
export interface TwoStepClient {
  counter: { requests: number };
  /** Step 1 (signed-jwt, ES256, native endpoint): the pre-auth URL and the checks the RP keeps. */
  step1(): Promise<{ url: string; checks: Checks }>;
  /** Step 2 in a fresh cookie jar, timing GET /preauth/<code>. */
  redeem(url: string): Promise<{ callback: URL; keyMs: number }>;
  /** The code exchange, with the ID token verified. */
  exchange(callback: URL, checks: Checks): Promise<void>;
}

export async function twoStepClient(issuer: string): Promise<TwoStepClient> {
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
  const kid = 'bench-es256';
  const registered = await admin(issuer, '/admin/clients', {
    client_name: 'bench two-step',
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    scope: 'openid profile',
    preauth_providers: ['signed-jwt'],
    preauth_max_pending: 100_000,
    jwks: { keys: [{ ...(await jose.exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' }] },
    id_token_signed_response_alg: 'ES256',
  });
  const clientId = registered.client_id as string;
  const counter = { requests: 0 };
  const config = await relyingParty(issuer, clientId, registered.client_secret, counter);
  let n = 0;
  return {
    counter,
    async step1() {
      const c = checks();
      const now = Math.floor(Date.now() / 1000);
      const jws = await new jose.SignJWT({ jti: randomUUID(), name: 'Bench User' })
        .setProtectedHeader({ alg: 'ES256', kid })
        .setIssuer(clientId).setAudience(issuer).setSubject(`user-${n++ % USERS}`)
        .setIssuedAt(now).setExpirationTime(now + 120)
        .sign(privateKey);
      const query = new URLSearchParams({
        redirect_uri: REDIRECT_URI, scope: 'openid', state: c.state, nonce: c.nonce,
        code_challenge: await client.calculatePKCECodeChallenge(c.verifier), code_challenge_method: 'S256',
      });
      counter.requests += 1;
      const res = await fetch(`${issuer}/providers/signed-jwt/preauth?${query}`, { method: 'POST', headers: { 'content-type': 'application/jwt' }, body: jws });
      const body = await res.json() as { preauth_url?: string };
      if (res.status !== 200 || !body.preauth_url) throw new Error(`step 1: ${res.status} ${JSON.stringify(body)}`);
      return { url: body.preauth_url, checks: c };
    },
    async redeem(url) {
      const browser = new Browser(issuer);
      const result = await walk(browser, url, (_url, hop) => hop === 0);
      counter.requests += browser.history.length;
      return result;
    },
    exchange: (callback, c) => exchange(config, callback, c),
  };
}

/** A: complete two-step logins against handoff. */
export async function twoStepTarget(issuer: string): Promise<Target> {
  const steps = await twoStepClient(issuer);
  const target: Target = {
    name: 'two-step',
    get requests() { return steps.counter.requests; },
    async one() {
      const { url, checks: c } = await steps.step1();
      const { callback, keyMs } = await steps.redeem(url);
      await steps.exchange(callback, c);
      return { keyMs };
    },
  };
  return target;
}

/** B: the anchor's authorization-code flow. */
export async function anchorTarget(issuer: string): Promise<Target> {
  const target: Target = { name: 'anchor', requests: 0, one: async () => undefined };
  const config = await relyingParty(issuer, ANCHOR_CLIENT.client_id, ANCHOR_CLIENT.client_secret, target);
  target.one = async () => {
    const c = checks();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: ANCHOR_REDIRECT, scope: 'openid', state: c.state, nonce: c.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(c.verifier), code_challenge_method: 'S256',
    });
    const browser = new Browser(issuer);
    // The resume request (`/auth/<uid>`) is the one that issues the code.
    const { callback, keyMs } = await walk(browser, url.href, (u) => /^\/auth\/[^/]+$/.test(u.pathname));
    target.requests += browser.history.length;
    await exchange(config, callback, c);
    return { keyMs };
  };
  return target;
}

/** C: client_credentials grants against handoff, the yardstick. */
export async function clientCredentialsTarget(issuer: string): Promise<Target> {
  const registered = await admin(issuer, '/admin/clients', {
    client_name: 'bench client_credentials',
    redirect_uris: [],
    grant_types: ['client_credentials'],
    response_types: [],
  });
  const auth = `Basic ${Buffer.from(`${encodeURIComponent(registered.client_id)}:${encodeURIComponent(registered.client_secret)}`).toString('base64')}`;
  const target: Target = {
    name: 'client_credentials',
    requests: 0,
    async one() {
      target.requests += 1;
      const res = await fetch(`${issuer}/token`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=client_credentials',
      });
      const body = await res.json() as { access_token?: string };
      if (res.status !== 200 || !body.access_token) throw new Error(`client_credentials: ${res.status} ${JSON.stringify(body)}`);
      return undefined;
    },
  };
  return target;
}
