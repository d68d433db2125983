/**
 * The admin web page in a real browser (Debian's Chromium): sign in with the
 * admin token, create a client through the form, see it listed, edit it
 * (a refused value shows the API's own message beside its field), delete
 * it, sign out; and a change replayed without its CSRF token is refused and
 * changes nothing. On both stores: sessions live in the store.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium } from './support/chromium.js';
import { createAccount, grantRequest, passwordPayload } from './support/preauth.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await closeMongo();
});

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`admin web page in Chromium on ${kind}`, () => {
    let server: TestServer;
    let context: BrowserContext;
    let page: Page;
    before(async () => {
      server = await startServer({ kind });
      context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.issuer });
      context.setDefaultTimeout(10_000);
      page = await context.newPage();
    });
    after(async () => {
      await context?.close();
      await server?.close();
    });

    it('signs in with the admin token into an HttpOnly, SameSite=Strict session cookie that does not hold the token', async () => {
      const res = await page.goto(`${server.issuer}/admin`);
      assert.equal(res?.status(), 200);
      assert.equal(res?.headers()['x-content-type-options'], 'nosniff');
      assert.match(res?.headers()['content-security-policy'] ?? '', /frame-ancestors 'none'/);
      // Keyboard only: the token field has the focus; Enter signs in.
      await page.keyboard.type('not the token');
      await page.keyboard.press('Enter');
      await page.getByText('That admin token is not valid.').waitFor();
      await page.getByLabel('Admin token', { exact: true }).fill(server.adminToken);
      await page.keyboard.press('Enter');
      await page.getByRole('heading', { name: 'Clients' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/admin');

      const cookies = await context.cookies(`${server.issuer}/admin`);
      assert.equal(cookies.length, 1, JSON.stringify(cookies));
      const [cookie] = cookies;
      assert.equal(cookie!.name, 'handoff_admin');
      assert.equal(cookie!.httpOnly, true);
      assert.equal(cookie!.sameSite, 'Strict');
      assert.equal(cookie!.path, '/admin');
      assert.ok(!cookie!.value.includes(server.adminToken), 'the admin token is never in the cookie');

      // The first Tab reaches the skip link, then the navigation.
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate('document.activeElement?.textContent'), 'Skip to content');
    });

    let clientId = '';
    let secret = '';

    it('creates a client through the form with the §3 extensions; the secret is shown once with a working copy button', async () => {
      await page.getByRole('link', { name: 'New client' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Corner Shop');
      await page.getByLabel('Redirect URIs', { exact: true }).fill('https://shop.example/cb\nhttps://shop.example/cb2');
      await page.getByLabel('password', { exact: true }).check();
      await page.getByLabel('signed-jwt', { exact: true }).check();
      await page.getByLabel('Pre-auth URL lifetime (seconds)', { exact: true }).fill('300');
      await page.getByLabel('Redemption', { exact: true }).selectOption('confirm');
      await page.getByLabel('Most unredeemed URLs at once', { exact: true }).fill('25');
      await page.getByLabel('Bind each URL to one client IP', { exact: true }).check();
      await page.getByLabel('First party', { exact: true }).check();
      await page.getByRole('button', { name: 'Create client' }).click();

      await page.getByRole('heading', { name: 'Client created' }).waitFor();
      clientId = await page.getByLabel('Client ID', { exact: true }).inputValue();
      secret = await page.getByLabel('Client secret', { exact: true }).inputValue();
      assert.match(clientId, /^[A-Za-z0-9_-]{22}$/);
      assert.match(secret, /^[A-Za-z0-9_-]{43}$/);

      await page.getByRole('button', { name: 'Copy secret' }).click();
      await page.getByText('Copied to the clipboard.').waitFor();
      assert.equal(await page.evaluate('navigator.clipboard.readText()'), secret);

      const stored = await server.admin('GET', `/admin/clients/${clientId}`);
      assert.equal(stored.status, 200);
      assert.equal(stored.body.client_name, 'Corner Shop');
      assert.deepEqual(stored.body.redirect_uris, ['https://shop.example/cb', 'https://shop.example/cb2']);
      assert.deepEqual(stored.body.preauth_providers, ['password', 'signed-jwt']);
      assert.equal(stored.body.preauth_ttl, 300);
      assert.equal(stored.body.preauth_redemption, 'confirm');
      assert.equal(stored.body.preauth_max_pending, 25);
      assert.equal(stored.body.preauth_bind_ip, true);
      assert.equal(stored.body.first_party, true);
      assert.equal(stored.body.require_pkce, true);

      // The secret shown is the client's real secret: step 1 authenticates with it.
      await createAccount(server, 'shopper', 'shopper-password');
      const step1 = await grantRequest(server, { client_id: clientId, client_secret: secret }, {
        provider: 'password', payload: passwordPayload('shopper', 'shopper-password'), redirect_uri: 'https://shop.example/cb',
      });
      assert.equal(step1.status, 200, JSON.stringify(step1.body));

      await page.getByRole('link', { name: 'Done' }).click();
      await page.getByRole('link', { name: 'Corner Shop', exact: true }).waitFor();
    });

    it('edits the client; a refused value shows the API’s own message beside its field', async () => {
      await page.getByRole('link', { name: 'Edit Corner Shop' }).click();
      await page.getByLabel('Name', { exact: true }).fill('Corner Shop 2');
      await page.getByLabel('Pre-auth URL lifetime (seconds)', { exact: true }).fill('5');
      await page.getByRole('button', { name: 'Save changes' }).click();

      const api = await server.admin('PATCH', `/admin/clients/${clientId}`, { preauth_ttl: 5 });
      assert.equal(api.status, 400);
      const expected = api.body.details.find((d: { field: string }) => d.field === 'preauth_ttl').message;
      const fieldError = page.locator('#f-preauth_ttl-error');
      assert.equal(await fieldError.textContent(), expected);
      assert.equal(await page.getByLabel('Pre-auth URL lifetime (seconds)', { exact: true }).getAttribute('aria-invalid'), 'true');
      assert.equal((await server.admin('GET', `/admin/clients/${clientId}`)).body.client_name, 'Corner Shop', 'nothing saved');

      await page.getByLabel('Pre-auth URL lifetime (seconds)', { exact: true }).fill('60');
      await page.getByLabel('First party', { exact: true }).uncheck();
      await page.getByRole('button', { name: 'Save changes' }).click();
      await page.getByText(`Client ${clientId} was saved.`).waitFor();
      const stored = (await server.admin('GET', `/admin/clients/${clientId}`)).body;
      assert.equal(stored.client_name, 'Corner Shop 2');
      assert.equal(stored.preauth_ttl, 60);
      assert.equal(stored.first_party, false);
      assert.equal(stored.preauth_redemption, 'confirm', 'untouched fields keep their values');
    });

    it('refuses a change replayed without its CSRF token (or with a wrong one), and nothing changes', async () => {
      // The very form the page posts, replayed from the same signed-in browser.
      const replay = (form: Record<string, string>) =>
        page.request.post(`${server.issuer}/admin/ui/clients/${encodeURIComponent(clientId)}`, { form, maxRedirects: 0 });
      const fields = { client_name: 'Hijacked', redirect_uris: 'https://evil.example/cb', grant_types: 'authorization_code', response_types: 'code', token_endpoint_auth_method: 'client_secret_basic' };
      const missing = await replay(fields);
      assert.equal(missing.status(), 403);
      const wrong = await replay({ ...fields, csrf: 'x'.repeat(43) });
      assert.equal(wrong.status(), 403);
      const remove = await page.request.post(`${server.issuer}/admin/ui/clients/${encodeURIComponent(clientId)}/delete`, { form: {}, maxRedirects: 0 });
      assert.equal(remove.status(), 403);

      const stored = await server.admin('GET', `/admin/clients/${clientId}`);
      assert.equal(stored.status, 200, 'not deleted');
      assert.equal(stored.body.client_name, 'Corner Shop 2');
      assert.deepEqual(stored.body.redirect_uris, ['https://shop.example/cb', 'https://shop.example/cb2']);
    });

    it('deletes the client after a confirmation, then signs out for good', async () => {
      await page.goto(`${server.issuer}/admin`);
      await page.getByRole('link', { name: 'Edit Corner Shop 2' }).click();
      await page.getByRole('link', { name: 'Delete…' }).click();
      await page.getByRole('heading', { name: 'Delete Corner Shop 2?' }).waitFor();
      await page.getByRole('button', { name: 'Delete client' }).click();
      await page.getByText(`Client ${clientId} was deleted.`).waitFor();
      assert.equal(await page.getByRole('link', { name: 'Corner Shop 2', exact: true }).count(), 0);
      assert.equal((await server.admin('GET', `/admin/clients/${clientId}`)).status, 404);

      const [cookie] = await context.cookies(`${server.issuer}/admin`);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByText('You are signed out.').waitFor();
      assert.equal((await context.cookies(`${server.issuer}/admin`)).length, 0, 'the cookie is expired');
      // The old session id no longer opens anything, even when sent again.
      const again = await fetch(`${server.issuer}/admin/ui/accounts`, { headers: { cookie: `${cookie!.name}=${cookie!.value}` }, redirect: 'manual' });
      assert.equal(again.status, 303);
      assert.equal(again.headers.get('location'), '/admin');
    });
  });
}
