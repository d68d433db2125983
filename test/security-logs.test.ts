/**
 * Contract §8 and audit #8: no password, client secret, admin token,
 * one-time code, token or payload in any log line at any level, whatever the
 * spelling of the path; and only `/preauth/<code>` exactly redeems. The log
 * is captured at `trace` while real flows run over HTTP, on both stores.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { Writable } from 'node:stream';
import * as client from 'openid-client';
import * as jose from 'jose';
import { pino } from 'pino';
import { createLogger } from '../server/log.js';
import { Browser } from './support/browser.js';
import {
  basic, createAccount, exchange, grantRequest, hmacBody, nativeRequest, passwordPayload, pkce, readHandoff, registerClient,
  relyingParty, REDIRECT_URI, type RegisteredClient,
} from './support/preauth.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

const FORM = 'application/x-www-form-urlencoded';

function capture() {
  const chunks: string[] = [];
  const stream = new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } });
  return { logger: pino({ level: 'trace' }, stream), text: () => chunks.join('') };
}

/** Every way the value could appear: as is, URL-encoded, form-encoded, base64. */
function assertAbsent(log: string, what: string, value: string): void {
  for (const form of new Set([value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2), Buffer.from(value).toString('base64')])) {
    assert.ok(!log.includes(form), `${what} appears in the log`);
  }
}

describe('the standalone logger', () => {
  it('censors secret-named fields at any depth, in objects and arrays, without changing what it was given', () => {
    const chunks: string[] = [];
    const logger = createLogger('info', new Writable({ write(chunk, _enc, done) { chunks.push(String(chunk)); done(); } }));
    const line = {
      password: 'pw-1', kept: 'visible-1',
      req: { headers: { authorization: 'Bearer tok-2', cookie: 'c=3', host: 'visible-2' } },
      list: [{ client_secret: 'sec-4', note: 'visible-3' }],
      deep: { a: { b: { payload: 'pay-5' } } },
    };
    const before = JSON.stringify(line);
    logger.info(line, 'x');
    const text = chunks.join('');
    for (const secret of ['pw-1', 'tok-2', 'c=3', 'sec-4', 'pay-5']) assert.ok(!text.includes(secret), `${secret} in ${text}`);
    for (const shown of ['visible-1', 'visible-2', 'visible-3']) assert.ok(text.includes(shown), `${shown} missing from ${text}`);
    assert.equal(text.match(/\[redacted\]/g)?.length, 5);
    assert.equal(JSON.stringify(line), before, 'the caller\'s object is unchanged');
  });
});

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`nothing secret in any log line (${kind})`, () => {
    let server: TestServer;
    let log: ReturnType<typeof capture>;
    let rp: RegisteredClient;
    const password = `pw-${randomUUID()}`;
    let username: string;

    before(async () => {
      log = capture();
      server = await startServer({ kind, logger: log.logger });
      rp = await registerClient(server, { grant_types: ['authorization_code', 'refresh_token', 'client_credentials', 'urn:handoff:grant-type:preauth'] });
      username = `logged-${randomUUID()}`;
      await createAccount(server, username, password, { email: 'logged@example.com' });
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('audit #8 the code leaks into logs through other spellings: odd spellings neither redeem nor log the code', async () => {
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(username, password) });
      assert.equal(step1.status, 200, JSON.stringify(step1.body));
      const code = step1.body.access_token as string;
      const spellings = [
        `/PREAUTH/${code}`, `/Preauth/${code}`, `/preAuth/${code}`, `//preauth/${code}`, `/%70reauth/${code}`, `/%2570reauth/${code}`,
        `/preauth%2F${code}`, `/preauth/${code}/`, `/preauth//${code}`, `/preauth;${code}`, `/preauth%00${code}`,
      ];
      for (const path of spellings) {
        for (const method of ['GET', 'HEAD', 'POST']) {
          const res = await fetch(`${server.issuer}${path}`, { method, redirect: 'manual', headers: { accept: 'application/json' } });
          await res.arrayBuffer();
          assert.ok(res.status === 404 || res.status === 405, `${method} ${path} is not a redemption route: ${res.status}`);
          assert.equal(res.headers.get('location'), null, `${method} ${path} redirects nowhere`);
        }
      }
      // None of them consumed the code: the exact spelling still redeems.
      const landing = await new Browser(server.issuer).open(step1.body.preauth_url);
      assert.equal(landing.external, true, 'the exact URL redeems');
      assert.ok(landing.external && landing.url.searchParams.get('code'));
      const text = log.text();
      assert.match(text, /"path":"\/preauth\/\[code\]"/, 'redemptions are logged, without the code');
      assertAbsent(text, 'the pre-auth code', code);
      assertAbsent(text, 'the pre-auth code (lower-cased)', code.toLowerCase());
    });

    it('§8 a trace-level log of every flow holds no password, secret, admin token, code, token or payload', async () => {
      const marker = `payload-marker-${randomUUID()}`;
      const secrets: [string, string][] = [
        ['the admin token', server.adminToken], ['the client secret', rp.client_secret], ['the password', password], ['the payload', marker],
      ];
      const config = await relyingParty(server, rp);

      // Step 1 through the grant, then redemption, exchange, refresh, userinfo, introspection, /handoff, revocation.
      const { verifier, challenge } = await pkce();
      const step1 = await grantRequest(server, rp, {
        provider: 'password', payload: passwordPayload(username, password, { marker }), code_challenge: challenge, code_challenge_method: 'S256',
        state: 'st', scope: 'openid email offline_access',
      });
      assert.equal(step1.status, 200, JSON.stringify(step1.body));
      secrets.push(['the pre-auth code', step1.body.access_token]);
      const landing = await new Browser(server.issuer).open(step1.body.preauth_url);
      assert.ok(landing.external);
      secrets.push(['the authorization code', landing.url.searchParams.get('code')!], ['the code verifier', verifier]);
      const tokens = await exchange(config, landing.url.href, { verifier, state: 'st' });
      secrets.push(['the access token', tokens.access_token], ['the ID token', tokens.id_token!], ['the refresh token', tokens.refresh_token!]);
      const handoff = await readHandoff(server, tokens.access_token);
      assert.equal(handoff.status, 200);
      assert.equal(handoff.body.payload.data.marker, marker);
      await client.fetchUserInfo(config, tokens.access_token, handoff.body.sub);
      const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token!);
      secrets.push(['the refreshed access token', refreshed.access_token], ['the rotated refresh token', refreshed.refresh_token!]);
      await client.tokenIntrospection(config, refreshed.access_token);
      const cc = await client.clientCredentialsGrant(config, { scope: 'openid' }).catch(() => client.clientCredentialsGrant(config));
      secrets.push(['the client-credentials token', cc.access_token]);
      await client.tokenRevocation(config, refreshed.refresh_token!);

      // The native endpoints, and the JWT / HMAC material they carry.
      const jwt = await new jose.SignJWT({ jti: randomUUID(), marker }).setProtectedHeader({ alg: 'HS256' }).setIssuer(rp.client_id)
        .setAudience(server.issuer).setSubject('partner-user').setIssuedAt().setExpirationTime('2m').sign(new TextEncoder().encode(rp.client_secret));
      secrets.push(['the signed JWT', jwt]);
      assert.equal((await nativeRequest(server, 'signed-jwt', jwt, 'application/jwt')).status, 200);
      assert.equal((await nativeRequest(server, 'signed-jwt', jwt, 'application/jwt')).status, 400, 'a replay is logged as an event');
      const hmac = hmacBody(rp, { sub: 'partner-user', marker });
      secrets.push(['the HMAC signature', new URLSearchParams(hmac).get('sig')!]);
      const hmacAnswer = await nativeRequest(server, 'hmac-form', hmac, FORM);
      assert.equal(hmacAnswer.status, 200);
      secrets.push(['the hmac-form pre-auth code', new URLSearchParams(hmacAnswer.text).get('preauth_url')!.split('/').pop()!]);
      const nativePw = await nativeRequest(server, 'password', passwordPayload(username, password, { marker }), 'application/json', { auth: basic(rp.client_id, rp.client_secret) });
      assert.equal(nativePw.status, 200);
      secrets.push(['the native pre-auth code', JSON.parse(nativePw.text).preauth_url.split('/').pop()]);

      // Failures: wrong secrets, wrong password, wrong admin token, malformed bodies.
      const wrongSecret = `${rp.client_secret}-wrong`;
      const wrongPassword = `${password}-wrong`;
      const wrongAdmin = `${server.adminToken}-wrong`;
      secrets.push(['a wrong client secret', wrongSecret], ['a wrong password', wrongPassword], ['a wrong admin token', wrongAdmin]);
      assert.equal((await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(username, wrongPassword) })).status, 400);
      assert.equal((await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(username, password) }, basic(rp.client_id, wrongSecret))).status, 401);
      assert.equal((await nativeRequest(server, 'password', passwordPayload(username, password), 'application/json', { auth: basic(rp.client_id, wrongSecret) })).status, 401);
      assert.equal((await nativeRequest(server, 'password', `{"username":"${username}","password":"${password}"`, 'application/json', { auth: basic(rp.client_id, rp.client_secret) })).status, 400);
      assert.equal((await fetch(`${server.issuer}/admin/clients`, { headers: { authorization: `Bearer ${wrongAdmin}` } })).status, 401);
      const badJson = await fetch(`${server.issuer}/admin/accounts`, {
        method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: `{"password":"${password}",`,
      });
      assert.equal(badJson.status, 400);
      const tokenWithSecret = await fetch(`${server.issuer}/token`, {
        method: 'POST', headers: { 'content-type': FORM },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: rp.client_id, client_secret: wrongSecret }),
      });
      assert.equal(tokenWithSecret.status, 401);
      // Tokens in query strings and odd places.
      await fetch(`${server.issuer}/me?access_token=${tokens.access_token}`);
      await fetch(`${server.issuer}/auth?client_id=${rp.client_id}&login_hint=${encodeURIComponent(password)}&redirect_uri=${encodeURIComponent(REDIRECT_URI)}&response_type=code&scope=openid`, { redirect: 'manual' });

      const text = log.text();
      assert.match(text, /"event":"handoff.created"/, 'events were logged at all');
      assert.match(text, /"event":"replay.blocked"|"msg":"request"/);
      for (const [what, value] of secrets) {
        assert.ok(value && value.length >= 8, `${what} is a real value`);
        assertAbsent(text, what, value);
      }
    });
  });
}
