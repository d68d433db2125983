/**
 * Partner trust (contract §5), on both stores: a partner's verified flags are
 * dropped and its subjects live in its namespace; a client with
 * `preauth_trusted_subjects` asserts subjects as given (local accounts too)
 * and its verified claims pass through.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { Browser } from './support/browser.js';
import { createAccount, exchange, grantRequest, registerClient, relyingParty, signedJwt, type RegisteredClient } from './support/preauth.js';

/** signed-jwt through the custom grant, redeemed and exchanged: the ID token claims and userinfo. */
async function signIn(server: TestServer, rp: RegisteredClient, claims: Record<string, unknown>) {
  const step1 = await grantRequest(server, rp, { provider: 'signed-jwt', payload: await signedJwt(server, rp, claims), scope: 'openid email profile' });
  assert.equal(step1.status, 200, JSON.stringify(step1.body));
  const landing = await new Browser(server.issuer).open(step1.body.preauth_url);
  assert.equal(landing.external, true);
  const config = await relyingParty(server, rp);
  const tokens = await exchange(config, landing.url.href, {});
  const idToken = tokens.claims()!;
  const userinfo = await client.fetchUserInfo(config, tokens.access_token, idToken.sub);
  return { idToken, userinfo };
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`partner trust (${kind})`, () => {
    let server: TestServer;
    let alice: { sub: string };

    before(async () => {
      server = await startServer({ kind });
      alice = await createAccount(server, 'alice', 'alice-password', { email: 'alice@example.com', email_verified: true, name: 'Alice' });
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('a partner\'s email_verified is dropped; its other claims pass; the subject is namespaced', async () => {
      const partner = await registerClient(server);
      const { idToken, userinfo } = await signIn(server, partner, { sub: 'u-1', email: 'u1@partner.example', email_verified: true, name: 'U One' });
      assert.equal(idToken.sub, `${partner.client_id}|u-1`);
      assert.equal(userinfo.email, 'u1@partner.example');
      assert.equal(userinfo.name, 'U One');
      assert.equal('email_verified' in userinfo, false);
      assert.equal('email_verified' in idToken, false);
    });

    it('a partner cannot sign in a local account: the same sub stays in its namespace', async () => {
      const partner = await registerClient(server);
      const { idToken, userinfo } = await signIn(server, partner, { sub: alice.sub });
      assert.equal(idToken.sub, `${partner.client_id}|${alice.sub}`);
      assert.equal(userinfo.email, undefined, 'none of alice\'s claims');
    });

    it('a trusted client signs in a local account by its sub, with the account\'s own claims', async () => {
      const trusted = await registerClient(server, { preauth_trusted_subjects: true });
      const { idToken, userinfo } = await signIn(server, trusted, { sub: alice.sub, email: 'other@example.com' });
      assert.equal(idToken.sub, alice.sub);
      assert.equal(userinfo.email, 'alice@example.com');
      assert.equal(userinfo.email_verified, true);
    });

    it('a trusted client\'s own subjects keep their asserted verified claims, without a prefix', async () => {
      const trusted = await registerClient(server, { preauth_trusted_subjects: true });
      const { idToken, userinfo } = await signIn(server, trusted, { sub: 'staff-7', email: 'staff7@example.com', email_verified: true });
      assert.equal(idToken.sub, 'staff-7');
      assert.equal(userinfo.email, 'staff7@example.com');
      assert.equal(userinfo.email_verified, true);
    });
  });
}
