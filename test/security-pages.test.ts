/**
 * Audit findings about pages and parameters, over real HTTP on both stores:
 * #11 every HTML page carries nosniff, no framing and no referrer; #4
 * authorization parameters are capped at 2 KiB at /auth, at PAR and in step 1.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { oidcCollection } from '../adapters/oidc-adapter.js';
import { Browser, parseForms } from './support/browser.js';
import { basic, createAccount, grantRequest, passwordPayload, pkce, registerClient, REDIRECT_URI, type RegisteredClient } from './support/preauth.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

const HTML = 'text/html,application/xhtml+xml,*/*;q=0.8';

function assertPageHeaders(res: Response, what: string): void {
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/, `${what}: an HTML page (status ${res.status})`);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', `${what}: nosniff`);
  assert.match(res.headers.get('content-security-policy') ?? '', /(^|;)\s*frame-ancestors 'none'/, `${what}: frame-ancestors 'none'`);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', `${what}: Referrer-Policy`);
}

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(count: number, limit: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const out: T[] = new Array(count);
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < count) {
      const i = next++;
      out[i] = await task(i);
    }
  }));
  return out;
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`security audit, pages and parameters (${kind})`, () => {
    let server: TestServer;
    let rp: RegisteredClient;
    let account: { username: string };
    const password = 'pages-password-1';

    before(async () => {
      server = await startServer({ kind });
      rp = await registerClient(server, { post_logout_redirect_uris: ['https://rp.example/bye'] });
      account = await createAccount(server, 'pages-user', password);
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    const count = async (model: string) => (await server.store.list(oidcCollection(model))).length;

    it("audit #11 every HTML page sends nosniff, frame-ancestors 'none' and no-referrer, oidc-provider's own pages included", async () => {
      const get = (path: string, init: RequestInit = {}) => fetch(new URL(path, server.issuer), { redirect: 'manual', headers: { accept: HTML }, ...init });
      // oidc-provider's error page (an unknown client)
      assertPageHeaders(await get('/auth?client_id=nobody&response_type=code&scope=openid'), 'oidc-provider error page');
      // its logout confirmation and logout success pages
      assertPageHeaders(await get('/session/end'), 'logout page');
      assertPageHeaders(await get('/session/end/success'), 'logout success page');
      // handoff's redemption error page, and HEAD of a pre-auth URL
      assertPageHeaders(await get('/preauth/unknown-code'), 'pre-auth error page');
      assertPageHeaders(await get('/preauth/unknown-code', { method: 'HEAD' }), 'HEAD of a pre-auth URL');
      // the login and consent pages
      const config = await client.discovery(new URL(server.issuer), rp.client_id, rp.client_secret, undefined, { execute: [client.allowInsecureRequests] });
      const { challenge } = await pkce();
      const browser = new Browser(server.issuer);
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' });
      const login = await browser.open(url);
      assert.equal(login.external, false);
      if (login.external) return;
      assertPageHeaders(login.response, 'login page');
      const form = parseForms(login.body, login.url).find((f) => f.action.includes('/login'))!;
      const consent = await browser.submit(form.action, { ...form.fields, username: account.username, password });
      assert.equal(consent.external, false);
      if (consent.external) return;
      assertPageHeaders(consent.response, 'consent page');
      // oidc-provider's form_post page, through a redemption
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(account.username, password), response_mode: 'form_post' });
      assert.equal(step1.status, 200, JSON.stringify(step1.body));
      const formPost = await new Browser(server.issuer).open(step1.body.preauth_url);
      assert.equal(formPost.external, false);
      if (formPost.external) return;
      assert.match(formPost.body, /name="code"/);
      assertPageHeaders(formPost.response, 'form_post page');
      // the authorization parameter cap's own page
      assertPageHeaders(await get(`/auth?client_id=${rp.client_id}&state=${'s'.repeat(3000)}`), 'parameter cap page');
    });

    it('audit #4 600 unauthenticated GET /auth with a 15 KB state get 400 and store nothing', async () => {
      const { challenge } = await pkce();
      const query = new URLSearchParams({
        client_id: rp.client_id, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid',
        code_challenge: challenge, code_challenge_method: 'S256', state: 'S'.repeat(15_000),
      });
      const before = { interactions: await count('Interaction'), sessions: await count('Session') };
      const statuses = await pool(600, 16, async (i) => {
        const res = await fetch(`${server.issuer}/auth?${query}`, { redirect: 'manual', headers: i % 2 ? { accept: HTML } : { accept: 'application/json' } });
        await res.arrayBuffer();
        return res.status;
      });
      assert.deepEqual([...new Set(statuses)], [400]);
      assert.deepEqual({ interactions: await count('Interaction'), sessions: await count('Session') }, before, 'nothing was stored');
      const json = await fetch(`${server.issuer}/auth?${query}`, { headers: { accept: 'application/json' } });
      const body = await json.json() as { error: string; details: { field: string }[] };
      assert.equal(body.error, 'invalid_request');
      assert.deepEqual(body.details.map((d) => d.field), ['state']);
      // At the cap itself the request goes through to the login page.
      query.set('state', 'S'.repeat(2048));
      const atCap = await fetch(`${server.issuer}/auth?${query}`, { redirect: 'manual' });
      assert.equal(atCap.status, 303);
    });

    it('audit #4 authorization parameters are capped at 2 KiB in step 1 and at the PAR endpoint', async () => {
      const longScope = Array.from({ length: 400 }, () => 'openid').join(' ');
      const grant = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(account.username, password), scope: longScope });
      assert.equal(grant.status, 400, JSON.stringify(grant.body));
      assert.equal(grant.body.error, 'invalid_request');
      assert.deepEqual(grant.body.details.map((d: { field: string }) => d.field), ['scope']);
      const native = await fetch(`${server.issuer}/providers/password/preauth?${new URLSearchParams({ nonce: 'n'.repeat(2049) })}`, {
        method: 'POST', headers: { 'content-type': 'application/json', authorization: basic(rp.client_id, rp.client_secret) },
        body: passwordPayload(account.username, password),
      });
      assert.equal(native.status, 400);
      assert.deepEqual((await native.json() as { details: { field: string }[] }).details.map((d) => d.field), ['nonce']);
      const atCap = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(account.username, password), state: 's'.repeat(2048) });
      assert.equal(atCap.status, 200, JSON.stringify(atCap.body));

      const { challenge } = await pkce();
      const parsBefore = await count('PushedAuthorizationRequest');
      const par = await fetch(`${server.issuer}/request`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rp.client_id, rp.client_secret) },
        body: new URLSearchParams({
          response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256', state: 'S'.repeat(15_000),
        }),
      });
      const parBody = await par.json() as { error: string; details: { field: string }[] };
      assert.equal(par.status, 400, JSON.stringify(parBody).slice(0, 300));
      assert.equal(parBody.error, 'invalid_request');
      assert.deepEqual(parBody.details.map((d) => d.field), ['state']);
      assert.equal(await count('PushedAuthorizationRequest'), parsBefore);
    });
  });
}
