/**
 * The standards flows over real HTTP, with openid-client as the relying
 * party and a cookie-jar "browser" for the front channel: login and consent
 * pages, PKCE, refresh-token rotation, SSO, RP-initiated logout, client
 * credentials, introspection and revocation, PAR, userinfo.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { Browser, parseForms, type HtmlForm, type Landing } from './support/browser.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

const REDIRECT_URI = 'https://rp.example/cb';
const POST_LOGOUT_URI = 'https://rp.example/bye';
const PASSWORD_ACR = 'urn:handoff:password';
/** Escaping is checked through the client's name. */
const CLIENT_NAME = '<Test & "RP">';

interface Registered {
  client_id: string;
  client_secret: string;
}

interface Account {
  sub: string;
  username: string;
  password: string;
}

async function registerClient(server: TestServer, metadata: Record<string, unknown> = {}): Promise<Registered> {
  const { status, body } = await server.admin('POST', '/admin/clients', {
    client_name: CLIENT_NAME,
    redirect_uris: [REDIRECT_URI],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    post_logout_redirect_uris: [POST_LOGOUT_URI],
    scope: 'openid email profile offline_access',
    ...metadata,
  });
  assert.equal(status, 201, `client registration: ${JSON.stringify(body)}`);
  assert.equal(typeof body.client_id, 'string');
  assert.equal(typeof body.client_secret, 'string');
  return body;
}

let accountCount = 0;
async function createAccount(server: TestServer): Promise<Account> {
  accountCount += 1;
  const username = `user${accountCount}-${Date.now()}`;
  const password = `correct horse ${accountCount}`;
  const { status, body } = await server.admin('POST', '/admin/accounts', {
    username,
    password,
    claims: { email: `${username}@example.com`, name: `User ${accountCount}` },
  });
  assert.equal(status, 201, `account creation: ${JSON.stringify(body)}`);
  return { sub: body.sub, username, password };
}

function relyingParty(server: TestServer, registered: Registered): Promise<client.Configuration> {
  return client.discovery(
    new URL(server.issuer),
    registered.client_id,
    undefined,
    client.ClientSecretBasic(registered.client_secret),
    { execute: [client.allowInsecureRequests] },
  );
}

interface AuthRequest {
  url: URL;
  verifier: string;
  state: string;
  nonce: string;
}

type BuildUrl = (config: client.Configuration, params: Record<string, string>) => URL | Promise<URL>;

/** A fresh PKCE/state/nonce authorization request; `build` may push it first (PAR). */
async function authRequest(config: client.Configuration, params: Record<string, string> = {}, build: BuildUrl = client.buildAuthorizationUrl): Promise<AuthRequest> {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = await build(config, {
    redirect_uri: REDIRECT_URI,
    scope: 'openid email',
    state,
    nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...params,
  });
  return { url, verifier, state, nonce };
}

function page(landing: Landing): Extract<Landing, { external: false }> {
  assert.equal(landing.external, false, `expected a page of the issuer, got a redirect to ${landing.url}`);
  return landing as Extract<Landing, { external: false }>;
}

function redirect(landing: Landing): URL {
  assert.equal(landing.external, true, `expected a redirect to the client, got ${landing.status} at ${landing.url}: ${
    landing.external ? '' : landing.body.slice(0, 500)}`);
  return landing.url;
}

function formWithAction(landing: Landing, suffix: string): HtmlForm {
  const { body, url } = page(landing);
  const form = parseForms(body, url).find((f) => new URL(f.action).pathname.endsWith(suffix));
  assert.ok(form, `a form posting to …${suffix} on ${url}`);
  assert.equal(form.method, 'post');
  return form;
}

function assertPageHeaders(response: Response): void {
  assert.match(response.headers.get('content-type') ?? '', /text\/html/);
  assert.equal(response.headers.get('cache-control'), 'no-store');
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /default-src 'none'/);
  assert.match(csp, /style-src 'unsafe-inline'/);
  assert.match(csp, /form-action 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
}

/** Signs in on the login page that `landing` shows; returns where that leads. */
async function signIn(browser: Browser, landing: Landing, account: Account): Promise<Landing> {
  const form = formWithAction(landing, '/login');
  return browser.submit(form.action, { ...form.fields, username: account.username, password: account.password });
}

/** Allows on the consent page that `landing` shows; returns where that leads. */
async function allow(browser: Browser, landing: Landing): Promise<Landing> {
  const form = formWithAction(landing, '/confirm');
  return browser.submit(form.action, form.fields);
}

async function exchange(config: client.Configuration, callback: URL, request: AuthRequest) {
  return client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: request.verifier,
    expectedState: request.state,
    expectedNonce: request.nonce,
    idTokenExpected: true,
  });
}

const oauthError = (code: string) => (err: unknown) => {
  assert.equal((err as { error?: string }).error, code, `expected ${code}, got ${String(err)}`);
  return true;
};

/** The ordinary interactive flow: login page, consent page, code, tokens. */
async function interactiveCodeFlow(server: TestServer, { replayRefreshToken = false } = {}) {
  const registered = await registerClient(server);
  const account = await createAccount(server);
  const config = await relyingParty(server, registered);
  const browser = new Browser(server.issuer);
  const request = await authRequest(config, { scope: 'openid email offline_access', prompt: 'consent' });

  const loginPage = page(await browser.open(request.url));
  assert.equal(loginPage.status, 200);
  assert.match(loginPage.url.pathname, /^\/interaction\/[^/]+$/);
  assertPageHeaders(loginPage.response);
  assert.ok(loginPage.body.includes('&#60;Test &#38; &#34;RP&#34;&#62;'), 'the client name is shown, escaped');
  assert.ok(!loginPage.body.includes(CLIENT_NAME), 'the raw client name never appears');

  // A wrong password: the form again, with a generic error.
  const form = formWithAction(loginPage, '/login');
  const wrong = await browser.post(form.action, { username: account.username, password: 'wrong password' });
  assert.ok([200, 401].includes(wrong.status), `wrong password answers ${wrong.status}`);
  assertPageHeaders(wrong);
  const wrongBody = await wrong.text();
  assert.match(wrongBody, /username or password is incorrect/i);
  assert.ok(parseForms(wrongBody).some((f) => f.action.endsWith('/login')), 'the login form is shown again');
  // An unknown user gets the very same message.
  const unknown = await browser.post(form.action, { username: 'nobody-here', password: 'wrong password' });
  assert.equal(unknown.status, wrong.status);
  assert.match(await unknown.text(), /username or password is incorrect/i);

  const consentPage = page(await signIn(browser, loginPage, account));
  assert.equal(consentPage.status, 200);
  assertPageHeaders(consentPage.response);
  for (const scope of ['openid', 'email', 'offline_access']) assert.match(consentPage.body, new RegExp(scope));
  assert.ok(parseForms(consentPage.body).some((f) => f.action.endsWith('/abort')), 'a way to cancel');

  const callback = redirect(await allow(browser, consentPage));
  assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI);
  assert.ok(callback.searchParams.get('code'));
  assert.equal(callback.searchParams.get('state'), request.state);

  const tokens = await exchange(config, callback, request);
  const claims = tokens.claims();
  assert.ok(claims);
  assert.equal(claims.sub, account.sub);
  assert.equal(claims.acr, PASSWORD_ACR);
  assert.ok(Array.isArray(claims.amr) && claims.amr.includes('pwd'), `amr ${JSON.stringify(claims.amr)}`);
  assert.equal(typeof claims.auth_time, 'number');
  assert.equal(claims.nonce, request.nonce);
  assert.ok(tokens.access_token);
  assert.ok(tokens.refresh_token, 'offline_access gives a refresh token');

  const userinfo = await client.fetchUserInfo(config, tokens.access_token, account.sub);
  assert.equal(userinfo.email, `${account.username}@example.com`);

  // Rotation: a new refresh token each time; the old one is then refused.
  const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
  assert.ok(refreshed.access_token);
  assert.ok(refreshed.refresh_token);
  assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
  if (replayRefreshToken) {
    await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), oauthError('invalid_grant'));
    // Replaying a rotated refresh token revokes the whole grant: the new one dies too.
    await assert.rejects(client.refreshTokenGrant(config, refreshed.refresh_token!), oauthError('invalid_grant'));
  }

  return { registered, account, config, browser, tokens };
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`OIDC flows (${kind})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer({ kind });
    });

    after(async () => {
      await server?.close();
    });

    it('runs the interactive code flow with PKCE, consent, userinfo and refresh-token rotation', async () => {
      await interactiveCodeFlow(server, { replayRefreshToken: true });
    });

    it('gives single sign-on: prompt=none in the same browser returns a code', async () => {
      const { config, browser, account } = await interactiveCodeFlow(server);
      const request = await authRequest(config, { prompt: 'none' });
      const callback = redirect(await browser.open(request.url));
      assert.equal(callback.searchParams.get('error'), null, callback.toString());
      const tokens = await exchange(config, callback, request);
      assert.equal(tokens.claims()?.sub, account.sub);
      assert.equal(tokens.claims()?.acr, PASSWORD_ACR);
    });

    if (kind === 'mongodb') return;

    it('asks a signed-in user for consent per client, and again on prompt=consent', async () => {
      const { config, browser } = await interactiveCodeFlow(server);
      // Another (third-party) client: the session is reused, consent is not.
      const other = await relyingParty(server, await registerClient(server));
      const silent = redirect(await browser.open((await authRequest(other, { prompt: 'none' })).url));
      assert.equal(silent.searchParams.get('error'), 'consent_required');
      const consent = page(await browser.open((await authRequest(other)).url));
      assert.ok(parseForms(consent.body).some((f) => f.action.endsWith('/confirm')), 'straight to consent, no login');
      // prompt=consent for what was granted already still lists the scopes.
      const again = page(await browser.open((await authRequest(config, { prompt: 'consent' })).url));
      assert.match(again.body, /<code>openid<\/code>/);
      assert.match(again.body, /<code>email<\/code>/);
      const request = await authRequest(config, { prompt: 'consent' });
      const callback = redirect(await allow(browser, await browser.open(request.url)));
      assert.ok((await exchange(config, callback, request)).access_token);
    });

    it('refuses an authorization request without a code_challenge', async () => {
      const config = await relyingParty(server, await registerClient(server));
      const url = client.buildAuthorizationUrl(config, { redirect_uri: REDIRECT_URI, scope: 'openid', state: 'xyz' });
      const landing = await new Browser(server.issuer).open(url);
      if (landing.external) {
        assert.equal(landing.url.searchParams.get('error'), 'invalid_request');
        assert.match(landing.url.searchParams.get('error_description') ?? '', /code_challenge|PKCE/i);
        assert.equal(landing.url.searchParams.get('code'), null);
      } else {
        assert.ok(landing.status >= 400 && landing.status < 500);
        assert.match(landing.body, /invalid_request/);
      }
    });

    it('skips the consent page for a first-party client', async () => {
      const registered = await registerClient(server, { first_party: true });
      const account = await createAccount(server);
      const config = await relyingParty(server, registered);
      const browser = new Browser(server.issuer);
      const request = await authRequest(config, { scope: 'openid email offline_access', prompt: 'consent' });
      const callback = redirect(await signIn(browser, await browser.open(request.url), account));
      const visited = browser.history.map((u) => u.pathname).filter((p) => p.startsWith('/interaction/'));
      assert.equal(visited.filter((p) => !p.endsWith('/login')).length, 2, `one login and one auto-consent stop: ${visited}`);
      const tokens = await exchange(config, callback, request);
      assert.equal(tokens.claims()?.sub, account.sub);
      assert.ok(tokens.refresh_token, 'offline_access was granted');
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, account.sub);
      assert.equal(userinfo.email, `${account.username}@example.com`);
    });

    it('ends with access_denied when the user cancels on the consent page', async () => {
      const config = await relyingParty(server, await registerClient(server));
      const account = await createAccount(server);
      const browser = new Browser(server.issuer);
      const request = await authRequest(config);
      const consent = await signIn(browser, await browser.open(request.url), account);
      const form = formWithAction(consent, '/abort');
      const callback = redirect(await browser.submit(form.action, form.fields));
      assert.equal(callback.searchParams.get('error'), 'access_denied');
      assert.equal(callback.searchParams.get('state'), request.state);
      assert.equal(callback.searchParams.get('code'), null);
    });

    it('answers an unknown or foreign interaction with an error page', async () => {
      const browser = new Browser(server.issuer);
      for (const [method, path] of [['GET', '/interaction/nope'], ['POST', '/interaction/nope/login'], ['POST', '/interaction/nope/confirm'], ['POST', '/interaction/nope/abort']]) {
        const res = method === 'GET' ? await browser.get(path) : await browser.post(path, { username: 'a', password: 'b' });
        assert.equal(res.status, 400, `${method} ${path}`);
        assert.match(res.headers.get('content-type') ?? '', /text\/html/);
        assert.match(await res.text(), /unknown or has expired/);
      }
      // A real interaction cookie does not open another uid's page.
      const config = await relyingParty(server, await registerClient(server));
      const loginPage = page(await browser.open((await authRequest(config)).url));
      const form = formWithAction(loginPage, '/login');
      const foreign = await browser.get(`${loginPage.url.pathname}x`);
      assert.equal(foreign.status, 400);
      // An oversized form is refused with a page, not swallowed.
      const big = await browser.post(form.action, { username: 'a'.repeat(20_000), password: 'b' });
      assert.equal(big.status, 413);
      assert.match(big.headers.get('content-type') ?? '', /text\/html/);
    });

    it('keeps the login page strict and the client name escaped', async () => {
      const config = await relyingParty(server, await registerClient(server));
      const browser = new Browser(server.issuer);
      const request = await authRequest(config, { login_hint: '"><script>alert(1)</script>' });
      const loginPage = page(await browser.open(request.url));
      assert.ok(!loginPage.body.includes('<script>'), 'login_hint is escaped');
      const csp = loginPage.response.headers.get('content-security-policy') ?? '';
      // The redirect after the form POST ends at the client: its origin is an allowed form target.
      assert.match(csp, /form-action 'self' https:\/\/rp\.example;/);
    });

    it('logs out (RP-initiated) to the post_logout_redirect_uri, after which prompt=none needs a login', async () => {
      const { config, browser, tokens } = await interactiveCodeFlow(server);
      const endSession = client.buildEndSessionUrl(config, {
        id_token_hint: tokens.id_token!,
        post_logout_redirect_uri: POST_LOGOUT_URI,
        state: 'bye-state',
      });
      let landing = await browser.open(endSession);
      if (!landing.external) {
        const form = parseForms(landing.body, landing.url).find((f) => f.id === 'op.logoutForm') ?? parseForms(landing.body, landing.url)[0];
        assert.ok(form, `a logout confirmation form: ${landing.body.slice(0, 300)}`);
        assert.ok(form.fields.xsrf, 'the form carries an xsrf token');
        landing = await browser.submit(form.action, { ...form.fields, logout: 'yes' });
      }
      const bye = redirect(landing);
      assert.equal(`${bye.origin}${bye.pathname}`, POST_LOGOUT_URI);
      assert.equal(bye.searchParams.get('state'), 'bye-state');

      const request = await authRequest(config, { prompt: 'none' });
      const callback = redirect(await browser.open(request.url));
      assert.equal(callback.searchParams.get('error'), 'login_required');
      assert.equal(callback.searchParams.get('code'), null);
    });

    it('issues client-credentials tokens that introspect active until revoked', async () => {
      const registered = await registerClient(server, {
        client_name: 'machine',
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        post_logout_redirect_uris: [],
        scope: undefined,
      });
      const config = await relyingParty(server, registered);
      const tokens = await client.clientCredentialsGrant(config);
      assert.ok(tokens.access_token);
      assert.equal(tokens.token_type.toLowerCase(), 'bearer');

      const active = await client.tokenIntrospection(config, tokens.access_token);
      assert.equal(active.active, true);
      assert.equal(active.client_id, registered.client_id);

      await client.tokenRevocation(config, tokens.access_token);
      const inactive = await client.tokenIntrospection(config, tokens.access_token);
      assert.equal(inactive.active, false);
    });

    it('completes the code flow through a pushed authorization request', async () => {
      const registered = await registerClient(server);
      const account = await createAccount(server);
      const config = await relyingParty(server, registered);
      const browser = new Browser(server.issuer);
      const { url, verifier, state, nonce } = await authRequest(config, {}, client.buildAuthorizationUrlWithPAR);
      assert.ok(url.searchParams.get('request_uri')?.startsWith('urn:ietf:params:oauth:request_uri:'));
      assert.equal(url.searchParams.get('scope'), null, 'the parameters travelled through the back channel');

      const consent = await signIn(browser, await browser.open(url), account);
      const callback = redirect(await allow(browser, consent));
      const tokens = await exchange(config, callback, { url, verifier, state, nonce });
      assert.equal(tokens.claims()?.sub, account.sub);
      assert.equal(tokens.claims()?.acr, PASSWORD_ACR);
    });

    it('answers userinfo with a garbage token with 401', async () => {
      const { userinfo_endpoint } = (await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json()) as { userinfo_endpoint: string };
      const res = await fetch(userinfo_endpoint, { headers: { authorization: 'Bearer not-a-real-token' } });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /invalid_token/);
    });
  });
}

after(async () => {
  await closeMongo();
});
