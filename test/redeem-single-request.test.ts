/**
 * Step 2 completes the login inside the redemption request
 * (server/oidc/preauth-sign-in.ts), on both stores: the answer to
 * /preauth/{code} is the redirect with a code, no Interaction is stored, the
 * handoff knows its session from the start, and a signed-in browser gets a
 * new session id at each login (no session fixation).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { Browser } from './support/browser.js';
import {
  createAccount, exchange, grantRequest, passwordPayload, readHandoff, registerClient, relyingParty, REDIRECT_URI, type RegisteredClient,
} from './support/preauth.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const sessionCookie = (browser: Browser) => browser.cookies.all().find((c) => c.name === '_session')?.value;

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`redemption in one request (${kind})`, () => {
    let server: TestServer;
    let rp: RegisteredClient;
    let alice: { sub: string };
    before(async () => {
      server = await startServer({ kind });
      rp = await registerClient(server);
      alice = await createAccount(server, 'alice', 'alice-password');
    });
    after(async () => {
      await server?.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('answers with the redirect to the client, stores no Interaction, and links the handoff to its session', async () => {
      const interactionsBefore = (await server.store.list('oidc_Interaction')).length;
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password', { n: 7 }), state: 'one' });
      assert.equal(step1.status, 200, JSON.stringify(step1.body));
      const browser = new Browser(server.issuer);
      const landing = await browser.open(step1.body.preauth_url);
      assert.ok(landing.external, `ended at ${landing.url}`);
      assert.equal(browser.history.length, 1, 'one request: the redemption itself');
      assert.equal(`${landing.url.origin}${landing.url.pathname}`, REDIRECT_URI);
      assert.equal(landing.url.searchParams.get('state'), 'one');
      assert.equal((await server.store.list('oidc_Interaction')).length, interactionsBefore, 'no Interaction written');

      const tokens = await exchange(await relyingParty(server, rp), landing.url.href, { state: 'one' });
      const claims = tokens.claims()!;
      assert.equal(claims.sub, alice.sub);
      assert.equal(claims.acr, 'urn:handoff:preauth:password');
      assert.ok(claims.sid && claims.auth_time);
      assert.deepEqual((await readHandoff(server, tokens.access_token)).body.payload, { username: 'alice', data: { n: 7 } });

      const session = await server.store.get<{ uid: string }>('oidc_Session', sha256(sessionCookie(browser)!));
      assert.ok(session, 'the session is stored under its cookie');
      const grantId = (await server.handoff.oidc.AccessToken.find(tokens.access_token))!.grantId!;
      const [record] = await server.store.findBy<{ sessionUid?: string }>('handoffs', 'grantId', grantId);
      assert.equal(record?.data.sessionUid, session.data.uid, 'the handoff knows the session it produced');
    });

    it('a second login in the same browser keeps the session (uid) but gives it a new id', async () => {
      const browser = new Browser(server.issuer);
      const first = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password') });
      assert.ok((await browser.open(first.body.preauth_url)).external);
      const firstId = sessionCookie(browser)!;
      const firstUid = (await server.store.get<{ uid: string }>('oidc_Session', sha256(firstId)))!.data.uid;

      const second = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password') });
      assert.ok((await browser.open(second.body.preauth_url)).external);
      const secondId = sessionCookie(browser)!;
      assert.notEqual(secondId, firstId, 'a new session id after the login');
      assert.equal(await server.store.get('oidc_Session', sha256(firstId)), undefined, 'the old id is gone');
      assert.equal((await server.store.get<{ uid: string }>('oidc_Session', sha256(secondId)))!.data.uid, firstUid, 'the same session');
    });

    it('offline_access still completes, through the Interaction and one more hop', async () => {
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('alice', 'alice-password'), scope: 'openid offline_access' });
      assert.equal(step1.status, 200, JSON.stringify(step1.body));
      const browser = new Browser(server.issuer);
      const landing = await browser.open(step1.body.preauth_url);
      assert.ok(landing.external, `ended at ${landing.url}`);
      assert.equal(browser.history.length, 2, 'the redemption and the resume');
      const tokens = await exchange(await relyingParty(server, rp), landing.url.href, {});
      assert.ok(tokens.refresh_token);
      const grantId = (await server.handoff.oidc.AccessToken.find(tokens.access_token))!.grantId!;
      const [record] = await server.store.findBy<{ sessionUid?: string }>('handoffs', 'grantId', grantId);
      assert.equal(typeof record?.data.sessionUid, 'string', 'the resume step recorded the session');
    });
  });
}
