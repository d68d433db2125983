/**
 * Logins for conformance tests, each returning the tokens openid-client got:
 * interactive (login page, then consent unless first-party), single sign-on
 * with prompt=none in the same browser, and pre-auth through the custom grant.
 */
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { Browser, parseForms, type Landing } from './browser.js';
import { exchange, grantRequest, passwordPayload, pkce, REDIRECT_URI, type RegisteredClient } from './preauth.js';
import type { TestServer } from './server.js';

type Server = Pick<TestServer, 'issuer' | 'admin'>;

function formOn(landing: Landing, suffix: string) {
  assert.equal(landing.external, false, `expected a page, got a redirect to ${landing.url}`);
  const page = landing as Extract<Landing, { external: false }>;
  const form = parseForms(page.body, page.url).find((f) => new URL(f.action).pathname.endsWith(suffix));
  assert.ok(form, `a form posting to …${suffix} at ${page.url}: ${page.body.slice(0, 300)}`);
  return form;
}

function callback(landing: Landing): URL {
  assert.equal(landing.external, true, `expected a redirect to the client, got ${landing.status} at ${landing.url}`);
  return landing.url;
}

async function authorize(config: client.Configuration, params: Record<string, string> = {}) {
  const { verifier, challenge } = await pkce();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT_URI, scope: 'openid email', state, nonce, code_challenge: challenge, code_challenge_method: 'S256', ...params,
  });
  return { url, verifier, state, nonce };
}

/** Login page → (consent page) → code → tokens. */
export async function interactiveLogin(browser: Browser, config: client.Configuration, user: { username: string; password: string }, params: Record<string, string> = {}) {
  const request = await authorize(config, params);
  const login = formOn(await browser.open(request.url), '/login');
  let landing = await browser.submit(login.action, { ...login.fields, username: user.username, password: user.password });
  if (!landing.external) {
    const consent = formOn(landing, '/confirm');
    landing = await browser.submit(consent.action, consent.fields);
  }
  return exchange(config, callback(landing).href, request);
}

/** prompt=none in a browser that is signed in already. */
export async function silentLogin(browser: Browser, config: client.Configuration) {
  const request = await authorize(config, { prompt: 'none' });
  const landing = await browser.open(request.url);
  const url = callback(landing);
  assert.equal(url.searchParams.get('error'), null, url.href);
  return exchange(config, url.href, request);
}

/** Step 1 (custom grant, password provider), redemption in `browser`, code exchange. */
export async function preauthLogin(server: Server, browser: Browser, rp: RegisteredClient, config: client.Configuration, user: { username: string; password: string }) {
  const { verifier, challenge } = await pkce();
  const step1 = await grantRequest(server, rp, {
    provider: 'password', payload: passwordPayload(user.username, user.password), scope: 'openid email',
    state: 'pre-state', nonce: 'pre-nonce', code_challenge: challenge, code_challenge_method: 'S256',
  });
  assert.equal(step1.status, 200, JSON.stringify(step1.body));
  const landing = await browser.open(step1.body.preauth_url);
  return exchange(config, callback(landing).href, { verifier, state: 'pre-state', nonce: 'pre-nonce' });
}
