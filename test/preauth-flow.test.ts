/**
 * The two-step login end to end, over real HTTP, on both stores: step 1 by
 * each channel, step 2 in a cookie-keeping browser, the code exchanged by
 * openid-client, and the payload read from /handoff.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import * as jose from 'jose';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { Browser, parseForms } from './support/browser.js';
import {
  basic, createAccount, exchange, grantRequest, hmacBody, nativeRequest, passwordPayload, pkce, readHandoff,
  registerClient, relyingParty, signedJwt, REDIRECT_URI, type RegisteredClient,
} from './support/preauth.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Step 2: opens the pre-auth URL and returns where the browser was sent outside the issuer. */
async function redeem(browser: Browser, url: string): Promise<URL> {
  const landing = await browser.open(url);
  assert.equal(landing.external, true, `expected a redirect to the client, got ${landing.status} at ${landing.url}`);
  return landing.url;
}

/** An authorization request with prompt=none in the same browser. */
async function silentLogin(server: TestServer, browser: Browser, config: client.Configuration) {
  const { verifier, challenge } = await pkce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope: 'openid', prompt: 'none', state: 's', code_challenge: challenge, code_challenge_method: 'S256',
  });
  const landing = await browser.open(url);
  assert.equal(landing.external, true);
  return { callback: landing.url, verifier };
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`two-step login (${kind})`, () => {
    let server: TestServer;
    let rp: RegisteredClient;
    let other: RegisteredClient;
    let config: client.Configuration;
    let alice: { sub: string };
    let bob: { sub: string };

    before(async () => {
      server = await startServer({ kind });
      rp = await registerClient(server);
      other = await registerClient(server);
      config = await relyingParty(server, rp);
      alice = await createAccount(server, 'alice', 'alice-password', { email: 'alice@example.com', name: 'Alice' });
      bob = await createAccount(server, 'bob', 'bob-password', { email: 'bob@example.com' });
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('password via the custom grant: redeem, exchange with PKCE, ID token, /handoff, then replay refused', async () => {
      const { verifier, challenge } = await pkce();
      const step1 = await grantRequest(server, rp, {
        provider: 'password', payload: passwordPayload('alice', 'alice-password', { cart: [1, 2, 3] }),
        state: 'st-1', nonce: 'n-1', code_challenge: challenge, code_challenge_method: 'S256', scope: 'openid email',
      });
      assert.equal(step1.status, 200, JSON.stringify(step1.body));
      assert.ok(step1.body.preauth_url.startsWith(`${server.issuer}/preauth/`));

      const browser = new Browser(server.issuer);
      const callback = await redeem(browser, step1.body.preauth_url);
      assert.equal(callback.origin + callback.pathname, REDIRECT_URI);
      assert.equal(callback.searchParams.get('state'), 'st-1');
      assert.ok(callback.searchParams.get('code'));
      // At most a few same-origin redirects: /preauth, /auth/:uid.
      assert.ok(browser.history.length <= 3, browser.history.join(' → '));
      assert.ok(browser.cookies.get('_session'), 'the OP session cookie is set');

      const tokens = await exchange(config, callback.href, { verifier, state: 'st-1', nonce: 'n-1' });
      const claims = tokens.claims()!;
      assert.equal(claims.sub, alice.sub);
      assert.equal(claims.acr, 'urn:handoff:preauth:password');
      assert.deepEqual(claims.amr, ['pwd']);
      assert.equal(typeof claims.sid, 'string');
      assert.equal(typeof claims.auth_time, 'number');

      const handoff = await readHandoff(server, tokens.access_token);
      assert.equal(handoff.status, 200);
      assert.equal(handoff.body.provider, 'password');
      assert.equal(handoff.body.client_id, rp.client_id);
      assert.equal(handoff.body.sub, alice.sub);
      assert.deepEqual(handoff.body.payload, { username: 'alice', data: { cart: [1, 2, 3] } });
      assert.ok(!Number.isNaN(Date.parse(handoff.body.created_at)));
      assert.equal(typeof handoff.body.id, 'string');

      const userinfo = await client.fetchUserInfo(config, tokens.access_token, alice.sub);
      assert.equal(userinfo.email, 'alice@example.com');

      // The same URL again: a 4xx, never a redirect with a code.
      const replayHtml = await new Browser(server.issuer).get(step1.body.preauth_url);
      assert.equal(replayHtml.status, 400);
      assert.equal(replayHtml.headers.get('location'), null);
      assert.match(await replayHtml.text(), /invalid_grant/);
      const replayJson = await fetch(step1.body.preauth_url, { headers: { accept: 'application/json' }, redirect: 'manual' });
      assert.equal(replayJson.status, 400);
      assert.equal((await replayJson.json() as { error: string }).error, 'invalid_grant');
    });

    it('the code exchange needs the code_verifier when step 1 sent a challenge', async () => {
      const { challenge } = await pkce();
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password'), code_challenge: challenge });
      const callback = await redeem(new Browser(server.issuer), step1.body.preauth_url);
      await assert.rejects(exchange(config, callback.href, { verifier: client.randomPKCECodeVerifier() }), (err: Error & { error?: string }) => err.error === 'invalid_grant');
    });

    it('without a challenge in step 1 the code is exchanged without a verifier', async () => {
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password') });
      const callback = await redeem(new Browser(server.issuer), step1.body.preauth_url);
      const tokens = await exchange(config, callback.href, {});
      assert.equal(tokens.claims()!.sub, alice.sub);
    });

    it('signed-jwt natively with an ES256 key of the client: namespaced subject, all claims as payload', async () => {
      const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
      const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'partner-1', alg: 'ES256', use: 'sig' };
      const partner = await registerClient(server, { jwks: { keys: [jwk] }, preauth_providers: ['signed-jwt'] });
      const partnerConfig = await relyingParty(server, partner);
      const jws = await signedJwt(server, partner, { sub: 'user-42', email: 'u42@partner.example', order: { id: 7 } }, { alg: 'ES256', key: privateKey, kid: 'partner-1' });
      const step1 = await nativeRequest(server, 'signed-jwt', jws, 'application/jwt', { query: { state: 'from-query', scope: 'openid email' } });
      assert.equal(step1.status, 200, step1.text);
      const answer = JSON.parse(step1.text);
      assert.deepEqual(Object.keys(answer).sort(), ['expires_in', 'preauth_url']);

      const callback = await redeem(new Browser(server.issuer), answer.preauth_url);
      assert.equal(callback.searchParams.get('state'), 'from-query');
      const tokens = await exchange(partnerConfig, callback.href, { state: 'from-query' });
      assert.equal(tokens.claims()!.sub, `${partner.client_id}|user-42`);
      assert.equal(tokens.claims()!.acr, 'urn:handoff:preauth:signed-jwt');
      const handoff = await readHandoff(server, tokens.access_token);
      assert.equal(handoff.body.sub, `${partner.client_id}|user-42`);
      assert.deepEqual(handoff.body.payload.order, { id: 7 });
      for (const claim of ['iss', 'aud', 'sub', 'exp', 'iat', 'jti', 'email']) assert.ok(claim in handoff.body.payload, claim);
      const userinfo = await client.fetchUserInfo(partnerConfig, tokens.access_token, `${partner.client_id}|user-42`);
      assert.equal(userinfo.email, 'u42@partner.example');
    });

    it('hmac-form natively: form-encoded answer, payload is every field but sig', async () => {
      const body = hmacBody(rp, { sub: 'p-9', basket: 'apples & pears', note: 'ünïcode' });
      const step1 = await nativeRequest(server, 'hmac-form', body, 'application/x-www-form-urlencoded');
      assert.equal(step1.status, 200, step1.text);
      assert.match(step1.type, /^application\/x-www-form-urlencoded/);
      const answer = new URLSearchParams(step1.text);
      assert.ok(answer.get('preauth_url')!.startsWith(`${server.issuer}/preauth/`));
      assert.equal(answer.get('expires_in'), '120');

      const callback = await redeem(new Browser(server.issuer), answer.get('preauth_url')!);
      const tokens = await exchange(config, callback.href, {});
      assert.equal(tokens.claims()!.sub, `${rp.client_id}|p-9`);
      const { body: handoff } = await readHandoff(server, tokens.access_token);
      const sent = Object.fromEntries(new URLSearchParams(body));
      delete sent.sig;
      assert.deepEqual(handoff.payload, sent);
    });

    it('25 parallel redemptions of one code: exactly one reaches the client', async () => {
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password') });
      const answers = await Promise.all(Array.from({ length: 25 }, () =>
        fetch(step1.body.preauth_url, { redirect: 'manual' }).then(async (res) => ({ status: res.status, location: res.headers.get('location') }))));
      const winners = answers.filter((a) => a.status === 303);
      assert.equal(winners.length, 1, JSON.stringify(answers.map((a) => a.status)));
      assert.equal(answers.filter((a) => a.status === 400).length, 24);
      // Straight to the client with a code: the login completes in the redemption request.
      const landing = new URL(winners[0].location!);
      assert.equal(`${landing.origin}${landing.pathname}`, REDIRECT_URI);
      assert.ok(landing.searchParams.get('code'));
    });

    it('HEAD never consumes a code', async () => {
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password') });
      for (let i = 0; i < 3; i++) {
        const head = await fetch(step1.body.preauth_url, { method: 'HEAD', redirect: 'manual' });
        assert.equal(head.status, 200);
        assert.equal(head.headers.get('location'), null);
      }
      await redeem(new Browser(server.issuer), step1.body.preauth_url);
    });

    it('malformed and unknown codes get a 4xx, never a redirect', async () => {
      for (const code of ['short', 'A'.repeat(43), '%00%00', 'x'.repeat(300)]) {
        const res = await fetch(`${server.issuer}/preauth/${code}`, { redirect: 'manual', headers: { accept: 'application/json' } });
        assert.equal(res.status, 400, code);
        assert.equal((await res.json() as { error: string }).error, 'invalid_grant');
      }
    });

    it('an expired pre-auth URL is refused', { timeout: 30_000 }, async () => {
      const quick = await registerClient(server, { preauth_ttl: 10 });
      const step1 = await grantRequest(server, quick, { provider: 'password', payload: passwordPayload('alice', 'alice-password') });
      assert.equal(step1.body.expires_in, 10);
      await sleep(10_500);
      const res = await fetch(step1.body.preauth_url, { redirect: 'manual' });
      assert.equal(res.status, 400);
      assert.equal(res.headers.get('location'), null);
    });

    it('single sign-on afterwards, and another subject\'s handoff replaces the session', async () => {
      const browser = new Browser(server.issuer);
      const first = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password') });
      await redeem(browser, first.body.preauth_url);

      const sso = await silentLogin(server, browser, config);
      assert.ok(sso.callback.searchParams.get('code'), sso.callback.href);
      const ssoTokens = await exchange(config, sso.callback.href, { verifier: sso.verifier, state: 's' });
      assert.equal(ssoTokens.claims()!.sub, alice.sub);

      const aliceGrant = (await server.handoff.oidc.AccessToken.find(ssoTokens.access_token))!.grantId!;
      const [aliceRecord] = await server.store.findBy<{ sessionUid?: string }>('handoffs', 'grantId', aliceGrant);
      assert.equal(typeof aliceRecord?.data.sessionUid, 'string', 'the handoff knows the session it produced');

      const second = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('bob', 'bob-password') });
      const callback = await redeem(browser, second.body.preauth_url);
      const tokens = await exchange(config, callback.href, {});
      assert.equal(tokens.claims()!.sub, bob.sub);

      const after = await silentLogin(server, browser, config);
      const afterTokens = await exchange(config, after.callback.href, { verifier: after.verifier, state: 's' });
      assert.equal(afterTokens.claims()!.sub, bob.sub, 'the browser is signed in as the handoff subject, not the earlier one');
      assert.deepEqual(await server.store.findBy('handoffs', 'grantId', aliceGrant), [], "the earlier subject's payload ended with its session");
      // The earlier token ended with its session.
      const gone = await readHandoff(server, ssoTokens.access_token);
      assert.equal(gone.status, 401);
      assert.equal(gone.body.error, 'invalid_token');
    });

    it('a 900 KiB payload round trip; only the handoff\'s own client reads it', async () => {
      const data = 'x'.repeat(900 * 1024);
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password', { blob: data }) });
      assert.equal(step1.status, 200);
      const browser = new Browser(server.issuer);
      const callback = await redeem(browser, step1.body.preauth_url);
      for (const cookie of browser.cookies.all()) assert.ok(cookie.value.length < 4096, `cookie ${cookie.name} stays small`);
      const tokens = await exchange(config, callback.href, {});
      assert.ok(tokens.access_token.length < 1024 && tokens.id_token!.length < 4096, 'the payload is not in a token');
      const handoff = await readHandoff(server, tokens.access_token);
      assert.equal(handoff.body.payload.data.blob, data);

      // The other client's own token does not reach this handoff.
      const otherStep = await grantRequest(server, other, { provider: 'password', payload: passwordPayload('alice', 'alice-password') });
      const otherCallback = await redeem(new Browser(server.issuer), otherStep.body.preauth_url);
      const otherTokens = await exchange(await relyingParty(server, other), otherCallback.href, {});
      const otherRead = await readHandoff(server, otherTokens.access_token);
      assert.equal(otherRead.status, 200);
      assert.equal(otherRead.body.client_id, other.client_id);
      assert.notEqual(otherRead.body.id, handoff.body.id);

      const noToken = await fetch(`${server.issuer}/handoff`);
      assert.equal(noToken.status, 401);
      assert.equal((await readHandoff(server, 'not-a-token')).status, 401);
    });

    it('the payload is gone once the grant is revoked', async () => {
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password', 'secret-ish'), scope: 'openid offline_access' });
      const callback = await redeem(new Browser(server.issuer), step1.body.preauth_url);
      const tokens = await exchange(config, callback.href, {});
      assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');
      assert.equal((await readHandoff(server, tokens.access_token)).status, 200);
      await client.tokenRevocation(config, tokens.refresh_token!);
      assert.equal((await readHandoff(server, tokens.access_token)).status, 401);
      const stored = await server.store.list('handoffs');
      assert.ok(!stored.some((r) => (r.data as { payload?: { data?: unknown } }).payload?.data === 'secret-ish'), 'the record is deleted');
    });

    it('the payload is gone once the session ends by RP-initiated logout', async () => {
      const leaving = await registerClient(server, { post_logout_redirect_uris: ['https://rp.example/bye'] });
      const leavingConfig = await relyingParty(server, leaving);
      const step1 = await grantRequest(server, leaving, { provider: 'password', payload: passwordPayload('alice', 'alice-password') });
      const browser = new Browser(server.issuer);
      const tokens = await exchange(leavingConfig, (await redeem(browser, step1.body.preauth_url)).href, {});
      assert.equal((await readHandoff(server, tokens.access_token)).status, 200);

      const endSession = client.buildEndSessionUrl(leavingConfig, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'https://rp.example/bye' });
      let landing = await browser.open(endSession);
      if (!landing.external) {
        const form = parseForms(landing.body, landing.url).find((f) => f.id === 'op.logoutForm');
        assert.ok(form, 'a logout confirmation form');
        landing = await browser.submit(form.action, { ...form.fields, logout: 'yes' });
      }
      assert.equal(landing.external && landing.url.href, 'https://rp.example/bye');
      assert.equal((await readHandoff(server, tokens.access_token)).status, 401);
    });

    it('response_mode=form_post delivers the code in an auto-submitting form', async () => {
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password'), response_mode: 'form_post', state: 'fp' });
      const landing = await new Browser(server.issuer).open(step1.body.preauth_url);
      assert.equal(landing.external, false);
      if (landing.external) return;
      assert.equal(landing.status, 200);
      assert.match(landing.body, new RegExp(`action="${REDIRECT_URI.replace(/[.]/g, '\\.')}"`));
      assert.match(landing.body, /name="code"/);
      assert.match(landing.body, /name="state" value="fp"/);
    });

    it('response_mode=fragment puts the code in the fragment', async () => {
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password'), response_mode: 'fragment', state: 'fr' });
      const callback = await redeem(new Browser(server.issuer), step1.body.preauth_url);
      const fragment = new URLSearchParams(callback.hash.slice(1));
      assert.ok(fragment.get('code'));
      assert.equal(fragment.get('state'), 'fr');
      assert.equal(callback.searchParams.get('code'), null);
    });

    it('password natively with HTTP Basic; parameters from the query string', async () => {
      const step1 = await nativeRequest(server, 'password', passwordPayload('alice', 'alice-password', { n: 1 }), 'application/json', {
        auth: basic(rp.client_id, rp.client_secret), query: { state: 'native-state', scope: 'openid email' },
      });
      assert.equal(step1.status, 200, step1.text);
      const callback = await redeem(new Browser(server.issuer), JSON.parse(step1.text).preauth_url);
      assert.equal(callback.searchParams.get('state'), 'native-state');
      const tokens = await exchange(config, callback.href, { state: 'native-state' });
      assert.match(tokens.scope ?? '', /email/);
    });
  });
}
