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
import { createAccount, exchange, grantRequest, hmacBody, registerClient, relyingParty, signedJwt, type RegisteredClient } from './support/preauth.js';

/** signed-jwt through the custom grant, redeemed and exchanged: the ID token claims and userinfo. */
async function signIn(server: TestServer, rp: RegisteredClient, claims: Record<string, unknown>, scope = 'openid email profile') {
  const step1 = await grantRequest(server, rp, { provider: 'signed-jwt', payload: await signedJwt(server, rp, claims), scope });
  assert.equal(step1.status, 200, JSON.stringify(step1.body));
  return redeem(server, rp, step1.body.preauth_url);
}

/** Opens a pre-auth URL, exchanges the code: the ID token claims and userinfo. */
async function redeem(server: TestServer, rp: RegisteredClient, preauthUrl: string) {
  const landing = await new Browser(server.issuer).open(preauthUrl);
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

    it('every standard claim a partner asserts passes (phone, address, profile), but phone_number_verified too is dropped', async () => {
      const partner = await registerClient(server, { scope: 'openid email profile phone address' });
      const { userinfo } = await signIn(server, partner, {
        sub: 'u-2', phone_number: '+1 555 0100', phone_number_verified: true, nickname: 'Two',
        address: { locality: 'Springfield' }, updated_at: 1700000000, custom: 'payload only',
      }, 'openid email profile phone address');
      assert.equal(userinfo.phone_number, '+1 555 0100');
      assert.equal('phone_number_verified' in userinfo, false);
      assert.equal(userinfo.nickname, 'Two');
      assert.deepEqual(userinfo.address, { locality: 'Springfield' });
      assert.equal(userinfo.updated_at, 1700000000);
      assert.equal('custom' in userinfo, false);
    });

    it('hmac-form fields named like standard claims become the partner user\'s claims', async () => {
      const partner = await registerClient(server, { scope: 'openid email profile phone' });
      const url = new URL('/providers/hmac-form/preauth', server.issuer);
      url.searchParams.set('scope', 'openid email profile phone');
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: hmacBody(partner, { sub: 'h-1', email: 'h1@partner.example', email_verified: 'true', name: 'H One', order: '42' }),
      });
      const answer = new URLSearchParams(await res.text());
      assert.equal(res.status, 200, answer.toString());
      const { idToken, userinfo } = await redeem(server, partner, answer.get('preauth_url')!);
      assert.equal(idToken.sub, `${partner.client_id}|h-1`);
      assert.equal(userinfo.email, 'h1@partner.example');
      assert.equal(userinfo.name, 'H One');
      assert.equal('email_verified' in userinfo, false);
      assert.equal('order' in userinfo, false);
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
