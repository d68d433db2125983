/**
 * Takes the README's screenshots with Debian's Chromium against a throwaway
 * server on the embedded store:
 *
 *   npx tsx scripts/screenshots.ts        # writes docs/screenshots/*.png
 *
 * Not part of `npm test`. The example client's logo is served to the
 * browser by the script itself (no network needed).
 */
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as oidc from 'openid-client';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../test/support/chromium.js';
import { createAccount, grantRequest, passwordPayload, pkce, registerClient, relyingParty } from '../test/support/preauth.js';
import { startServer } from '../test/support/server.js';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'screenshots');
const LOGO = 'https://shop.example/logo.svg';
const LOGO_SVG = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 40 40"><rect width="40" height="40" rx="9" fill="#0f766e"/><path d="M11 15h18l-2 13H13z" fill="#fff"/><path d="M15 15a5 5 0 0 1 10 0" stroke="#fff" stroke-width="2.5" fill="none"/></svg>`;

async function newPage(browser: Browser, width: number, height: number, scale = 1): Promise<Page> {
  const context = await browser.newContext({ viewport: { width, height }, deviceScaleFactor: scale });
  await context.route(LOGO, (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: LOGO_SVG }));
  return context.newPage();
}

async function shoot(page: Page, name: string, fullPage = false): Promise<void> {
  await page.screenshot({ path: join(OUT, name), fullPage });
  console.log(`wrote docs/screenshots/${name}`);
}

mkdirSync(OUT, { recursive: true });
const server = await startServer();
const browser = await launchChromium();
try {
  const shop = await registerClient(server, {
    client_name: 'Corner Shop', logo_uri: LOGO, client_uri: 'https://shop.example/', scope: 'openid email profile',
    redirect_uris: ['https://shop.example/cb'], preauth_providers: ['password'],
  });
  await registerClient(server, {
    client_name: 'Partner Portal', preauth_providers: ['signed-jwt', 'hmac-form'], preauth_redemption: 'confirm', preauth_bind_ip: true,
  });
  await registerClient(server, {
    client_name: 'Mobile app', token_endpoint_auth_method: 'none', preauth_providers: [], first_party: true,
    grant_types: ['authorization_code', 'refresh_token'],
  });
  await createAccount(server, 'alice', 'alice-password', { email: 'alice@example.com' });

  // The admin page: the client list, and a refused save with its messages.
  const admin = await newPage(browser, 1200, 640);
  await admin.goto(`${server.issuer}/admin`);
  await admin.getByLabel('Admin token').fill(server.adminToken);
  await admin.keyboard.press('Enter');
  await admin.getByRole('heading', { name: 'Clients' }).waitFor();
  await shoot(admin, 'admin.png');
  await admin.getByRole('link', { name: 'Edit Corner Shop' }).click();
  await admin.getByLabel('Pre-auth URL lifetime (seconds)').fill('5');
  await admin.getByLabel('Redirect URIs', { exact: true }).fill('not a url');
  await admin.getByRole('button', { name: 'Save changes' }).click();
  await admin.setViewportSize({ width: 1200, height: 900 });
  await shoot(admin, 'admin-client-error.png');

  // The interactive login and consent pages, on a phone and on a laptop.
  const config = await relyingParty(server, shop);
  const { challenge } = await pkce();
  const authUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: 'https://shop.example/cb', scope: 'openid email profile', state: 's', code_challenge: challenge, code_challenge_method: 'S256',
  }).href;
  for (const [width, height, scale] of [[360, 740, 2], [1000, 700, 1]] as const) {
    const page = await newPage(browser, width, height, scale);
    await page.goto(authUrl);
    await page.getByLabel('Username').waitFor();
    await shoot(page, `login-${width}.png`);
    if (width === 360) {
      await page.getByLabel('Username').fill('alice');
      await page.getByLabel('Password').fill('alice-password');
      await page.keyboard.press('Enter');
      await page.getByRole('button', { name: 'Allow' }).waitFor();
      await shoot(page, 'consent-360.png');
    }
  }

  // A pre-auth link opened a second time.
  const step1 = await grantRequest(server, shop, { provider: 'password', payload: passwordPayload('alice', 'alice-password') });
  const error = await newPage(browser, 360, 740, 2);
  await fetch(step1.body.preauth_url, { redirect: 'manual' });
  await error.goto(step1.body.preauth_url);
  await shoot(error, 'error-360.png');
} finally {
  await browser.close();
  await server.close();
}
