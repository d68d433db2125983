/**
 * The admin web page over plain HTTP: sign-in and its cookie, the §8 headers
 * on every page, CSRF and session checks on every change, accounts, pending
 * handoffs, key rotation, and an issuer with a path prefix. The whole
 * client flow in a real browser is in browser-admin.test.ts.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Koa from 'koa';
import mount from 'koa-mount';
import { adminUiRouter } from '../server/admin-ui/router.js';
import { Accounts } from '../server/accounts.js';
import { Handoffs } from '../server/handoffs.js';
import { Browser, parseForms } from './support/browser.js';
import { createAccount, grantRequest, passwordPayload, registerClient } from './support/preauth.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

after(() => closeMongo());

function assertPageHeaders(res: Response, what: string): void {
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', what);
  assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, what);
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self'/, what);
  assert.equal(res.headers.get('referrer-policy'), 'no-referrer', what);
  assert.equal(res.headers.get('cache-control'), 'no-store', what);
}

async function signIn(issuer: string, token: string, prefix = ''): Promise<Browser> {
  const browser = new Browser(issuer);
  const res = await browser.post(`${prefix}/admin/ui/sign-in`, { token });
  assert.equal(res.status, 303);
  assert.equal(res.headers.get('location'), `${prefix}/admin`);
  return browser;
}

/** The CSRF token of the page at `path` (every form of a page carries the session's). */
async function csrfOf(browser: Browser, path: string): Promise<string> {
  const res = await browser.get(path);
  assert.equal(res.status, 200, path);
  const token = parseForms(await res.text()).find((f) => f.fields.csrf)?.fields.csrf;
  assert.ok(token, `a CSRF token on ${path}`);
  return token;
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`admin web page over HTTP on ${kind}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ kind });
    });
    after(() => server?.close());

    it('shows the sign-in page to browsers at /admin, while the JSON API there keeps its bearer token', async () => {
      const page = await new Browser(server.issuer).get('/admin');
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      assertPageHeaders(page, '/admin');
      assert.ok(parseForms(await page.text()).some((f) => f.action === '/admin/ui/sign-in' && 'token' in f.fields));

      const api = await fetch(`${server.issuer}/admin`);
      assert.equal(api.status, 401, 'not a browser: the API answers');
      assert.equal((await api.json() as { error: string }).error, 'invalid_token');
    });

    it('refuses a wrong token without a cookie; the right one gets an HttpOnly, SameSite=Strict session cookie without the token', async () => {
      const browser = new Browser(server.issuer);
      const wrong = await browser.post('/admin/ui/sign-in', { token: 'not-the-token' });
      assert.equal(wrong.status, 401);
      assertPageHeaders(wrong, 'failed sign-in');
      assert.deepEqual(wrong.headers.getSetCookie(), []);

      const right = await browser.post('/admin/ui/sign-in', { token: server.adminToken });
      assert.equal(right.status, 303);
      const [cookie, ...more] = right.headers.getSetCookie();
      assert.equal(more.length, 0);
      assert.match(cookie!, /^handoff_admin=[A-Za-z0-9_-]{43}; Path=\/admin; Max-Age=\d+; HttpOnly; SameSite=Strict$/);
      assert.ok(!cookie!.includes(server.adminToken));
      assert.doesNotMatch(cookie!, /Secure/, 'http issuer');

      // The cookie opens the page but never the JSON API.
      assert.equal((await browser.get('/admin')).status, 200);
      const api = await browser.get('/admin/clients', { accept: 'application/json' });
      assert.equal(api.status, 401);
    });

    it('sends the §8 headers and no-store on every page', async () => {
      const browser = await signIn(server.issuer, server.adminToken);
      const pages: [string, number][] = [
        ['/admin', 200], ['/admin/ui/clients/new', 200], ['/admin/ui/accounts', 200], ['/admin/ui/handoffs', 200],
        ['/admin/ui/clients/nobody', 404], ['/admin/ui/nothing-here', 404],
      ];
      for (const [path, status] of pages) {
        const res = await browser.get(path);
        assert.equal(res.status, status, path);
        assert.match(res.headers.get('content-type') ?? '', /text\/html/, path);
        assertPageHeaders(res, path);
      }
      const css = await browser.get('/admin/ui/style.css');
      assert.equal(css.status, 200);
      assert.match(css.headers.get('content-type') ?? '', /text\/css/);
    });

    it('sends a browser without a session to sign in, and refuses its changes (403) without touching anything', async () => {
      const anonymous = new Browser(server.issuer);
      const look = await anonymous.get('/admin/ui/accounts');
      assert.equal(look.status, 303);
      assert.equal(look.headers.get('location'), '/admin');
      const change = await anonymous.post('/admin/ui/accounts', { csrf: 'x', username: 'sneaky', password: 'pw' });
      assert.equal(change.status, 403);
      assertPageHeaders(change, 'refused change');

      const browser = await signIn(server.issuer, server.adminToken);
      const csrf = await csrfOf(browser, '/admin/ui/accounts');
      const noToken = await browser.post('/admin/ui/accounts', { username: 'sneaky', password: 'pw' });
      assert.equal(noToken.status, 403);
      const wrongToken = await browser.post('/admin/ui/accounts', { csrf: `${csrf}x`, username: 'sneaky', password: 'pw' });
      assert.equal(wrongToken.status, 403);
      const crossSite = await browser.post('/admin/ui/accounts', { csrf, username: 'sneaky', password: 'pw' }, { 'sec-fetch-site': 'cross-site' });
      assert.equal(crossSite.status, 403);
      const otherOrigin = await browser.post('/admin/ui/accounts', { csrf, username: 'sneaky', password: 'pw' }, { origin: 'https://evil.example' });
      assert.equal(otherOrigin.status, 403);

      // None of them made the account: the username is still free.
      const made = await server.admin('POST', '/admin/accounts', { username: 'sneaky', password: 'pw' });
      assert.equal(made.status, 201);
    });

    it('creates, looks up and deletes accounts; refusals carry the API’s own details', async () => {
      const browser = await signIn(server.issuer, server.adminToken);
      const csrf = await csrfOf(browser, '/admin/ui/accounts');

      const missingPassword = await browser.post('/admin/ui/accounts', { csrf, username: 'carol', password: '' });
      assert.equal(missingPassword.status, 400);
      const api = await server.admin('POST', '/admin/accounts', { username: 'carol', password: '' });
      const expected = api.body.details.find((d: { field: string }) => d.field === 'password').message;
      assert.ok((await missingPassword.text()).includes(`id="a-password-error">${expected}<`));

      const badClaims = await browser.post('/admin/ui/accounts', { csrf, username: 'carol', password: 'pw', claims: '{nope' });
      assert.equal(badClaims.status, 400);
      assert.match(await badClaims.text(), /id="a-claims-error">is not valid JSON</);

      const created = await browser.post('/admin/ui/accounts', { csrf, username: 'carol', password: 'carol-pw', claims: '{"email":"carol@example.com"}' });
      assert.equal(created.status, 201);
      const sub = /<dt>sub<\/dt><dd><code>([^<]+)<\/code>/.exec(await created.text())?.[1];
      assert.ok(sub);
      const stored = await server.admin('GET', `/admin/accounts/${sub}`);
      assert.equal(stored.status, 200);
      assert.deepEqual(stored.body, { sub, username: 'carol', claims: { email: 'carol@example.com' } });

      const duplicate = await browser.post('/admin/ui/accounts', { csrf, username: 'carol', password: 'other' });
      assert.equal(duplicate.status, 409);
      assert.match(await duplicate.text(), /username already exists/);

      const found = await browser.get(`/admin/ui/accounts?sub=${encodeURIComponent(sub)}`);
      assert.equal(found.status, 200);
      assert.match(await found.text(), /carol@example\.com/);
      assert.equal((await browser.get('/admin/ui/accounts?sub=nobody')).status, 404);

      const removed = await browser.post(`/admin/ui/accounts/${encodeURIComponent(sub)}/delete`, { csrf });
      assert.equal(removed.status, 303);
      assert.equal((await server.admin('GET', `/admin/accounts/${sub}`)).status, 404);
    });

    it('lists unredeemed handoffs per client and revokes one, then all of the client; revoked URLs fail like unknown ones', async () => {
      const rp = await registerClient(server, { client_name: 'Handoff Shop' });
      const other = await registerClient(server);
      await createAccount(server, `dave-${kind}`, 'dave-pw');
      const step1 = () => grantRequest(server, rp, { provider: 'password', payload: passwordPayload(`dave-${kind}`, 'dave-pw') });
      const first = (await step1()).body.preauth_url as string;
      const second = (await step1()).body.preauth_url as string;
      const untouched = (await grantRequest(server, other, { provider: 'password', payload: passwordPayload(`dave-${kind}`, 'dave-pw') })).body.preauth_url as string;

      const browser = await signIn(server.issuer, server.adminToken);
      const listing = await browser.get(`/admin/ui/handoffs?client_id=${encodeURIComponent(rp.client_id)}`);
      assert.equal(listing.status, 200);
      const html = await listing.text();
      assert.ok(!html.includes(first.split('/').pop()!) && !html.includes(second.split('/').pop()!), 'codes are never shown');
      const forms = parseForms(html).filter((f) => /\/admin\/ui\/handoffs\/[^/]+\/revoke$/.test(f.action));
      assert.equal(forms.length, 2, 'the two handoffs of this client, not the other client’s');

      const one = await browser.post(forms[0]!.action, forms[0]!.fields);
      assert.equal(one.status, 303);
      assert.match(one.headers.get('location') ?? '', /notice=handoff-revoked/);
      const after1 = await browser.get(`/admin/ui/handoffs?client_id=${encodeURIComponent(rp.client_id)}`);
      const left = parseForms(await after1.text());
      assert.equal(left.filter((f) => f.action.endsWith('/revoke')).length, 1);
      const all = left.find((f) => f.action.endsWith('/admin/ui/handoffs/revoke-all'));
      assert.ok(all, 'a revoke-all button for the client');
      const rest = await browser.post(all.action, all.fields);
      assert.equal(rest.status, 303);
      assert.match(rest.headers.get('location') ?? '', /revoked=1/);

      for (const url of [first, second]) {
        const res = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'manual' });
        assert.equal(res.status, 400, 'a revoked URL fails');
        assert.equal((await res.json() as { error: string }).error, 'invalid_grant');
      }
      const still = await fetch(untouched, { redirect: 'manual' });
      assert.equal(still.status, 303, 'the other client’s URL still redeems');
    });

    it('rotates the server\'s signing keys: the new kids are published in the JWKS', async () => {
      const browser = await signIn(server.issuer, server.adminToken);
      const home = await (await browser.get('/admin')).text();
      assert.equal(home.includes('/admin/ui/keys'), true, 'the home page links to key rotation');
      const csrf = await csrfOf(browser, '/admin/ui/keys');
      const rotated = await browser.post('/admin/ui/keys/rotate', { csrf });
      assert.equal(rotated.status, 201);
      const page = await rotated.text();
      const jwks = (await (await fetch(`${server.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
      const shown = jwks.keys.map((k) => k.kid).filter((kid) => page.includes(kid));
      assert.equal(shown.length, 2, 'both new kids are on the page and in the JWKS');
    });
  });
}

describe('admin web page under an issuer with a path prefix, with key rotation', () => {
  let server: TestServer;
  let http: ReturnType<typeof createServer>;
  let issuer: string;
  const rotations: string[][] = [];
  before(async () => {
    server = await startServer();
    // Koa builds its middleware chain in callback(): the mount goes in before the first request.
    const app = new Koa();
    http = createServer((req, res) => void app.callback()(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    issuer = `${origin}/login`;
    const { handoff, store } = server;
    const router = adminUiRouter({
      oidc: handoff.oidc, store, accounts: new Accounts(store), handoffs: new Handoffs(store), events: handoff.events,
      providerIds: handoff.providers.ids(), checkToken: (t) => t === 'prefix-token', issuer,
      async rotateKeys() {
        const kids = [`kid-${rotations.length}-es`, `kid-${rotations.length}-rs`];
        rotations.push(kids);
        return kids;
      },
    });
    app.use(mount('/login', new Koa().use(router.routes())));
  });
  after(async () => {
    http?.closeAllConnections();
    await new Promise<void>((resolve) => http?.close(() => resolve()));
    await server?.close();
  });

  it('builds every URL and the cookie path under the prefix, and rotates keys through rotateKeys', async () => {
    const origin = new URL(issuer).origin;
    const signInPage = await new Browser(origin).get('/login/admin');
    assert.equal(signInPage.status, 200);
    const html = await signInPage.text();
    assert.ok(parseForms(html).some((f) => f.action === '/login/admin/ui/sign-in'));
    assert.match(html, /href="\/login\/admin\/ui\/style\.css"/);

    const browser = new Browser(origin);
    const res = await browser.post('/login/admin/ui/sign-in', { token: 'prefix-token' });
    assert.equal(res.status, 303);
    assert.equal(res.headers.get('location'), '/login/admin');
    assert.match(res.headers.getSetCookie()[0]!, /; Path=\/login\/admin;/);

    const home = await (await browser.get('/login/admin')).text();
    for (const m of home.matchAll(/(?:href|action)="([^"#][^"]*)"/g)) assert.match(m[1]!, /^\/login\/admin/, `URL ${m[1]} is under the prefix`);
    const csrf = parseForms(home).find((f) => f.fields.csrf)!.fields.csrf!;
    const rotated = await browser.post('/login/admin/ui/keys/rotate', { csrf });
    assert.equal(rotated.status, 201);
    assert.match(await rotated.text(), /kid-0-es.*kid-0-rs/);
    assert.deepEqual(rotations, [['kid-0-es', 'kid-0-rs']]);
    assert.equal((await browser.post('/login/admin/ui/keys/rotate', {})).status, 403, 'no CSRF token, no rotation');
    assert.equal(rotations.length, 1);
  });

  it('marks the cookie Secure when the issuer is https', async () => {
    const app = new Koa();
    const { handoff, store } = server;
    app.use(adminUiRouter({
      oidc: handoff.oidc, store, accounts: new Accounts(store), handoffs: new Handoffs(store), events: handoff.events,
      providerIds: handoff.providers.ids(), checkToken: (t) => t === 'tls-token', issuer: 'https://login.example/sso',
    }).routes());
    const tls = createServer(app.callback());
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    try {
      const res = await fetch(`http://127.0.0.1:${(tls.address() as AddressInfo).port}/admin/ui/sign-in`, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=tls-token', redirect: 'manual',
      });
      assert.equal(res.status, 303);
      assert.match(res.headers.getSetCookie()[0]!, /; Path=\/sso\/admin; Max-Age=\d+; HttpOnly; SameSite=Strict; Secure$/);
    } finally {
      tls.closeAllConnections();
      await new Promise<void>((resolve) => tls.close(() => resolve()));
    }
  });
});
