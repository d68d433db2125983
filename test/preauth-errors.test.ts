/**
 * Step 1 over real HTTP, mostly what it refuses: the custom grant at /token
 * and the provider-native endpoints, each answer checked against the outside
 * contract (§4–§5) for its exact status, error code and format. Every check
 * runs on the embedded store; a handful run again on MongoDB.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import * as jose from 'jose';
import * as oauth from 'oauth4webapi';
import { pino } from 'pino';
import { Browser } from './support/browser.js';
import {
  basic, createAccount, exchange, grantRequest, hmacBody, nativeRequest, passwordPayload, pkce, readHandoff,
  registerClient, relyingParty, PREAUTH_GRANT, REDIRECT_URI, type RegisteredClient,
} from './support/preauth.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

const FORM = 'application/x-www-form-urlencoded';
const TOKEN_TYPE = 'urn:handoff:token-type:preauth-code';

interface Env {
  server: TestServer;
  /** Allowed password, signed-jwt and hmac-form; one redirect_uri; default preauth_ttl. */
  rp: RegisteredClient;
  account: { sub: string; username: string; password: string };
}

// ---------------------------------------------------------------- helpers

const now = () => Math.floor(Date.now() / 1000);

/** Claims of a valid signed-jwt payload for `rp`; an override of `undefined` drops the claim. */
function claimsFor(server: TestServer, rp: RegisteredClient, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const t = now();
  const all: Record<string, unknown> = { iss: rp.client_id, aud: server.issuer, sub: 'partner-user', iat: t, exp: t + 120, jti: randomUUID(), ...overrides };
  return Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined));
}

/** A JWS over exactly `claims` (no defaults added). */
function sign(claims: Record<string, unknown>, key: jose.CryptoKey | Uint8Array, alg = 'HS256', kid?: string): Promise<string> {
  return new jose.SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
}

const secretKey = (rp: RegisteredClient) => new TextEncoder().encode(rp.client_secret);

/** An HS256 signed-jwt payload of `rp`. */
const hsJwt = (server: TestServer, rp: RegisteredClient, overrides: Record<string, unknown> = {}) =>
  sign(claimsFor(server, rp, overrides), secretKey(rp));

/** Native JSON answer: status, media type and the parsed body. */
async function nativeJson(server: TestServer, provider: string, body: string | Buffer, type: string, init: Parameters<typeof nativeRequest>[4] = {}) {
  const res = await nativeRequest(server, provider, body, type, init);
  let json: Record<string, any>;
  try {
    json = JSON.parse(res.text);
  } catch {
    assert.fail(`expected a JSON body, got ${res.status} ${res.type}: ${res.text.slice(0, 300)}`);
  }
  return { status: res.status, type: res.type, body: json };
}

/** Native hmac-form answer, parsed as a form. */
async function nativeForm(server: TestServer, body: string, type = FORM, init: Parameters<typeof nativeRequest>[4] = {}) {
  const res = await nativeRequest(server, 'hmac-form', body, type, init);
  return { status: res.status, type: res.type, text: res.text, form: new URLSearchParams(res.text) };
}

function assertOAuthError(res: { status: number; body: Record<string, any> }, status: number, error: string, what = '') {
  assert.equal(res.status, status, `${what} status; body: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error, error, `${what} error; body: ${JSON.stringify(res.body)}`);
  assert.equal(typeof res.body.error_description, 'string', `${what} error_description`);
}

/** An hmac-form error: form-encoded `error=…&error_description=…`, never JSON. */
function assertFormError(res: Awaited<ReturnType<typeof nativeForm>>, status: number, error: string) {
  assert.equal(res.status, status, `status; body: ${res.text}`);
  assert.match(res.type, /^application\/x-www-form-urlencoded\b/, `content type; body: ${res.text}`);
  assert.ok(!res.text.trimStart().startsWith('{'), `form-encoded, not JSON: ${res.text}`);
  assert.deepEqual([...res.form.keys()], ['error', 'error_description'], res.text);
  assert.equal(res.form.get('error'), error, res.text);
  assert.ok(res.form.get('error_description'), 'error_description is not empty');
}

function assertDetails(body: Record<string, any>, ...fields: (string | RegExp)[]) {
  assert.ok(Array.isArray(body.details) && body.details.length > 0, `details: ${JSON.stringify(body)}`);
  const names: string[] = body.details.map((d: { field: string }) => d.field);
  for (const field of fields) {
    assert.ok(names.some((n) => (typeof field === 'string' ? n === field : field.test(n))), `details name ${field}: ${JSON.stringify(body.details)}`);
  }
}

function assertPreauthUrl(server: TestServer, url: unknown): string {
  assert.equal(typeof url, 'string');
  const prefix = `${server.issuer}/preauth/`;
  assert.ok((url as string).startsWith(prefix), `${url} is under ${prefix}`);
  const code = (url as string).slice(prefix.length);
  assert.match(code, /^[A-Za-z0-9_-]{20,}$/);
  return code;
}

async function asymmetricKey(alg: string, kid: string) {
  const { publicKey, privateKey } = await jose.generateKeyPair(alg, { extractable: true });
  return { alg, kid, privateKey, jwk: { ...(await jose.exportJWK(publicKey)), kid } };
}

let accountCount = 0;
async function setUp(kind: StoreKind): Promise<Env> {
  const server = await startServer({ kind });
  const rp = await registerClient(server);
  accountCount += 1;
  const username = `alice-${kind}-${accountCount}`;
  const password = `correct horse ${randomUUID()}`;
  const created = await createAccount(server, username, password, { email: `${username}@example.com` });
  return { server, rp, account: { sub: created.sub, username, password } };
}

// ---------------------------------------------------------------- the checks

type Check = (env: Env) => Promise<void>;

const checks: Record<string, Check> = {
  // ---- custom grant: client and provider
  async 'grant: wrong client secret → 401 invalid_client'({ server, rp, account }) {
    const res = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(account.username, account.password) },
      basic(rp.client_id, `${rp.client_secret}-wrong`));
    assertOAuthError(res, 401, 'invalid_client');
  },

  async 'grant: provider not in preauth_providers → 400 unauthorized_client'({ server }) {
    const rp = await registerClient(server, { preauth_providers: ['password'] });
    const res = await grantRequest(server, rp, { provider: 'signed-jwt', payload: await hsJwt(server, rp) });
    assertOAuthError(res, 400, 'unauthorized_client');
  },

  async 'grant: unknown provider id → 400 unauthorized_client'({ server, rp }) {
    const res = await grantRequest(server, rp, { provider: 'nope', payload: 'x' });
    assertOAuthError(res, 400, 'unauthorized_client');
  },

  async 'grant: provider missing → 400 invalid_request'({ server, rp, account }) {
    const res = await grantRequest(server, rp, { payload: passwordPayload(account.username, account.password) });
    assertOAuthError(res, 400, 'invalid_request');
  },

  async 'grant: payload missing → 400 invalid_request'({ server, rp }) {
    const res = await grantRequest(server, rp, { provider: 'password' });
    assertOAuthError(res, 400, 'invalid_request');
  },

  async 'grant: hmac-form is native-only → 400 invalid_request'({ server, rp }) {
    const res = await grantRequest(server, rp, { provider: 'hmac-form', payload: hmacBody(rp, { sub: 'u-1' }) });
    assertOAuthError(res, 400, 'invalid_request');
  },

  // ---- custom grant: password payloads
  async 'grant: password payload that is not JSON → 400 invalid_request'({ server, rp }) {
    const res = await grantRequest(server, rp, { provider: 'password', payload: 'username=alice&password=x' });
    assertOAuthError(res, 400, 'invalid_request');
  },

  async 'grant: password payload failing the schema → 400 invalid_request naming each field'({ server, rp }) {
    const res = await grantRequest(server, rp, { provider: 'password', payload: JSON.stringify({ username: 42 }) });
    assertOAuthError(res, 400, 'invalid_request');
    assertDetails(res.body, 'password', 'username');
  },

  async 'grant: wrong password and unknown user → 400 invalid_grant, same description'({ server, rp, account }) {
    const wrong = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(account.username, `${account.password}!`) });
    assertOAuthError(wrong, 400, 'invalid_grant', 'wrong password');
    const unknown = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(`nobody-${randomUUID()}`, account.password) });
    assertOAuthError(unknown, 400, 'invalid_grant', 'unknown user');
    assert.equal(unknown.body.error_description, wrong.body.error_description, 'no account enumeration');
  },

  // ---- custom grant: authorization parameters
  async 'grant: unregistered redirect_uri → 400 invalid_request'({ server, rp, account }) {
    const res = await grantRequest(server, rp, {
      provider: 'password', payload: passwordPayload(account.username, account.password), redirect_uri: 'https://not-registered.example/cb',
    });
    assertOAuthError(res, 400, 'invalid_request');
  },

  async 'grant: no redirect_uri for a client with two → 400 invalid_request'({ server, account }) {
    const rp = await registerClient(server, { redirect_uris: [REDIRECT_URI, 'https://rp.example/other'] });
    const res = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(account.username, account.password) });
    assertOAuthError(res, 400, 'invalid_request');
    const ok = await grantRequest(server, rp, {
      provider: 'password', payload: passwordPayload(account.username, account.password), redirect_uri: 'https://rp.example/other',
    });
    assert.equal(ok.status, 200, `naming one of them works: ${JSON.stringify(ok.body)}`);
  },

  async 'grant: code_challenge_method=plain → 400 invalid_request'({ server, rp, account }) {
    const { verifier } = await pkce();
    const res = await grantRequest(server, rp, {
      provider: 'password', payload: passwordPayload(account.username, account.password), code_challenge: verifier, code_challenge_method: 'plain',
    });
    assertOAuthError(res, 400, 'invalid_request');
  },

  async 'grant: scope without openid → 400 invalid_scope'({ server, rp, account }) {
    const res = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(account.username, account.password), scope: 'email profile' });
    assertOAuthError(res, 400, 'invalid_scope');
  },

  // ---- custom grant: the answer
  async 'grant: success is a token-exchange-shaped answer'({ server, account }) {
    const rp = await registerClient(server, { preauth_ttl: 300 });
    const res = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(account.username, account.password) });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.headers.get('content-type') ?? '', /^application\/json\b/);
    assert.deepEqual(Object.keys(res.body).sort(), ['access_token', 'expires_in', 'issued_token_type', 'preauth_url', 'token_type']);
    const code = assertPreauthUrl(server, res.body.preauth_url);
    assert.equal(res.body.expires_in, 300, "expires_in is the client's preauth_ttl");
    assert.equal(res.body.access_token, code, 'access_token is the code at the end of preauth_url');
    assert.equal(res.body.token_type, 'N_A');
    assert.equal(res.body.issued_token_type, TOKEN_TYPE);
  },

  // openid-client's genericGrantRequest only accepts `N_A` for the token-exchange
  // grant type, so the generic path is taken one level down, in oauth4webapi
  // (the library under openid-client), which accepts it when told the type.
  async 'grant: a generic OAuth library (oauth4webapi) accepts the answer'({ server, rp, account }) {
    const issuer = new URL(server.issuer);
    const insecure = { [oauth.allowInsecureRequests]: true };
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
    const response = await oauth.genericTokenEndpointRequest(as, { client_id: rp.client_id }, oauth.ClientSecretBasic(rp.client_secret), PREAUTH_GRANT,
      new URLSearchParams({ provider: 'password', payload: passwordPayload(account.username, account.password) }), insecure);
    const result = await oauth.processGenericTokenEndpointResponse(as, { client_id: rp.client_id }, response, { recognizedTokenTypes: { n_a: () => {} } });
    assertPreauthUrl(server, result.preauth_url as string);
    assert.equal(result.expires_in, 120);
    assert.equal(result.issued_token_type, TOKEN_TYPE);
  },

  // ---- signed-jwt, at both channels
  async 'signed-jwt: alg none → 400 invalid_grant'({ server, rp }) {
    for (const channel of ['native', 'grant'] as const) {
      const t = now();
      const token = new jose.UnsecuredJWT({ jti: randomUUID() })
        .setIssuer(rp.client_id).setAudience(server.issuer).setSubject('partner-user').setIssuedAt(t).setExpirationTime(t + 120)
        .encode();
      await expectJwtRejected(server, rp, token, channel, 400, 'invalid_grant');
    }
  },

  async 'signed-jwt: HS512 with the client secret → 400 invalid_grant'({ server, rp }) {
    for (const channel of ['native', 'grant'] as const) {
      await expectJwtRejected(server, rp, await sign(claimsFor(server, rp), secretKey(rp), 'HS512'), channel, 400, 'invalid_grant');
    }
  },

  async 'signed-jwt: wrong aud → 400 invalid_grant'({ server, rp }) {
    for (const channel of ['native', 'grant'] as const) {
      await expectJwtRejected(server, rp, await hsJwt(server, rp, { aud: 'https://someone-else.example' }), channel, 400, 'invalid_grant');
    }
  },

  async 'signed-jwt: expired → 400 invalid_grant'({ server, rp }) {
    for (const channel of ['native', 'grant'] as const) {
      const t = now();
      await expectJwtRejected(server, rp, await hsJwt(server, rp, { iat: t - 600, exp: t - 120 }), channel, 400, 'invalid_grant');
    }
  },

  async 'signed-jwt: exp 10 minutes ahead → 400 invalid_grant'({ server, rp }) {
    for (const channel of ['native', 'grant'] as const) {
      await expectJwtRejected(server, rp, await hsJwt(server, rp, { exp: now() + 600 }), channel, 400, 'invalid_grant');
    }
  },

  async 'signed-jwt: missing jti → 400 invalid_request with details'({ server, rp }) {
    for (const channel of ['native', 'grant'] as const) {
      const body = await expectJwtRejected(server, rp, await hsJwt(server, rp, { jti: undefined }), channel, 400, 'invalid_request');
      assertDetails(body, /jti/);
    }
  },

  async 'signed-jwt: a replayed jti → first 200, then 400 invalid_grant'({ server, rp }) {
    const native = await hsJwt(server, rp);
    const first = await nativeJson(server, 'signed-jwt', native, 'application/jwt');
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assertOAuthError(await nativeJson(server, 'signed-jwt', native, 'application/jwt'), 400, 'invalid_grant', 'native replay');

    const grant = await hsJwt(server, rp);
    const once = await grantRequest(server, rp, { provider: 'signed-jwt', payload: grant });
    assert.equal(once.status, 200, JSON.stringify(once.body));
    assertOAuthError(await grantRequest(server, rp, { provider: 'signed-jwt', payload: grant }), 400, 'invalid_grant', 'grant replay');
  },

  async "signed-jwt: ES256, RS256, PS256 and EdDSA with a key of the client's jwks → 200; another key → invalid_client natively, invalid_grant in the grant"({ server }) {
    const keys = [
      await asymmetricKey('ES256', 'k-es256'),
      await asymmetricKey('RS256', 'k-rs256'),
      await asymmetricKey('PS256', 'k-ps256'),
      await asymmetricKey('EdDSA', 'k-eddsa'),
    ];
    const rp = await registerClient(server, { preauth_providers: ['signed-jwt'], jwks: { keys: keys.map((k) => k.jwk) } });
    for (const { alg, kid, privateKey } of keys) {
      const native = await nativeJson(server, 'signed-jwt', await sign(claimsFor(server, rp), privateKey, alg, kid), 'application/jwt');
      assert.equal(native.status, 200, `${alg} native: ${JSON.stringify(native.body)}`);
      assertPreauthUrl(server, native.body.preauth_url);
      const grant = await grantRequest(server, rp, { provider: 'signed-jwt', payload: await sign(claimsFor(server, rp), privateKey, alg, kid) });
      assert.equal(grant.status, 200, `${alg} grant: ${JSON.stringify(grant.body)}`);
    }

    const stranger = await asymmetricKey('ES256', 'k-es256');
    // Natively the signature is the client authentication (contract §4b); in the
    // grant the client authenticated at /token, so the JWT itself is refused.
    for (const [channel, status, error] of [['native', 401, 'invalid_client'], ['grant', 400, 'invalid_grant']] as const) {
      // the kid of a registered key, but another key's signature
      await expectJwtRejected(server, rp, await sign(claimsFor(server, rp), stranger.privateKey, 'ES256', 'k-es256'), channel, status, error);
      // a kid the client never registered
      await expectJwtRejected(server, rp, await sign(claimsFor(server, rp), stranger.privateKey, 'ES256', 'k-unknown'), channel, status, error);
    }
  },

  async 'signed-jwt native: iss of an unknown client → 401 invalid_client'({ server, rp }) {
    const res = await nativeJson(server, 'signed-jwt', await hsJwt(server, rp, { iss: `unknown-${randomUUID()}` }), 'application/jwt');
    assertOAuthError(res, 401, 'invalid_client');
  },

  async "signed-jwt grant: client A presenting client B's JWS → 400 invalid_grant"({ server, rp }) {
    const other = await registerClient(server, { preauth_providers: ['signed-jwt'] });
    const res = await grantRequest(server, rp, { provider: 'signed-jwt', payload: await hsJwt(server, other) });
    assertOAuthError(res, 400, 'invalid_grant');
  },

  // ---- hmac-form, native only
  async 'hmac-form: success is form-encoded preauth_url and expires_in'({ server, rp }) {
    const res = await nativeForm(server, hmacBody(rp, { sub: 'u-1', order: '1234' }));
    assert.equal(res.status, 200, res.text);
    assert.match(res.type, /^application\/x-www-form-urlencoded\b/);
    assert.deepEqual([...res.form.keys()].sort(), ['expires_in', 'preauth_url']);
    assertPreauthUrl(server, res.form.get('preauth_url'));
    assert.equal(res.form.get('expires_in'), '120');
  },

  async 'hmac-form: bad sig → 401 form-encoded invalid_client, like an unknown client'({ server, rp }) {
    const body = new URLSearchParams(hmacBody(rp, { sub: 'u-1' }));
    body.set('sig', 'a'.repeat(64));
    assertFormError(await nativeForm(server, body.toString()), 401, 'invalid_client');
    // signed with another secret
    assertFormError(await nativeForm(server, hmacBody(rp, { sub: 'u-1' }, `${rp.client_secret}x`)), 401, 'invalid_client');
  },

  async 'hmac-form: ts 10 minutes old → 400 invalid_grant'({ server, rp }) {
    assertFormError(await nativeForm(server, hmacBody(rp, { sub: 'u-1', ts: String(now() - 600) })), 400, 'invalid_grant');
  },

  async 'hmac-form: a replayed nonce → 400 invalid_grant'({ server, rp }) {
    const body = hmacBody(rp, { sub: 'u-1' });
    const first = await nativeForm(server, body);
    assert.equal(first.status, 200, first.text);
    assertFormError(await nativeForm(server, body), 400, 'invalid_grant');
  },

  async 'hmac-form: missing sub → 400 form-encoded invalid_request'({ server, rp }) {
    assertFormError(await nativeForm(server, hmacBody(rp, {})), 400, 'invalid_request');
  },

  async 'hmac-form: unknown client_id → 401 form-encoded invalid_client'({ server, rp }) {
    const stranger = { ...rp, client_id: `unknown-${randomUUID()}` };
    assertFormError(await nativeForm(server, hmacBody(stranger, { sub: 'u-1' })), 401, 'invalid_client');
  },

  async 'hmac-form: wrong content type → 415 form-encoded invalid_request'({ server, rp }) {
    const fields = Object.fromEntries(new URLSearchParams(hmacBody(rp, { sub: 'u-1' })));
    const res = await nativeForm(server, JSON.stringify(fields), 'application/json');
    assert.ok(res.status >= 400 && res.status < 500, `4xx, got ${res.status}`);
    assertFormError(res, 415, 'invalid_request');
  },

  // ---- password, native
  async 'password native: wrong Basic secret → 401 invalid_client; no Basic → 401'({ server, rp, account }) {
    const body = passwordPayload(account.username, account.password);
    const wrong = await nativeJson(server, 'password', body, 'application/json', { auth: basic(rp.client_id, `${rp.client_secret}-wrong`) });
    assertOAuthError(wrong, 401, 'invalid_client', 'wrong secret');
    const none = await nativeJson(server, 'password', body, 'application/json');
    assertOAuthError(none, 401, 'invalid_client', 'no Basic');
  },

  async 'password native: success is JSON { preauth_url, expires_in } only'({ server, rp, account }) {
    const res = await nativeJson(server, 'password', passwordPayload(account.username, account.password, { cart: 42 }), 'application/json', {
      auth: basic(rp.client_id, rp.client_secret),
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.match(res.type, /^application\/json\b/);
    assert.deepEqual(Object.keys(res.body).sort(), ['expires_in', 'preauth_url']);
    assertPreauthUrl(server, res.body.preauth_url);
    assert.equal(res.body.expires_in, 120);
  },

  async 'native: an unknown provider → 404'({ server, rp }) {
    const res = await nativeRequest(server, 'nope', '{}', 'application/json', { auth: basic(rp.client_id, rp.client_secret) });
    assert.equal(res.status, 404, res.text);
  },

  async 'native: authorization parameters come from the query string'({ server, rp, account }) {
    const body = passwordPayload(account.username, account.password);
    const auth = basic(rp.client_id, rp.client_secret);
    const bad = await nativeJson(server, 'password', body, 'application/json', { auth, query: { redirect_uri: 'https://not-registered.example/cb' } });
    assertOAuthError(bad, 400, 'invalid_request');
    const scope = await nativeJson(server, 'password', body, 'application/json', { auth, query: { scope: 'email' } });
    assertOAuthError(scope, 400, 'invalid_scope');
    const good = await nativeJson(server, 'password', body, 'application/json', { auth, query: { redirect_uri: REDIRECT_URI, state: 's-1' } });
    assert.equal(good.status, 200, JSON.stringify(good.body));
  },

  // ---- partner namespacing
  async "partner subjects are namespaced: a signed-jwt naming a local account's sub"({ server, rp, account }) {
    const { verifier, challenge } = await pkce();
    const state = randomUUID();
    const token = await hsJwt(server, rp, { sub: account.sub });
    const res = await grantRequest(server, rp, { provider: 'signed-jwt', payload: token, state, code_challenge: challenge, code_challenge_method: 'S256' });
    assert.equal(res.status, 200, JSON.stringify(res.body));

    const landing = await new Browser(server.issuer).open(res.body.preauth_url);
    assert.ok(landing.external, `redirected to the client, got ${landing.status} ${landing.url}`);
    assert.equal(`${landing.url.origin}${landing.url.pathname}`, REDIRECT_URI);
    const tokens = await exchange(await relyingParty(server, rp), landing.url.toString(), { verifier, state });
    const claims = tokens.claims()!;
    assert.equal(claims.sub, `${rp.client_id}|${account.sub}`);
    assert.notEqual(claims.sub, account.sub);
    assert.equal(claims.acr, 'urn:handoff:preauth:signed-jwt');

    const handoff = await readHandoff(server, tokens.access_token);
    assert.equal(handoff.status, 200, JSON.stringify(handoff.body));
    assert.equal(handoff.body.sub, `${rp.client_id}|${account.sub}`);
  },
};

/** A signed-jwt at one channel; returns the parsed error body. */
async function expectJwtRejected(server: TestServer, rp: RegisteredClient, token: string, channel: 'native' | 'grant', status: number, error: string) {
  const res = channel === 'native'
    ? await nativeJson(server, 'signed-jwt', token, 'application/jwt')
    : await grantRequest(server, rp, { provider: 'signed-jwt', payload: token });
  assertOAuthError(res, status, error, channel);
  return res.body;
}

// ---------------------------------------------------------------- suites

describe('step 1 rejections (sqlite)', () => {
  let env: Env;
  before(async () => { env = await setUp('sqlite'); });
  after(() => env?.server.close());

  for (const [name, check] of Object.entries(checks)) {
    it(name, () => check(env));
  }
});

describe('step 1 body size limit (sqlite)', () => {
  it('64 KiB limit: a 100 KiB payload → 413 JSON at both channels; a 60 KiB one is accepted', async () => {
    const server = await startServer({ maxPayload: 64 * 1024 });
    try {
      const rp = await registerClient(server);
      const account = await createAccount(server, 'big', 'correct horse big');
      const big = passwordPayload('big', 'correct horse big', 'x'.repeat(100 * 1024));
      const grant = await grantRequest(server, rp, { provider: 'password', payload: big });
      assertOAuthError(grant, 413, 'invalid_request', 'grant');
      const native = await nativeJson(server, 'password', big, 'application/json', { auth: basic(rp.client_id, rp.client_secret) });
      assertOAuthError(native, 413, 'invalid_request', 'native');

      const fits = passwordPayload(account.username, 'correct horse big', 'x'.repeat(60 * 1024));
      const ok = await grantRequest(server, rp, { provider: 'password', payload: fits });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
    } finally {
      await server.close();
    }
  });

  it('default 2 MiB limit: a 2.5 MiB body → 413 JSON', async () => {
    const server = await startServer();
    try {
      const rp = await registerClient(server);
      const big = passwordPayload('someone', 'pw', 'x'.repeat(2.5 * 1024 * 1024));
      const grant = await grantRequest(server, rp, { provider: 'password', payload: big });
      assertOAuthError(grant, 413, 'invalid_request', 'grant');
      const native = await nativeJson(server, 'password', big, 'application/json', { auth: basic(rp.client_id, rp.client_secret) });
      assertOAuthError(native, 413, 'invalid_request', 'native');
    } finally {
      await server.close();
    }
  });
});

describe('nothing secret in the logs', () => {
  it('a trace-level log of step 1, redemption, /handoff and a failure holds no password, secret, code or token', async () => {
    const chunks: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk));
        done();
      },
    });
    const server = await startServer({ logger: pino({ level: 'trace' }, stream) });
    try {
      const rp = await registerClient(server);
      const password = `secret-password-${randomUUID()}`;
      const account = await createAccount(server, `logged-${randomUUID()}`, password);
      const { verifier, challenge } = await pkce();
      const res = await grantRequest(server, rp, {
        provider: 'password', payload: passwordPayload(account.username, password, { note: 'hi' }), code_challenge: challenge, state: 'st',
      });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const code = res.body.access_token as string;

      const landing = await new Browser(server.issuer).open(res.body.preauth_url);
      assert.ok(landing.external, `redirected to the client, got ${landing.status}`);
      const authorizationCode = landing.url.searchParams.get('code')!;
      const tokens = await exchange(await relyingParty(server, rp), landing.url.toString(), { verifier, state: 'st' });
      assert.equal((await readHandoff(server, tokens.access_token)).status, 200);

      const failed = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(account.username, `${password}-wrong`) });
      assert.equal(failed.status, 400);
      const nativeFail = await nativeRequest(server, 'password', passwordPayload(account.username, password), 'application/json', {
        auth: basic(rp.client_id, `${rp.client_secret}-wrong`),
      });
      assert.equal(nativeFail.status, 401);
      // a replayed pre-auth URL
      assert.equal((await new Browser(server.issuer).get(res.body.preauth_url)).status, 400);

      const log = chunks.join('');
      assert.match(log, /"msg":"request"/, 'the requests were logged at all');
      const secrets: [string, string][] = [
        ['the password', password],
        ['the client secret', rp.client_secret],
        ['the pre-auth code', code],
        ['the authorization code', authorizationCode],
        ['the access token', tokens.access_token],
      ];
      for (const [what, value] of secrets) {
        assert.ok(!log.includes(value), `${what} appears in the log`);
        assert.ok(!log.includes(encodeURIComponent(value)), `${what} appears URL-encoded in the log`);
      }
    } finally {
      await server.close();
    }
  });
});

describe('step 1 rejections (mongodb)', () => {
  let env: Env;
  before(async () => { env = await setUp('mongodb'); });
  after(() => env?.server.close());

  for (const name of [
    'grant: wrong client secret → 401 invalid_client',
    'grant: provider not in preauth_providers → 400 unauthorized_client',
    'grant: wrong password and unknown user → 400 invalid_grant, same description',
    'grant: success is a token-exchange-shaped answer',
    'signed-jwt: a replayed jti → first 200, then 400 invalid_grant',
    'hmac-form: a replayed nonce → 400 invalid_grant',
    'hmac-form: unknown client_id → 401 form-encoded invalid_client',
    "partner subjects are namespaced: a signed-jwt naming a local account's sub",
  ]) {
    const check = checks[name];
    assert.ok(check, `no check named ${name}`);
    it(name, () => check(env));
  }
});

after(() => closeMongo());
