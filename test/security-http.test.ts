/**
 * The HTTP-side findings of the outside security audit, one regression test
 * (or a few) per finding, over real HTTP on both stores. Each test is named
 * after its finding and fails on the code before the fix.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import * as jose from 'jose';
import { oidcCollection } from '../adapters/oidc-adapter.js';
import { Browser, parseForms, type Landing } from './support/browser.js';
import {
  basic, createAccount, exchange, grantRequest, hmacBody, nativeRequest, passwordPayload, registerClient, relyingParty,
  PREAUTH_GRANT, REDIRECT_URI, type RegisteredClient,
} from './support/preauth.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

const FORM = 'application/x-www-form-urlencoded';
const now = () => Math.floor(Date.now() / 1000);

function jwtClaims(server: TestServer, clientId: string, overrides: Record<string, unknown> = {}) {
  const t = now();
  return { iss: clientId, aud: server.issuer, sub: 'partner-user', iat: t, exp: t + 120, jti: randomUUID(), ...overrides };
}

const sign = (claims: Record<string, unknown>, key: jose.CryptoKey | Uint8Array, alg = 'HS256', kid?: string) =>
  new jose.SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).sign(key);
const secretOf = (rp: { client_secret: string }) => new TextEncoder().encode(rp.client_secret);

/** A native answer with its JSON (or form) body parsed. */
async function native(server: TestServer, provider: string, body: string, type: string, init: Parameters<typeof nativeRequest>[4] = {}) {
  const url = new URL(`/providers/${provider}/preauth`, server.issuer);
  for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': type, ...(init.auth ? { authorization: init.auth } : {}) }, body });
  const text = await res.text();
  const parsed = type === FORM && provider === 'hmac-form'
    ? Object.fromEntries(new URLSearchParams(text)) : (JSON.parse(text) as Record<string, string>);
  return { status: res.status, body: parsed as Record<string, any>, wwwAuthenticate: res.headers.get('www-authenticate') };
}

function assertError(res: { status: number; body: Record<string, any> }, status: number, error: string, what = '') {
  assert.equal(res.status, status, `${what} status; body ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error, error, `${what} error; body ${JSON.stringify(res.body)}`);
}

function detailFields(body: Record<string, any>): string[] {
  assert.ok(Array.isArray(body.details), `details in ${JSON.stringify(body)}`);
  return body.details.map((d: { field: string }) => d.field);
}

/** Login form, then consent unless the client is first-party; returns the landing. */
async function interactiveLogin(browser: Browser, url: URL, account: { username: string; password: string }): Promise<Landing> {
  const login = await browser.open(url);
  assert.equal(login.external, false, `a login page, got a redirect to ${login.url}`);
  if (login.external) throw new Error('unreachable');
  const form = parseForms(login.body, login.url).find((f) => f.action.includes('/login'));
  assert.ok(form, `a login form at ${login.url}: ${login.body.slice(0, 300)}`);
  return browser.submit(form.action, { ...form.fields, username: account.username, password: account.password });
}

const publicClient = {
  token_endpoint_auth_method: 'none',
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code'],
  response_types: ['code'],
};

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`security audit, HTTP findings (${kind})`, () => {
    let server: TestServer;
    let rp: RegisteredClient;
    const password = 'alice-password-1';
    let alice: { sub: string; username: string };

    before(async () => {
      server = await startServer({ kind });
      rp = await registerClient(server);
      alice = await createAccount(server, 'alice', password, { email: 'alice@example.com' });
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    // ------------------------------------------------------------ #1
    it('audit #1 public clients get no code without PKCE or client authentication: the admin API refuses a public client with preauth_providers, a client_secret or require_pkce false', async () => {
      const all = await server.admin('POST', '/admin/clients', { ...publicClient, preauth_providers: ['password'], client_secret: 'a-secret-nobody-checks', require_pkce: false });
      assertError(all, 400, 'invalid_request');
      assert.deepEqual(detailFields(all.body).sort(), ['client_secret', 'preauth_providers', 'require_pkce']);
      for (const extra of [{ preauth_providers: ['signed-jwt'] }, { client_secret: 'x'.repeat(32) }, { require_pkce: false }]) {
        const res = await server.admin('POST', '/admin/clients', { ...publicClient, ...extra });
        assertError(res, 400, 'invalid_request', JSON.stringify(extra));
        assert.deepEqual(detailFields(res.body), Object.keys(extra));
      }
      // A plain public client is fine, and gets no secret; it cannot be patched into one of the above.
      const ok = await server.admin('POST', '/admin/clients', publicClient);
      assert.equal(ok.status, 201, JSON.stringify(ok.body));
      assert.equal(ok.body.client_secret, undefined);
      assert.equal(ok.body.require_pkce, true);
      const patched = await server.admin('PATCH', `/admin/clients/${encodeURIComponent(ok.body.client_id)}`, { preauth_providers: ['password'] });
      assertError(patched, 400, 'invalid_request');
      assert.deepEqual(detailFields(patched.body), ['preauth_providers']);
    });

    it('audit #1 public clients get no code without PKCE or client authentication: a public client stored before the rule gets unauthorized_client at step 1 in every channel', async () => {
      const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
      const clientId = `legacy-public-${randomUUID()}`;
      const secret = 'a secret a public client should never have had';
      const metadata = {
        ...publicClient, client_id: clientId, client_secret: secret, grant_types: ['authorization_code', PREAUTH_GRANT],
        preauth_providers: ['password', 'signed-jwt', 'hmac-form'], jwks: { keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'k1' }] },
      };
      await server.store.put(oidcCollection('Client'), { id: clientId, data: metadata, clientId });

      // The audit's exploit: step 1 with nothing but the client_id.
      const grant = await fetch(`${server.issuer}/token`, {
        method: 'POST', headers: { 'content-type': FORM },
        body: new URLSearchParams({ grant_type: PREAUTH_GRANT, client_id: clientId, provider: 'password', payload: passwordPayload('alice', password) }),
      });
      assertError({ status: grant.status, body: await grant.json() as Record<string, any> }, 400, 'unauthorized_client', 'grant');

      const jws = await sign(jwtClaims(server, clientId), privateKey, 'ES256', 'k1');
      assertError(await native(server, 'signed-jwt', jws, 'application/jwt'), 400, 'unauthorized_client', 'signed-jwt');
      const hmac = hmacBody({ client_id: clientId, client_secret: secret }, { sub: 'u1' });
      assertError(await native(server, 'hmac-form', hmac, FORM), 400, 'unauthorized_client', 'hmac-form');
      const pw = await native(server, 'password', passwordPayload('alice', password), 'application/json', { auth: basic(clientId, secret) });
      assertError(pw, 400, 'unauthorized_client', 'password');
      assert.equal((await server.store.list('handoffs')).filter((r) => (r.data as { clientId: string }).clientId === clientId).length, 0);
    });

    it('audit #1 public clients get no code without PKCE or client authentication: /auth requires PKCE of a public client and of a confidential one by default', async () => {
      const pub = await server.admin('POST', '/admin/clients', publicClient);
      const confidential = await registerClient(server, { preauth_providers: [] });
      assert.equal(confidential.require_pkce, true);
      for (const clientId of [pub.body.client_id, confidential.client_id]) {
        const url = new URL('/auth', server.issuer);
        url.search = new URLSearchParams({ client_id: clientId, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', state: 's1' }).toString();
        const landing = await new Browser(server.issuer).open(url);
        assert.equal(landing.external, true, `an error redirect for ${clientId}`);
        if (!landing.external) continue;
        assert.equal(landing.url.searchParams.get('error'), 'invalid_request');
        assert.match(landing.url.searchParams.get('error_description') ?? '', /PKCE/);
        assert.equal(landing.url.searchParams.get('code'), null);
      }
    });

    it('audit #1 public clients get no code without PKCE or client authentication: a confidential client with require_pkce false does a plain code flow without PKCE', async () => {
      const plain = await registerClient(server, { require_pkce: false, first_party: true, preauth_providers: [] });
      assert.equal(plain.require_pkce, false);
      const config = await relyingParty(server, plain);
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state });
      assert.equal(url.searchParams.get('code_challenge'), null);
      const landing = await interactiveLogin(new Browser(server.issuer), url, { username: alice.username, password });
      assert.equal(landing.external, true, 'redirected to the client');
      const tokens = await client.authorizationCodeGrant(config, landing.url, { expectedState: state, idTokenExpected: true });
      assert.equal(tokens.claims()!.sub, alice.sub);
    });

    // ------------------------------------------------------------ #2
    it('audit #2 partner subjects and replay markers collide across clients: a client_id containing | is refused', async () => {
      const res = await server.admin('POST', '/admin/clients', { client_id: `p|q-${randomUUID()}`, redirect_uris: [REDIRECT_URI] });
      assertError(res, 400, 'invalid_request');
      assert.deepEqual(detailFields(res.body), ['client_id']);
      assert.match(res.body.details[0].message, /\|/);
    });

    it('audit #2 partner subjects and replay markers collide across clients: client x\'s jti "y:J" and nonce "y:N…" do not burn client "x:y"\'s', async () => {
      const base = `x-${randomUUID()}`;
      const x = await registerClient(server, { client_id: base });
      const xy = await registerClient(server, { client_id: `${base}:y` });
      const first = await native(server, 'signed-jwt', await sign(jwtClaims(server, x.client_id, { jti: 'y:J' }), secretOf(x)), 'application/jwt');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const second = await native(server, 'signed-jwt', await sign(jwtClaims(server, xy.client_id, { jti: 'J' }), secretOf(xy)), 'application/jwt');
      assert.equal(second.status, 200, `client x:y's own jti J: ${JSON.stringify(second.body)}`);

      const nonce = `n-${randomUUID()}`;
      const a = await native(server, 'hmac-form', hmacBody(x, { sub: 'u', nonce: `y:${nonce}` }), FORM);
      assert.equal(a.status, 200, JSON.stringify(a.body));
      const b = await native(server, 'hmac-form', hmacBody(xy, { sub: 'u', nonce }), FORM);
      assert.equal(b.status, 200, `client x:y's own nonce: ${JSON.stringify(b.body)}`);
    });

    // ------------------------------------------------------------ #7
    it('audit #7 signed-jwt accepts a client assertion, and HS256 from key-based clients: a JWT whose sub equals its iss is refused', async () => {
      const grant = await grantRequest(server, rp, { provider: 'signed-jwt', payload: await sign(jwtClaims(server, rp.client_id, { sub: rp.client_id }), secretOf(rp)) });
      assertError(grant, 400, 'invalid_grant', 'grant');
      assert.match(grant.body.error_description, /sub must not equal iss/);
      const nat = await native(server, 'signed-jwt', await sign(jwtClaims(server, rp.client_id, { sub: rp.client_id }), secretOf(rp)), 'application/jwt');
      assertError(nat, 400, 'invalid_grant', 'native');
    });

    it('audit #7 signed-jwt accepts a client assertion, and HS256 from key-based clients: the generated secret of a private_key_jwt client is no HS256 key', async () => {
      const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
      const keyed = await registerClient(server, {
        token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256',
        jwks: { keys: [{ ...(await jose.exportJWK(publicKey)), kid: 'pk1', alg: 'ES256' }] }, preauth_providers: ['signed-jwt'],
      });
      assert.equal(typeof keyed.client_secret, 'string', 'the admin API generated a secret');
      // Natively the JWS is the client authentication: this one authenticates nobody.
      const nat = await native(server, 'signed-jwt', await sign(jwtClaims(server, keyed.client_id), secretOf(keyed)), 'application/jwt');
      assertError(nat, 401, 'invalid_client', 'native');
      // In the grant the client authenticated with its key; the HS256 JWT is refused.
      const assertion = await new jose.SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES256', kid: 'pk1' })
        .setIssuer(keyed.client_id).setSubject(keyed.client_id).setAudience(server.issuer).setIssuedAt().setExpirationTime('2m').sign(privateKey);
      const res = await fetch(`${server.issuer}/token`, {
        method: 'POST', headers: { 'content-type': FORM },
        body: new URLSearchParams({
          grant_type: PREAUTH_GRANT, client_id: keyed.client_id, provider: 'signed-jwt',
          client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion,
          payload: await sign(jwtClaims(server, keyed.client_id), secretOf(keyed)),
        }),
      });
      const body = await res.json() as Record<string, any>;
      assertError({ status: res.status, body }, 400, 'invalid_grant', 'grant');
      assert.match(body.error_description, /HS256/);
      // Its own key still works.
      const good = await native(server, 'signed-jwt', await sign(jwtClaims(server, keyed.client_id), privateKey, 'ES256', 'pk1'), 'application/jwt');
      assert.equal(good.status, 200, JSON.stringify(good.body));
    });

    it('audit #7 signed-jwt accepts a client assertion, and HS256 from key-based clients: an HS256 JWT signed with "k" and header kid "k" → 400 invalid_grant', async () => {
      const k = new TextEncoder().encode('k');
      const res = await grantRequest(server, rp, { provider: 'signed-jwt', payload: await sign(jwtClaims(server, rp.client_id), k, 'HS256', 'k') });
      assertError(res, 400, 'invalid_grant');
    });

    // ------------------------------------------------------------ #11b
    it('audit #11 native endpoints answer an unknown client and a wrong signature or secret the same: 401 invalid_client', async () => {
      const unknownId = `unknown-${randomUUID()}`;
      const stranger = { client_id: unknownId, client_secret: 'whatever' };
      const wrongKey = new TextEncoder().encode(`${rp.client_secret}-wrong`);
      const pairs: [string, Awaited<ReturnType<typeof native>>, Awaited<ReturnType<typeof native>>][] = [
        ['signed-jwt', await native(server, 'signed-jwt', await sign(jwtClaims(server, unknownId), wrongKey), 'application/jwt'),
          await native(server, 'signed-jwt', await sign(jwtClaims(server, rp.client_id), wrongKey), 'application/jwt')],
        ['hmac-form', await native(server, 'hmac-form', hmacBody(stranger, { sub: 'u' }), FORM),
          await native(server, 'hmac-form', hmacBody(rp, { sub: 'u' }, 'wrong secret'), FORM)],
        ['password', await native(server, 'password', passwordPayload('alice', password), 'application/json', { auth: basic(unknownId, 'x') }),
          await native(server, 'password', passwordPayload('alice', password), 'application/json', { auth: basic(rp.client_id, 'x') })],
      ];
      for (const [provider, unknown, wrong] of pairs) {
        assertError(unknown, 401, 'invalid_client', `${provider} unknown client`);
        assert.deepEqual(wrong, unknown, `${provider}: a wrong signature or secret gets the very answer of an unknown client`);
        assert.ok(wrong.wwwAuthenticate, `${provider}: WWW-Authenticate`);
      }
      // In the grant channel the client authenticated at /token: a bad signature stays invalid_grant.
      assertError(await grantRequest(server, rp, { provider: 'signed-jwt', payload: await sign(jwtClaims(server, rp.client_id), wrongKey) }), 400, 'invalid_grant');
    });

    // ------------------------------------------------------------ #10 (weak tests)
    it("audit weak tests: only the handoff's own client reads it — client B's tokens never read A's handoff", async () => {
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', password, 'for A only') });
      const landing = await new Browser(server.issuer).open(step1.body.preauth_url);
      assert.equal(landing.external, true);
      const tokensA = await exchange(await relyingParty(server, rp), landing.url.href, {});
      const readA = await fetch(`${server.issuer}/handoff`, { headers: { authorization: `Bearer ${tokensA.access_token}` } });
      assert.equal(readA.status, 200);

      // B signs alice in interactively: its token belongs to a grant with no handoff.
      const b = await registerClient(server, { require_pkce: false, first_party: true, preauth_providers: [], grant_types: ['authorization_code', 'client_credentials'] });
      const configB = await relyingParty(server, b);
      const url = client.buildAuthorizationUrl(configB, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 'b' });
      const landingB = await interactiveLogin(new Browser(server.issuer), url, { username: alice.username, password });
      assert.equal(landingB.external, true);
      const tokensB = await client.authorizationCodeGrant(configB, landingB.url, { expectedState: 'b' });
      const readB = await fetch(`${server.issuer}/handoff`, { headers: { authorization: `Bearer ${tokensB.access_token}` } });
      assert.equal(readB.status, 404);
      assert.equal((await readB.json() as { error: string }).error, 'not_found');

      // B's client-credentials token is no access token of a login at all.
      const cc = await client.clientCredentialsGrant(configB, {});
      const readCc = await fetch(`${server.issuer}/handoff`, { headers: { authorization: `Bearer ${cc.access_token}` } });
      assert.equal(readCc.status, 401);
      assert.equal((await readCc.json() as { error: string }).error, 'invalid_token');
    });
  });
}
