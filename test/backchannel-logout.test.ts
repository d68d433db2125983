/**
 * Back-channel logout (OpenID Connect Back-Channel Logout 1.0) over real
 * HTTP, on both stores: a receiving RP on 127.0.0.1 gets a signed
 * logout_token, verified here with jose against the JWKS, when a session it
 * holds tokens from ends by RP-initiated logout, by the account switch at
 * redemption, or by the deletion of the account (which also ends the
 * account's grants). Delivery to loopback happens only because the test
 * issuer is itself loopback; with another issuer the library's rule holds.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import * as client from 'openid-client';
import * as jose from 'jose';
import { createHandoff } from '../server/app.js';
import { Browser, parseForms } from './support/browser.js';
import { interactiveLogin, preauthLogin, silentLogin } from './support/login.js';
import { createAccount, registerClient, relyingParty, REDIRECT_URI, type RegisteredClient } from './support/preauth.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

const EVENT = 'http://schemas.openid.net/event/backchannel-logout';
const POST_LOGOUT_URI = 'https://rp.example/bye';

/** A relying party's back-channel logout endpoint: collects the logout tokens it is sent. */
class Receiver {
  readonly tokens: string[] = [];
  #server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => { body += chunk; });
    req.on('end', () => {
      const token = new URLSearchParams(body).get('logout_token');
      if (req.method === 'POST' && req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') && token) this.tokens.push(token);
      res.statusCode = 200;
      res.setHeader('cache-control', 'no-store');
      res.end();
    });
  });

  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/backchannel-logout`;
  }

  close(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }

  /** The tokens received since `from` (the server awaits delivery before it answers, so nothing is in flight). */
  since(from: number): string[] {
    return this.tokens.slice(from);
  }
}

async function verifyLogoutToken(server: TestServer, token: string, rp: RegisteredClient) {
  const jwks = jose.createRemoteJWKSet(new URL(`${server.issuer}/jwks`));
  const { payload, protectedHeader } = await jose.jwtVerify(token, jwks, { issuer: server.issuer, audience: rp.client_id, maxTokenAge: '2m' });
  assert.equal(protectedHeader.typ, 'logout+jwt');
  assert.deepEqual(payload.events, { [EVENT]: {} });
  assert.equal(payload.nonce, undefined, 'a logout token never carries a nonce');
  assert.equal(typeof payload.jti, 'string');
  assert.equal(typeof payload.iat, 'number');
  return payload;
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`back-channel logout (${kind})`, () => {
    let server: TestServer;
    let receiver: Receiver;
    let logoutUri: string;

    before(async () => {
      server = await startServer({ kind });
      receiver = new Receiver();
      logoutUri = await receiver.start();
    });
    after(async () => {
      await receiver.close();
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    const backchannelClient = (extra: Record<string, unknown> = {}) => registerClient(server, {
      backchannel_logout_uri: logoutUri,
      backchannel_logout_session_required: true,
      post_logout_redirect_uris: [POST_LOGOUT_URI],
      first_party: true,
      ...extra,
    });

    it('discovery announces back-channel logout with sessions', async () => {
      const discovery = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
      assert.equal(discovery.backchannel_logout_supported, true);
      assert.equal(discovery.backchannel_logout_session_supported, true);
    });

    it('RP-initiated logout sends every client of the session a logout token with its sid', async () => {
      const rp = await backchannelClient();
      const quiet = await registerClient(server, { first_party: true, post_logout_redirect_uris: [POST_LOGOUT_URI] });
      const user = { ...(await createAccount(server, `frank-${kind}`, 'frank-password')), password: 'frank-password' };
      const config = await relyingParty(server, rp);
      const browser = new Browser(server.issuer);
      const tokens = await interactiveLogin(browser, config, user);
      await silentLogin(browser, await relyingParty(server, quiet));
      const from = receiver.tokens.length;

      let landing = await browser.open(client.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: POST_LOGOUT_URI }));
      if (!landing.external) {
        const form = parseForms(landing.body, landing.url)[0];
        assert.ok(form, 'the logout confirmation form');
        landing = await browser.submit(form.action, { ...form.fields, logout: 'yes' });
      }
      assert.equal(landing.external, true);

      const received = receiver.since(from);
      assert.equal(received.length, 1, 'one logout token, for the one client with a back-channel URI');
      const payload = await verifyLogoutToken(server, received[0]!, rp);
      assert.equal(payload.sub, user.sub);
      assert.equal(payload.sid, tokens.claims()?.sid);
    });

    it('the account switch at redemption ends the earlier subject\'s session and tells its clients', async () => {
      const rp = await backchannelClient();
      const config = await relyingParty(server, rp);
      const grace = { ...(await createAccount(server, `grace-${kind}`, 'grace-password')), password: 'grace-password' };
      const heidi = { ...(await createAccount(server, `heidi-${kind}`, 'heidi-password')), password: 'heidi-password' };
      const browser = new Browser(server.issuer);
      const first = await preauthLogin(server, browser, rp, config, grace);
      const from = receiver.tokens.length;

      const second = await preauthLogin(server, browser, rp, config, heidi);
      assert.equal(second.claims()?.sub, heidi.sub);
      const received = receiver.since(from);
      assert.equal(received.length, 1);
      const payload = await verifyLogoutToken(server, received[0]!, rp);
      assert.equal(payload.sub, grace.sub);
      assert.equal(payload.sid, first.claims()?.sid);
      // Same subject again: single sign-on is kept, nobody is logged out.
      await preauthLogin(server, browser, rp, config, heidi);
      assert.equal(receiver.since(from).length, 1);
    });

    it('DELETE /admin/accounts/{sub} ends the account\'s sessions and grants', async () => {
      const rp = await backchannelClient();
      const config = await relyingParty(server, rp);
      const ivan = { ...(await createAccount(server, `ivan-${kind}`, 'ivan-password')), password: 'ivan-password' };
      const browser = new Browser(server.issuer);
      const tokens = await interactiveLogin(browser, config, ivan, { scope: 'openid offline_access', prompt: 'consent' });
      assert.ok(tokens.refresh_token);
      const other = new Browser(server.issuer);
      const second = await interactiveLogin(other, config, ivan);
      const from = receiver.tokens.length;

      assert.equal((await server.admin('DELETE', `/admin/accounts/${ivan.sub}`)).status, 204);

      const received = receiver.since(from);
      assert.equal(received.length, 2, 'one logout token per session');
      const sids = [];
      for (const token of received) {
        const payload = await verifyLogoutToken(server, token, rp);
        assert.equal(payload.sub, ivan.sub);
        sids.push(payload.sid);
      }
      assert.deepEqual(sids.sort(), [tokens.claims()?.sid, second.claims()?.sid].sort());

      await assert.rejects(client.refreshTokenGrant(config, tokens.refresh_token!), (err: any) => err.error === 'invalid_grant');
      assert.equal((await client.tokenIntrospection(config, tokens.access_token)).active, false);
      const silent = await browser.open(client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI, scope: 'openid', prompt: 'none', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
      }));
      assert.equal(silent.external, true);
      assert.equal(silent.url.searchParams.get('error'), 'login_required');
    });

    it('leaves out sid when the client did not require it', async () => {
      const rp = await backchannelClient({ backchannel_logout_session_required: false });
      const config = await relyingParty(server, rp);
      const judy = { ...(await createAccount(server, `judy-${kind}`, 'judy-password')), password: 'judy-password' };
      const tokens = await interactiveLogin(new Browser(server.issuer), config, judy);
      assert.equal(typeof tokens.claims()?.sid, 'string', 'the ID token has sid anyway');
      const from = receiver.tokens.length;
      assert.equal((await server.admin('DELETE', `/admin/accounts/${judy.sub}`)).status, 204);
      const [token] = receiver.since(from);
      const payload = await verifyLogoutToken(server, token!, rp);
      assert.equal(payload.sub, judy.sub);
      assert.equal(payload.sid, undefined);
    });
  });
}

describe('back-channel logout delivery rules', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ kind: 'sqlite' });
  });
  after(async () => {
    await server.close();
  });

  it('accepts http only for loopback addresses', async () => {
    for (const uri of ['http://rp.example/logout', 'http://10.0.0.1/logout']) {
      const res = await server.admin('POST', '/admin/clients', { redirect_uris: [REDIRECT_URI], backchannel_logout_uri: uri });
      assert.equal(res.status, 400, uri);
      assert.equal(res.body.error, 'invalid_client_metadata');
      assert.deepEqual(res.body.details.map((d: any) => d.field), ['backchannel_logout_uri']);
    }
    for (const uri of ['http://127.0.0.1:9/logout', 'http://localhost:9/logout', 'http://[::1]:9/logout', 'https://rp.example/logout']) {
      const res = await server.admin('POST', '/admin/clients', { redirect_uris: [REDIRECT_URI], backchannel_logout_uri: uri });
      assert.equal(res.status, 201, `${uri}: ${JSON.stringify(res.body)}`);
    }
  });

  it('with an issuer that is not loopback, refuses loopback URIs and never delivers to them', async () => {
    const receiver = new Receiver();
    const uri = await receiver.start();
    const dataDir = mkdtempSync(join(tmpdir(), 'handoff-bcl-'));
    const handoff = await createHandoff({ issuer: 'https://login.example.com', dataDir, adminToken: 'admin-token-for-this-test', logger: pino({ level: 'silent' }) });
    const http = createServer(handoff.app.callback());
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    try {
      for (const target of [uri, uri.replace('http:', 'https:')]) {
        const res = await fetch(`${base}/admin/clients`, {
          method: 'POST',
          headers: { authorization: 'Bearer admin-token-for-this-test', 'content-type': 'application/json' },
          body: JSON.stringify({ redirect_uris: [REDIRECT_URI], backchannel_logout_uri: target }),
        });
        assert.equal(res.status, 400, target);
        assert.equal((await res.json() as any).error, 'invalid_client_metadata');
      }
      // A client that reached the store some other way still gets nothing:
      // the library's special-use address rule is in force.
      await handoff.store.put('oidc_Client', { id: 'sneaky', clientId: 'sneaky', data: {
        client_id: 'sneaky', client_secret: 'sneaky-secret', redirect_uris: [REDIRECT_URI], backchannel_logout_uri: uri,
      } });
      const sneaky = await handoff.oidc.Client.find('sneaky') as unknown as { backchannelLogout(sub: string, sid: string): Promise<void> };
      await assert.rejects(sneaky.backchannelLogout('someone', 'some-sid'), (err: any) => /special-use IP address/.test(String(err.cause?.message ?? err.message)));
      assert.equal(receiver.tokens.length, 0);
    } finally {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await handoff.close();
      await receiver.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
