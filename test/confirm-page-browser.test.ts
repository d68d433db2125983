/**
 * The confirmation page in a real browser (Chromium): rendering it never
 * redeems the code; clicking its button does, and the browser's own POST
 * (Referrer-Policy no-referrer, so `Origin: null`) passes the same-origin
 * check. The store plays no part here, so the embedded one suffices.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chromium, type Browser as Chromium } from 'playwright-core';
import { startServer, type TestServer } from './support/server.js';
import { createAccount, grantRequest, passwordPayload, registerClient, REDIRECT_URI, type RegisteredClient } from './support/preauth.js';

describe('confirm page in Chromium', () => {
  let server: TestServer;
  let rp: RegisteredClient;
  let chrome: Chromium;

  before(async () => {
    server = await startServer();
    rp = await registerClient(server, { preauth_redemption: 'confirm', client_name: 'Shop' });
    await createAccount(server, 'alice', 'alice-password');
    chrome = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox'] });
  });
  after(async () => {
    await chrome?.close();
    await server.close();
  });

  it('rendering the page consumes nothing; its button signs the browser in and reaches the client with a code', async () => {
    const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password'), state: 'st-browser' });
    assert.equal(step1.status, 200);
    const url: string = step1.body.preauth_url;

    const page = await chrome.newPage();
    // The client's redirect_uri does not resolve: the request for it is all we need.
    let callback: URL | undefined;
    page.on('request', (request) => {
      if (request.url().startsWith(REDIRECT_URI)) callback = new URL(request.url());
    });
    // A scanner that renders the page, twice: no script submits it.
    for (let i = 0; i < 2; i++) {
      await page.goto(url);
      await page.waitForLoadState('networkidle');
      assert.equal(callback, undefined);
      assert.match(await page.textContent('h1') ?? '', /Continue to Shop/);
    }
    await Promise.all([page.waitForRequest((request) => request.url().startsWith(REDIRECT_URI)), page.click('button[type=submit]')]);
    assert.ok(callback, 'reached the client');
    assert.equal(callback.searchParams.get('state'), 'st-browser');
    assert.ok(callback.searchParams.get('code'));
    await page.close();
  });
});
