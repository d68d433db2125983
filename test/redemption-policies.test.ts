/**
 * Step 2's failure reasons and per-client redemption policies (contract §4
 * step 2, §3 client extensions), over real HTTP on both stores: reasons in
 * JSON, in words and in the audit log; confirm page; IP binding; fallback.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { pino } from 'pino';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { AddressBrowser } from './support/address-browser.js';
import { Browser, parseForms } from './support/browser.js';
import {
  basic, createAccount, exchange, grantRequest, nativeRequest, passwordPayload, pkce, readHandoff, registerClient,
  relyingParty, REDIRECT_URI, type RegisteredClient,
} from './support/preauth.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const JSON_ACCEPT = { accept: 'application/json' };

/** Audit events of the server under test, read from its log lines. */
function auditLog() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) });
  return { logger, events: (name: string) => lines.filter((l) => l.event === name) };
}

async function step1(server: TestServer, rp: RegisteredClient, params: Record<string, string> = {}) {
  const res = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password'), ...params });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.preauth_url as string;
}

/** A redemption attempt that must fail: its JSON answer, with the headers every failure carries. */
async function failure(url: string, from?: AddressBrowser) {
  const res = from ? await from.get(url, JSON_ACCEPT) : await fetch(url, { redirect: 'manual', headers: JSON_ACCEPT });
  assert.equal(res.status, 400);
  assert.equal(res.headers.get('location'), null, 'never a redirect');
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
  const body = await res.json() as { error: string; error_description: string; reason: string };
  assert.equal(body.error, 'invalid_grant');
  assert.ok(body.error_description);
  return body;
}

async function htmlFailure(url: string) {
  const res = await fetch(url, { redirect: 'manual' });
  assert.equal(res.status, 400);
  assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
  return res.text();
}

/** Opens a URL in the browser and returns where it was sent outside the issuer. */
async function landAtClient(browser: Browser, url: string): Promise<URL> {
  const landing = await browser.open(url);
  assert.equal(landing.external, true, `expected a redirect to the client, got ${landing.status} at ${landing.url}`);
  return landing.url;
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`redemption failure reasons (${kind})`, () => {
    let server: TestServer;
    let rp: RegisteredClient;
    const log = auditLog();

    before(async () => {
      server = await startServer({ kind, logger: log.logger });
      rp = await registerClient(server);
      await createAccount(server, 'alice', 'alice-password', { email: 'alice@example.com' });
      await createAccount(server, 'bob', 'bob-password');
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('unknown and malformed codes: reason unknown, in JSON, in words and in the audit log', async () => {
      for (const code of ['A'.repeat(43), 'short', 'x'.repeat(300), '%00']) {
        const body = await failure(`${server.issuer}/preauth/${code}`);
        assert.equal(body.reason, 'unknown', code);
      }
      const page = await htmlFailure(`${server.issuer}/preauth/${'B'.repeat(43)}`);
      assert.match(page, /not valid/);
      assert.ok(log.events('handoff.rejected').some((e) => e.reason === 'unknown'));
    });

    it('a used code: reason used, no-store and no-referrer on the 303 and on the refusal', async () => {
      const url = await step1(server, rp);
      const first = await fetch(url, { redirect: 'manual' });
      assert.equal(first.status, 303);
      assert.equal(first.headers.get('cache-control'), 'no-store');
      assert.equal(first.headers.get('referrer-policy'), 'no-referrer');
      const body = await failure(url);
      assert.equal(body.reason, 'used');
      assert.match(await htmlFailure(url), /already used/);
      const redeemed = log.events('handoff.redeemed').at(-1)!;
      assert.equal(redeemed.client_id, rp.client_id);
      assert.equal(redeemed.provider, 'password');
      const rejected = log.events('handoff.rejected').at(-1)!;
      assert.deepEqual([rejected.reason, rejected.client_id, rejected.provider, rejected.sub], ['used', rp.client_id, 'password', redeemed.sub]);
      const metrics = await server.handoff.events.registry.getSingleMetricAsString('handoff_redemptions_total');
      assert.match(metrics, /outcome="used"/);
      assert.match(metrics, /outcome="ok"/);
    });

    it('a used code stays `used` after its redeemed record is gone (the next subject replaced the session)', async () => {
      const browser = new Browser(server.issuer);
      const first = await step1(server, rp);
      await landAtClient(browser, first);
      const asBob = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('bob', 'bob-password') });
      await landAtClient(browser, asBob.body.preauth_url);
      const key = createHash('sha256').update(first.slice(first.lastIndexOf('/') + 1)).digest('hex');
      assert.equal(await server.store.get('handoffs', key), undefined, "alice's redeemed record went with her session");
      assert.equal((await failure(first)).reason, 'used');
    });

    it('a revoked code fails like an unknown one', async () => {
      const url = await step1(server, rp);
      const [pending] = (await server.admin('GET', `/admin/handoffs?client_id=${rp.client_id}`)).body;
      assert.equal((await server.admin('DELETE', `/admin/handoffs/${pending.id}`)).status, 204);
      assert.equal((await failure(url)).reason, 'unknown');
    });

    it('audit #11: a pending URL stops redeeming once the client may no longer use the provider (not_allowed)', async () => {
      const limited = await registerClient(server);
      const url = await step1(server, limited);
      const patched = await server.admin('PATCH', `/admin/clients/${limited.client_id}`, { preauth_providers: ['signed-jwt'] });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal((await failure(url)).reason, 'not_allowed');
      assert.match(await htmlFailure(url), /no longer allowed/);
    });

    it('audit #11: a pending URL of a deleted client fails with not_allowed, even with fallback', async () => {
      const doomed = await registerClient(server, { preauth_fallback: true });
      const url = await step1(server, doomed);
      assert.equal((await server.admin('DELETE', `/admin/clients/${doomed.client_id}`)).status, 204);
      assert.equal((await failure(url)).reason, 'not_allowed');
      assert.match(await htmlFailure(url), /no longer allowed/);
    });

    it('expired codes: reason expired; with fallback, an interactive login with step 1\'s parameters', { timeout: 30_000 }, async () => {
      const quick = await registerClient(server, { preauth_ttl: 10 });
      const quickFallback = await registerClient(server, { preauth_ttl: 10, preauth_fallback: true });
      const plain = await step1(server, quick);
      const { challenge } = await pkce();
      const withFallback = await step1(server, quickFallback, {
        state: 'st-x', nonce: 'n-x', code_challenge: challenge, code_challenge_method: 'S256', scope: 'openid email', response_mode: 'form_post',
      });
      await sleep(10_500);
      assert.equal((await failure(plain)).reason, 'expired');
      assert.match(await htmlFailure(plain), /expired/);

      const res = await fetch(withFallback, { redirect: 'manual' });
      assert.equal(res.status, 303);
      const location = new URL(res.headers.get('location')!);
      assert.equal(`${location.origin}${location.pathname}`, `${server.issuer}/auth`);
      assert.deepEqual(Object.fromEntries(location.searchParams), {
        client_id: quickFallback.client_id, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid email',
        state: 'st-x', nonce: 'n-x', code_challenge: challenge, code_challenge_method: 'S256', response_mode: 'form_post',
        login_hint: 'alice',
      });
      assert.ok(log.events('handoff.rejected').some((e) => e.reason === 'expired' && e.client_id === quickFallback.client_id));
    });

    it('fallback on a used code shows the login page (prefilled), never a code without a login', async () => {
      const fb = await registerClient(server, { preauth_fallback: true, first_party: true });
      const { verifier, challenge } = await pkce();
      const url = await step1(server, fb, { state: 'st-f', code_challenge: challenge, code_challenge_method: 'S256' });
      await landAtClient(new Browser(server.issuer), url);

      const stranger = new Browser(server.issuer);
      const landing = await stranger.open(url);
      assert.equal(landing.external, false, 'a fresh browser lands on a page, not at the client');
      assert.equal(landing.status, 200);
      const [login] = parseForms(landing.body, landing.url);
      assert.ok(login, landing.body);
      assert.equal(login.fields.username, 'alice');
      const callback = await stranger.submit(login.action, { username: 'alice', password: 'alice-password' });
      assert.equal(callback.external, true, callback.external ? '' : `${callback.status} ${callback.url} ${callback.body}`);
      const config = await relyingParty(server, fb);
      const tokens = await exchange(config, callback.url.href, { verifier, state: 'st-f' });
      assert.equal(tokens.claims()!.acr, 'urn:handoff:password', 'an ordinary password login, not the handoff');
    });

    it('unknown codes get the error page even with fallback', async () => {
      await registerClient(server, { preauth_fallback: true });
      assert.equal((await failure(`${server.issuer}/preauth/${'C'.repeat(43)}`)).reason, 'unknown');
    });

    it('Same subject in one browser: alice through client A, then through client B; A\'s /handoff still answers', async () => {
      const a = await registerClient(server);
      const b = await registerClient(server);
      const browser = new Browser(server.issuer);
      const callbackA = await landAtClient(browser, await step1(server, a));
      const tokensA = await exchange(await relyingParty(server, a), callbackA.href, {});
      const callbackB = await landAtClient(browser, await step1(server, b));
      const tokensB = await exchange(await relyingParty(server, b), callbackB.href, {});
      assert.equal(tokensA.claims()!.sub, tokensB.claims()!.sub);
      assert.equal((await readHandoff(server, tokensB.access_token)).status, 200);
      const handoffA = await readHandoff(server, tokensA.access_token);
      assert.equal(handoffA.status, 200, JSON.stringify(handoffA.body));
      assert.equal(handoffA.body.client_id, a.client_id);
    });
  });

  describe(`confirm policy (${kind})`, () => {
    let server: TestServer;
    let rp: RegisteredClient;

    before(async () => {
      server = await startServer({ kind });
      rp = await registerClient(server, { preauth_redemption: 'confirm', client_name: 'Shop <b>"&\'' });
      await createAccount(server, 'alice', 'alice-password');
      await createAccount(server, 'bob', 'bob-password');
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('GET shows a page naming the client, with §8 headers and no script; only its POST redeems', async () => {
      const { verifier, challenge } = await pkce();
      const url = await step1(server, rp, { state: 'st-c', code_challenge: challenge, code_challenge_method: 'S256' });
      const browser = new Browser(server.issuer);
      for (let i = 0; i < 2; i++) {
        const res = await browser.get(url);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
        assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/);
        assert.equal(res.headers.get('referrer-policy'), 'no-referrer');
        assert.equal(res.headers.get('cache-control'), 'no-store');
        const html = await res.text();
        assert.ok(html.includes('Shop &#60;b&#62;&#34;&#38;&#39;'), 'client name escaped');
        assert.doesNotMatch(html, /<script/i);
        assert.doesNotMatch(html, /signed out/);
        const [form] = parseForms(html);
        assert.equal(form!.method, 'post');
        assert.equal(form!.action, url);
      }
      assert.equal((await fetch(url, { method: 'HEAD' })).status, 200);
      const landing = await browser.submit(url, {});
      assert.equal(landing.external, true);
      assert.equal(landing.url.searchParams.get('state'), 'st-c');
      const tokens = await exchange(await relyingParty(server, rp), landing.url.href, { verifier, state: 'st-c' });
      assert.equal(tokens.claims()!.acr, 'urn:handoff:preauth:password');

      const again = await fetch(url, { method: 'POST', redirect: 'manual', headers: JSON_ACCEPT });
      assert.equal(again.status, 400);
      assert.equal((await again.json() as { reason: string }).reason, 'used');
    });

    it('says who will be signed out when another subject is signed in', async () => {
      const browser = new Browser(server.issuer);
      const asBob = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('bob', 'bob-password') });
      assert.equal((await browser.submit(asBob.body.preauth_url, {})).external, true);
      const page = await (await browser.get(await step1(server, rp))).text();
      assert.match(page, /signed in as <strong>bob<\/strong> and will be signed out/);
      // The same subject again: nobody is signed out.
      const asBobAgain = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('bob', 'bob-password') });
      assert.doesNotMatch(await (await browser.get(asBobAgain.body.preauth_url)).text(), /signed out/);
    });

    it('a POST that the browser marks as cross-site is refused and consumes nothing', async () => {
      const url = await step1(server, rp);
      const browser = new Browser(server.issuer);
      const crossSite = await browser.post(url, {}, { 'sec-fetch-site': 'cross-site' });
      assert.equal(crossSite.status, 403);
      const foreign = await browser.post(url, {}, { origin: 'https://evil.example' });
      assert.equal(foreign.status, 403);
      const sameSite = await browser.follow(await browser.post(url, {}, { 'sec-fetch-site': 'same-origin', origin: 'null' }));
      assert.equal(sameSite.external, true);
    });

    it('with the default policy a POST is refused with 405 and the GET still redeems', async () => {
      const plain = await registerClient(server);
      const url = await step1(server, plain);
      const res = await fetch(url, { method: 'POST', redirect: 'manual' });
      assert.equal(res.status, 405);
      assert.match(res.headers.get('allow') ?? '', /GET/);
      assert.equal((await new Browser(server.issuer).open(url)).external, true);
    });
  });

  describe(`IP binding (${kind})`, () => {
    let server: TestServer;
    let bound: RegisteredClient;

    before(async () => {
      server = await startServer({ kind });
      bound = await registerClient(server, { preauth_bind_ip: true });
      await createAccount(server, 'alice', 'alice-password');
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('without bind_ip the URL redeems only from the step-1 IP; a wrong IP leaves it valid', async () => {
      const url = await step1(server, bound); // sent from 127.0.0.1
      assert.equal((await failure(url, new AddressBrowser(server.issuer, '127.0.0.2'))).reason, 'ip_mismatch');
      assert.equal((await landAtClient(new AddressBrowser(server.issuer, '127.0.0.1'), url)).origin, new URL(REDIRECT_URI).origin);
    });

    it('bind_ip names the redeeming IP through the custom grant (IPv4-mapped IPv6 normalised)', async () => {
      const url = await step1(server, bound, { bind_ip: '::ffff:127.0.0.3' });
      assert.equal((await failure(url)).reason, 'ip_mismatch', 'not from the step-1 IP');
      assert.equal((await failure(url, new AddressBrowser(server.issuer, '127.0.0.2'))).reason, 'ip_mismatch');
      await landAtClient(new AddressBrowser(server.issuer, '127.0.0.3'), url);
    });

    it('bind_ip in the native endpoint\'s query string', async () => {
      const answer = await nativeRequest(server, 'password', passwordPayload('alice', 'alice-password'), 'application/json', {
        query: { bind_ip: '127.0.0.4' }, auth: basic(bound.client_id, bound.client_secret),
      });
      assert.equal(answer.status, 200, answer.text);
      const url = JSON.parse(answer.text).preauth_url as string;
      assert.equal((await failure(url)).reason, 'ip_mismatch');
      await landAtClient(new AddressBrowser(server.issuer, '127.0.0.4'), url);
    });

    it('a bind_ip that is not an IP address is a 400 invalid_request', async () => {
      for (const bad of ['localhost', '127.0.0.256', '1.2.3', 'fe80::1%eth0', '::ffff:1.2.3.4.5']) {
        const res = await grantRequest(server, bound, { provider: 'password', payload: passwordPayload('alice', 'alice-password'), bind_ip: bad });
        assert.equal(res.status, 400, bad);
        assert.equal(res.body.error, 'invalid_request');
      }
    });

    it('a client without the policy redeems from anywhere, and fallback applies to ip_mismatch', async () => {
      const free = await registerClient(server);
      await landAtClient(new AddressBrowser(server.issuer, '127.0.0.5'), await step1(server, free, { bind_ip: '127.0.0.9' }));

      const fb = await registerClient(server, { preauth_bind_ip: true, preauth_fallback: true });
      const { challenge } = await pkce();
      const url = await step1(server, fb, { state: 'st-ip', code_challenge: challenge, code_challenge_method: 'S256' });
      const res = await new AddressBrowser(server.issuer, '127.0.0.6').get(url);
      assert.equal(res.status, 303);
      const location = new URL(res.headers.get('location')!);
      assert.equal(location.pathname, '/auth');
      assert.equal(location.searchParams.get('state'), 'st-ip');
      assert.equal(location.searchParams.get('login_hint'), 'alice');
      // The handoff itself is still there for its own IP.
      await landAtClient(new AddressBrowser(server.issuer, '127.0.0.1'), url);
    });
  });
}
