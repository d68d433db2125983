/**
 * The PAR form of step 1 (contract §4 d), over real HTTP on both stores: a
 * pushed authorization request carrying `preauth_provider` and
 * `preauth_payload`, built by openid-client's buildAuthorizationUrlWithPAR
 * unmodified, redeems like a pre-auth URL: once, with the same policies.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { AddressBrowser } from './support/address-browser.js';
import { Browser, parseForms } from './support/browser.js';
import {
  basic, createAccount, exchange, hmacBody, passwordPayload, pkce, readHandoff, registerClient, relyingParty,
  REDIRECT_URI, type RegisteredClient,
} from './support/preauth.js';

const URN = 'urn:ietf:params:oauth:request_uri:';

/** A raw push, to see status and body exactly. */
async function push(server: TestServer, rp: RegisteredClient, params: Record<string, string>, auth = basic(rp.client_id, rp.client_secret)) {
  const res = await fetch(`${server.issuer}/request`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: auth },
    body: new URLSearchParams({ client_id: rp.client_id, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', ...params }),
  });
  return { status: res.status, headers: res.headers, body: await res.json() as Record<string, any> };
}

/** The browser URL of a successful push. */
async function pushedUrl(server: TestServer, rp: RegisteredClient, params: Record<string, string> = {}): Promise<string> {
  const res = await push(server, rp, { preauth_provider: 'password', preauth_payload: passwordPayload('alice', 'alice-password'), ...params });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return `${server.issuer}/auth?${new URLSearchParams({ client_id: rp.client_id, request_uri: res.body.request_uri })}`;
}

async function failure(url: string, init: RequestInit = {}) {
  const res = await fetch(url, { redirect: 'manual', ...init, headers: { accept: 'application/json' } });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('location'), null);
  const body = await res.json() as { error: string; reason: string };
  assert.equal(body.error, 'invalid_grant');
  return body.reason;
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`pre-auth by pushed authorization request (${kind})`, () => {
    let server: TestServer;
    let rp: RegisteredClient;
    let alice: { sub: string };

    before(async () => {
      server = await startServer({ kind });
      rp = await registerClient(server);
      alice = await createAccount(server, 'alice', 'alice-password', { email: 'alice@example.com' });
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('openid-client buildAuthorizationUrlWithPAR, unmodified: redeem, exchange, /handoff; a second use gets an error', async () => {
      const config = await relyingParty(server, rp);
      const verifier = client.randomPKCECodeVerifier();
      const url = await client.buildAuthorizationUrlWithPAR(config, {
        redirect_uri: REDIRECT_URI, scope: 'openid email', state: 'st-par', nonce: 'n-par',
        code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
        preauth_provider: 'password', preauth_payload: passwordPayload('alice', 'alice-password', { basket: [7] }),
      });
      assert.equal(`${url.origin}${url.pathname}`, `${server.issuer}/auth`);
      assert.ok(url.searchParams.get('request_uri')?.startsWith(URN));
      assert.deepEqual(await server.store.list('oidc_PushedAuthorizationRequest'), [], 'no stored request carries the payload');

      const browser = new Browser(server.issuer);
      const landing = await browser.open(url);
      assert.equal(landing.external, true, landing.external ? '' : landing.body);
      assert.equal(landing.url.searchParams.get('state'), 'st-par');
      const tokens = await exchange(config, landing.url.href, { verifier, state: 'st-par', nonce: 'n-par' });
      const claims = tokens.claims()!;
      assert.equal(claims.sub, alice.sub);
      assert.equal(claims.acr, 'urn:handoff:preauth:password');
      const handoff = await readHandoff(server, tokens.access_token);
      assert.deepEqual(handoff.body.payload, { username: 'alice', data: { basket: [7] } });

      assert.equal(await failure(url.href), 'used');
      const again = await new Browser(server.issuer).open(url);
      assert.equal(again.external, false, 'never a code');
      assert.equal(again.status, 400);
    });

    it('25 concurrent opens of one pushed URL: exactly one redeems', async () => {
      const url = await pushedUrl(server, rp);
      const answers = await Promise.all(Array.from({ length: 25 }, () =>
        fetch(url, { redirect: 'manual' }).then((res) => ({ status: res.status, location: res.headers.get('location') }))));
      const winners = answers.filter((a) => a.status === 303);
      assert.equal(winners.length, 1, JSON.stringify(answers.map((a) => a.status)));
      assert.equal(answers.filter((a) => a.status === 400).length, 24);
      // Straight to the client with a code: the login completes in the redemption request.
      const landing = new URL(winners[0]!.location!);
      assert.equal(`${landing.origin}${landing.pathname}`, REDIRECT_URI);
      assert.ok(landing.searchParams.get('code'));
    });

    it('the payload is validated and authenticated at push time, with the custom grant\'s errors', async () => {
      const wrong = await push(server, rp, { preauth_provider: 'password', preauth_payload: passwordPayload('alice', 'nope') });
      assert.deepEqual([wrong.status, wrong.body.error], [400, 'invalid_grant']);
      const unknown = await push(server, rp, { preauth_provider: 'nope', preauth_payload: 'x' });
      assert.deepEqual([unknown.status, unknown.body.error], [400, 'unauthorized_client']);
      const schema = await push(server, rp, { preauth_provider: 'password', preauth_payload: JSON.stringify({ username: 'alice' }) });
      assert.deepEqual([schema.status, schema.body.error], [400, 'invalid_request']);
      assert.ok(Array.isArray(schema.body.details) && schema.body.details.length, JSON.stringify(schema.body));
      const garbled = await push(server, rp, { preauth_provider: 'password', preauth_payload: '{not json' });
      assert.deepEqual([garbled.status, garbled.body.error], [400, 'invalid_request']);
      const missing = await push(server, rp, { preauth_provider: 'password' });
      assert.deepEqual([missing.status, missing.body.error], [400, 'invalid_request']);
      const nativeOnly = await push(server, rp, { preauth_provider: 'hmac-form', preauth_payload: hmacBody(rp, { sub: 'u' }) });
      assert.deepEqual([nativeOnly.status, nativeOnly.body.error], [400, 'invalid_request']);
      const badSecret = await push(server, rp, { preauth_provider: 'password', preauth_payload: passwordPayload('alice', 'alice-password') }, basic(rp.client_id, 'wrong'));
      assert.deepEqual([badSecret.status, badSecret.body.error], [401, 'invalid_client']);
      const badIp = await push(server, rp, { preauth_provider: 'password', preauth_payload: passwordPayload('alice', 'alice-password'), bind_ip: 'nowhere' });
      assert.deepEqual([badIp.status, badIp.body.error], [400, 'invalid_request']);
    });

    it('payloads beyond oidc-provider\'s own 56 KiB body limit; over PREAUTH_MAX_PAYLOAD a 413', async () => {
      const big = await push(server, rp, { preauth_provider: 'password', preauth_payload: passwordPayload('alice', 'alice-password', 'x'.repeat(300 * 1024)) });
      assert.equal(big.status, 201, JSON.stringify(big.body));
      const huge = await push(server, rp, { preauth_provider: 'password', preauth_payload: passwordPayload('alice', 'alice-password', 'x'.repeat(2200 * 1024)) });
      assert.equal(huge.status, 413);
    });

    it('no PKCE needed at push time, as with the custom grant; expires_in follows preauth_ttl up to 60 s', async () => {
      const quick = await registerClient(server, { preauth_ttl: 30 });
      const res = await push(server, quick, { preauth_provider: 'password', preauth_payload: passwordPayload('alice', 'alice-password') });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.expires_in, 30);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      const slow = await push(server, rp, { preauth_provider: 'password', preauth_payload: passwordPayload('alice', 'alice-password') });
      assert.equal(slow.body.expires_in, 60);
    });

    it('pre-auth parameters anywhere but a push are refused', async () => {
      const { challenge } = await pkce();
      const url = `${server.issuer}/auth?${new URLSearchParams({
        client_id: rp.client_id, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge,
        code_challenge_method: 'S256', preauth_provider: 'password', preauth_payload: passwordPayload('alice', 'alice-password'),
      })}`;
      const landing = await new Browser(server.issuer).open(url);
      assert.equal(landing.external, true);
      assert.equal(landing.url.searchParams.get('error'), 'invalid_request');
      assert.equal(landing.url.searchParams.get('code'), null);
    });

    it('confirm policy: the page posts back to the authorization URL, only that POST redeems', async () => {
      const confirming = await registerClient(server, { preauth_redemption: 'confirm', client_name: 'Confirming shop' });
      const url = await pushedUrl(server, confirming);
      const browser = new Browser(server.issuer);
      const res = await browser.get(url);
      assert.equal(res.status, 200);
      const html = await res.text();
      assert.match(html, /Confirming shop/);
      const [form] = parseForms(html);
      assert.equal(form!.action, url);
      const landing = await browser.submit(form!.action, {});
      assert.equal(landing.external, true);
      assert.ok(landing.url.searchParams.get('code'));
      assert.equal(await failure(url, { method: 'POST' }), 'used');
    });

    it('bind_ip as a pushed parameter; fallback on a used pushed URL', async () => {
      const bound = await registerClient(server, { preauth_bind_ip: true });
      const url = await pushedUrl(server, bound, { bind_ip: '127.0.0.7' });
      assert.equal(await failure(url), 'ip_mismatch');
      assert.equal((await new AddressBrowser(server.issuer, '127.0.0.7').open(url)).external, true);

      const fb = await registerClient(server, { preauth_fallback: true });
      const { challenge } = await pkce();
      const fbUrl = await pushedUrl(server, fb, { state: 'st-fb', code_challenge: challenge, code_challenge_method: 'S256' });
      assert.equal((await new Browser(server.issuer).open(fbUrl)).external, true);
      const res = await fetch(fbUrl, { redirect: 'manual' });
      assert.equal(res.status, 303);
      const location = new URL(res.headers.get('location')!);
      assert.equal(location.searchParams.get('request_uri'), null);
      assert.equal(location.searchParams.get('state'), 'st-fb');
      assert.equal(location.searchParams.get('login_hint'), 'alice');
      assert.equal(location.searchParams.get('code_challenge'), challenge);
    });
  });
}
