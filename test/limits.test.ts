/**
 * The limits of contract §1 and §3 over real HTTP, each with a small
 * configured value, on both stores: step-1 rate per client, failed
 * authentications per client and user (and per username on the login page),
 * redemptions per client IP (no code consumed when refused), and
 * `preauth_max_pending`.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { Browser, parseForms } from './support/browser.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { basic, createAccount, grantRequest, hmacBody, nativeRequest, passwordPayload, pkce, REDIRECT_URI, registerClient, relyingParty } from './support/preauth.js';
import { awaitFreshWindow } from './support/windows.js';

after(closeMongo);

function assert429(res: { status: number; headers: Headers; body: Record<string, unknown> }) {
  assert.equal(res.status, 429, JSON.stringify(res.body));
  assert.equal(res.body.error, 'too_many_requests');
  const retryAfter = Number(res.headers.get('retry-after'));
  assert.ok(Number.isInteger(retryAfter) && retryAfter >= 1, `Retry-After: ${res.headers.get('retry-after')}`);
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`limits on ${kind}`, () => {
    const servers: TestServer[] = [];
    after(() => Promise.all(servers.map((s) => s.close())));
    const start = async (opts: Parameters<typeof startServer>[0]) => {
      const server = await startServer({ kind, ...opts });
      servers.push(server);
      return server;
    };

    it('RATE_LIMIT_PREAUTH: step-1 requests per client per minute, every channel counted', async () => {
      const server = await start({ limits: { preauth: 3 } });
      const rp = await registerClient(server);
      const other = await registerClient(server);
      await createAccount(server, 'ann', 'ann-password');
      await awaitFreshWindow(60_000);
      const ok = () => grantRequest(server, rp, { provider: 'password', payload: passwordPayload('ann', 'ann-password') });
      assert.equal((await ok()).status, 200);
      assert.equal((await ok()).status, 200);
      const native = await nativeRequest(server, 'hmac-form', hmacBody(rp, { sub: 'u1' }), 'application/x-www-form-urlencoded');
      assert.equal(native.status, 200, native.text);
      assert429(await ok());
      // hmac-form answers its errors form-encoded, 429 included
      const refused = await nativeRequest(server, 'hmac-form', hmacBody(rp, { sub: 'u1' }), 'application/x-www-form-urlencoded');
      assert.equal(refused.status, 429);
      assert.equal(new URLSearchParams(refused.text).get('error'), 'too_many_requests');
      // another client has its own count
      assert.equal((await grantRequest(server, other, { provider: 'password', payload: passwordPayload('ann', 'ann-password') })).status, 200);
    });

    it('RATE_LIMIT_FAILURES: failed authentications per client and user; then even the right password gets 429', async () => {
      const server = await start({ limits: { failures: 2 } });
      const rp = await registerClient(server);
      const other = await registerClient(server);
      await createAccount(server, 'bob', 'bob-password');
      await createAccount(server, 'cat', 'cat-password');
      await awaitFreshWindow(15 * 60_000);
      const as = (client: typeof rp, user: string, password: string) =>
        grantRequest(server, client, { provider: 'password', payload: passwordPayload(user, password) });
      for (let i = 0; i < 2; i++) {
        const wrong = await as(rp, 'bob', 'wrong');
        assert.equal(wrong.status, 400);
        assert.equal(wrong.body.error, 'invalid_grant');
      }
      assert429(await as(rp, 'bob', 'bob-password'));
      assert429(await as(rp, 'bob', 'wrong'));
      assert.equal((await as(rp, 'cat', 'cat-password')).status, 200, 'another user of the client');
      assert.equal((await as(other, 'bob', 'bob-password')).status, 200, 'the same user through another client');
      // native channel, same client and user: the same count
      const native = await nativeRequest(server, 'password', passwordPayload('bob', 'bob-password'), 'application/json', { auth: basic(rp.client_id, rp.client_secret) });
      assert.equal(native.status, 429, native.text);
      assert.equal(JSON.parse(native.text).error, 'too_many_requests');
    });

    it('RATE_LIMIT_FAILURES on the login page: failed sign-ins per username; then even the right password gets 429', async () => {
      const server = await start({ limits: { failures: 2 } });
      const rp = await registerClient(server);
      await createAccount(server, 'fay', 'fay-password');
      await createAccount(server, 'gus', 'gus-password');
      const config = await relyingParty(server, rp);
      const browser = new Browser(server.issuer);
      const { challenge } = await pkce();
      const landing = await browser.open(client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' }));
      assert.equal(landing.external, false);
      const form = parseForms((landing as { body: string }).body, landing.url).find((f) => f.action.endsWith('/login'));
      assert.ok(form, 'the login form');
      const signIn = async (username: string, password: string) => {
        const res = await browser.post(form.action, { username, password });
        return { status: res.status, headers: res.headers, text: await res.text() };
      };
      await awaitFreshWindow(15 * 60_000);
      for (let i = 0; i < 2; i++) {
        const wrong = await signIn('fay', 'wrong');
        assert.equal(wrong.status, 401);
        assert.match(wrong.text, /username or password is incorrect/);
      }
      const locked = await signIn('fay', 'fay-password');
      assert.equal(locked.status, 429, 'the right password, over the limit');
      assert.equal(locked.headers.get('location'), null, 'no sign-in');
      assert.ok(Number(locked.headers.get('retry-after')) >= 1, `Retry-After: ${locked.headers.get('retry-after')}`);
      assert.match(locked.text, /Too many failed sign-ins for this username/);
      assert.ok(parseForms(locked.text, landing.url).some((f) => f.action.endsWith('/login')), 'the form is there for another username');
      // Unknown usernames count the same, so the answers tell nothing about which exist.
      for (let i = 0; i < 2; i++) assert.equal((await signIn('nobody', 'wrong')).status, 401);
      assert.equal((await signIn('nobody', 'wrong')).status, 429);
      // Another username signs in through the same form.
      const gus = await signIn('gus', 'gus-password');
      assert.equal(gus.status, 303, gus.text.slice(0, 200));
    });

    it('RATE_LIMIT_REDEEM: redemptions per client IP per minute; a refused one consumes nothing', async () => {
      const server = await start({ limits: { redeem: 2 }, trustProxy: true });
      const rp = await registerClient(server);
      await createAccount(server, 'dan', 'dan-password');
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('dan', 'dan-password') });
      assert.equal(step1.status, 200);
      await awaitFreshWindow(60_000);
      const from = (ip: string, url: string) => fetch(url, { redirect: 'manual', headers: { 'x-forwarded-for': ip, accept: 'application/json' } });
      const unknown = `${server.issuer}/preauth/${'A'.repeat(43)}`;
      assert.equal((await from('203.0.113.7', unknown)).status, 400);
      assert.equal((await from('203.0.113.7', unknown)).status, 400);
      const refused = await from('203.0.113.7', step1.body.preauth_url);
      assert429({ status: refused.status, headers: refused.headers, body: await refused.json() as Record<string, unknown> });
      // HEAD is never counted nor refused
      assert.equal((await fetch(step1.body.preauth_url, { method: 'HEAD', headers: { 'x-forwarded-for': '203.0.113.7' } })).status, 200);
      // the code is still good, from another address
      const redeemed = await from('198.51.100.9', step1.body.preauth_url);
      assert.ok(redeemed.status >= 300 && redeemed.status < 400, `redirected, got ${redeemed.status}`);
    });

    it('preauth_max_pending: step 1 beyond the client\'s unredeemed URLs gets 429; a redemption frees a place', async () => {
      const server = await start({});
      const rp = await registerClient(server, { preauth_max_pending: 2 });
      await createAccount(server, 'eve', 'eve-password');
      const step1 = () => grantRequest(server, rp, { provider: 'password', payload: passwordPayload('eve', 'eve-password') });
      await awaitFreshWindow(120_000);
      const first = await step1();
      assert.equal(first.status, 200);
      assert.equal((await step1()).status, 200);
      assert429(await step1());
      const landing = await new Browser(server.issuer).open(first.body.preauth_url);
      assert.ok(landing.external, `ended at ${landing.url}`);
      assert.equal((await step1()).status, 200, 'the redeemed URL gave its place back');
      assert429(await step1());
    });
  });
}
