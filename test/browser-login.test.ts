/**
 * The end-user side in a real browser (Debian's Chromium): a whole two-step
 * login (step 1 over HTTP, then the browser opens the pre-auth URL and lands
 * at a tiny relying party on 127.0.0.1 that exchanges the code with
 * openid-client and shows the signed-in subject), the interactive login and
 * consent pages used with the keyboard, Cancel, and a refused link's page.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import * as oidc from 'openid-client';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { escape } from '../server/views/layout.js';
import { launchChromium } from './support/chromium.js';
import { createAccount, exchange, grantRequest, passwordPayload, pkce, readHandoff, registerClient, relyingParty, type RegisteredClient } from './support/preauth.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

/** A relying party: its /cb exchanges the code and renders who signed in. */
class TinyRp {
  readonly server: Server;
  url = '';
  config?: oidc.Configuration;
  handoff?: TestServer;
  /** What each login started with, by state. */
  readonly pending = new Map<string, { verifier: string; nonce: string }>();

  constructor() {
    this.server = createServer((req, res) => {
      this.callback(new URL(req.url ?? '/', this.url)).then(
        (html) => res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html),
        (err) => res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err)),
      );
    });
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async callback(url: URL): Promise<string> {
    if (url.pathname !== '/cb') return '<p>Tiny RP</p>';
    const error = url.searchParams.get('error');
    if (error) return `<h1>Not signed in</h1><p id="error">${escape(error)}</p>`;
    const state = url.searchParams.get('state') ?? '';
    const checks = this.pending.get(state);
    if (!checks) throw new Error('unknown state');
    const tokens = await exchange(this.config!, url.href, { verifier: checks.verifier, state, nonce: checks.nonce });
    const handoff = await readHandoff(this.handoff!, tokens.access_token);
    const data = handoff.status === 200 ? JSON.stringify(handoff.body.payload.data ?? null) : 'none';
    return `<h1>Tiny RP</h1><p>Signed in as <b id="sub">${escape(tokens.claims()!.sub)}</b></p><p>Payload data: <code id="data">${escape(data)}</code></p>`;
  }

  /** New PKCE, state and nonce for one login. */
  async begin(): Promise<{ state: string; nonce: string; challenge: string }> {
    const { verifier, challenge } = await pkce();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    this.pending.set(state, { verifier, nonce });
    return { state, nonce, challenge };
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const LOGO = 'https://rp.example/logo.svg';
const LOGO_SVG = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="40"><rect width="40" height="40" fill="#0f766e"/></svg>';

let browser: Browser;
before(async () => {
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await closeMongo();
});

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`end-user pages in Chromium on ${kind}`, () => {
    let server: TestServer;
    const rp = new TinyRp();
    let registered: RegisteredClient;
    let account: { sub: string };
    let context: BrowserContext;
    let page: Page;

    before(async () => {
      server = await startServer({ kind });
      await rp.start();
      registered = await registerClient(server, {
        client_name: 'Tiny RP', redirect_uris: [`${rp.url}/cb`], client_uri: `${rp.url}/home`, logo_uri: LOGO, scope: 'openid email',
      });
      rp.config = await relyingParty(server, registered);
      rp.handoff = server;
      account = await createAccount(server, 'erin', 'erin-password', { email: 'erin@example.com' });
    });
    after(async () => {
      await rp.close();
      await server?.close();
    });
    // Every test starts as a browser with no cookies.
    const fresh = async () => {
      await context?.close();
      context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
      context.setDefaultTimeout(10_000);
      // The client's https logo, served by the test (no network).
      await context.route(LOGO, (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: LOGO_SVG }));
      page = await context.newPage();
    };
    after(() => context?.close());

    it('two-step login: step 1 over HTTP, then the browser opens the pre-auth URL and the RP shows the subject', async () => {
      await fresh();
      const { state, nonce, challenge } = await rp.begin();
      const step1 = await grantRequest(server, registered, {
        provider: 'password', payload: passwordPayload('erin', 'erin-password', { cart: 42 }),
        state, nonce, code_challenge: challenge, code_challenge_method: 'S256',
      });
      assert.equal(step1.status, 200, JSON.stringify(step1.body));
      await page.goto(step1.body.preauth_url);
      await page.locator('#sub').waitFor();
      assert.equal(new URL(page.url()).origin, rp.url);
      assert.equal(await page.locator('#sub').textContent(), account.sub);
      assert.equal(await page.locator('#data').textContent(), '{"cart":42}');

      // The same URL again, in the same browser: a clear page, never a code.
      const again = await page.goto(step1.body.preauth_url);
      assert.equal(again?.status(), 400);
      assert.equal(new URL(page.url()).origin, server.issuer);
      await page.getByRole('heading', { name: 'This sign-in link cannot be used' }).waitFor();
      assert.equal(await page.locator('.fine code').textContent(), 'invalid_grant', 'the OAuth code as small print');
    });

    it('interactive login with the keyboard (type, Enter), consent with Allow, then the RP shows the subject', async () => {
      await fresh();
      const { state, nonce, challenge } = await rp.begin();
      const url = oidc.buildAuthorizationUrl(rp.config!, {
        redirect_uri: `${rp.url}/cb`, scope: 'openid email', state, nonce, code_challenge: challenge, code_challenge_method: 'S256',
      });
      const login = await page.goto(url.href);
      assert.equal(login?.status(), 200);
      assert.equal(login?.headers()['x-content-type-options'], 'nosniff');
      await page.getByRole('heading', { name: 'Sign in' }).waitFor();
      await page.getByText('to continue to Tiny RP').waitFor();
      // The client's https logo is shown (the page's CSP lets it load).
      const logo = page.locator('header.client img');
      assert.equal(await logo.getAttribute('src'), LOGO);
      const width = await logo.evaluate((img: any) => (img.complete ? img.naturalWidth : new Promise((resolve) => { img.onload = () => resolve(img.naturalWidth); })));
      assert.equal(width, 40);
      // The username field has the focus: type, Tab, type, Enter.
      await page.keyboard.type('erin');
      await page.keyboard.press('Tab');
      await page.keyboard.type('wrong password');
      await page.keyboard.press('Enter');
      await page.getByRole('alert').filter({ hasText: 'The username or password is incorrect.' }).waitFor();
      assert.equal(await page.getByLabel('Username').inputValue(), 'erin', 'the username is kept');
      // The password field has the focus now.
      await page.keyboard.type('erin-password');
      await page.keyboard.press('Enter');

      await page.getByRole('heading', { name: 'Tiny RP would like to:' }).waitFor();
      assert.match(await page.locator('ul.scopes').textContent() ?? '', /Your email address/);
      const allow = page.getByRole('button', { name: 'Allow' });
      const cancel = page.getByRole('button', { name: 'Cancel' });
      const [a, c] = [await allow.boundingBox(), await cancel.boundingBox()];
      assert.ok(a && c && Math.abs(a.y - c.y) < 2 && c.x > a.x, 'Cancel sits beside Allow, not under it');
      await allow.click();

      await page.locator('#sub').waitFor();
      assert.equal(await page.locator('#sub').textContent(), account.sub);
    });

    it('an authorization error the client cannot receive: plain words, the code as small print, a link back to client_uri', async () => {
      await fresh();
      const { state, challenge } = await rp.begin();
      const url = oidc.buildAuthorizationUrl(rp.config!, {
        redirect_uri: 'https://elsewhere.example/cb', scope: 'openid', state, code_challenge: challenge, code_challenge_method: 'S256',
      });
      const res = await page.goto(url.href);
      assert.equal(res?.status(), 400);
      await page.getByRole('heading', { name: 'This sign-in request is not valid' }).waitFor();
      assert.equal(await page.locator('.fine code').textContent(), 'invalid_redirect_uri');
      const back = page.getByRole('link', { name: 'Back to Tiny RP' });
      assert.equal(await back.getAttribute('href'), `${rp.url}/home`);
      await back.click();
      await page.getByText('Tiny RP', { exact: true }).waitFor();
      assert.equal(page.url(), `${rp.url}/home`);
    });

    it('Cancel on the login page ends the request with access_denied at the RP', async () => {
      await fresh();
      const { state, nonce, challenge } = await rp.begin();
      const url = oidc.buildAuthorizationUrl(rp.config!, {
        redirect_uri: `${rp.url}/cb`, scope: 'openid', state, nonce, code_challenge: challenge, code_challenge_method: 'S256',
      });
      await page.goto(url.href);
      await page.getByRole('button', { name: 'Cancel' }).click();
      await page.locator('#error').waitFor();
      assert.equal(await page.locator('#error').textContent(), 'access_denied');
    });
  });
}
