/**
 * POST /admin/keys/rotate (contract §3) on both stores: new keys sign at
 * once, tokens signed before still verify against the JWKS, and retired keys
 * drop out once their time is up.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import * as jose from 'jose';
import { Browser } from './support/browser.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { createAccount, exchange, grantRequest, passwordPayload, pkce, registerClient, relyingParty, type RegisteredClient } from './support/preauth.js';

after(closeMongo);

/** A whole two-step login; returns the ID token. */
async function idToken(server: TestServer, rp: RegisteredClient, username: string, password: string): Promise<string> {
  const { verifier, challenge } = await pkce();
  const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(username, password), code_challenge: challenge });
  assert.equal(step1.status, 200, JSON.stringify(step1.body));
  const landing = await new Browser(server.issuer).open(step1.body.preauth_url);
  assert.ok(landing.external, `ended at ${landing.url}`);
  const tokens = await exchange(await relyingParty(server, rp), landing.url.href, { verifier });
  return tokens.id_token!;
}

async function jwks(server: TestServer): Promise<jose.JSONWebKeySet> {
  return (await fetch(`${server.issuer}/jwks`)).json() as Promise<jose.JSONWebKeySet>;
}

const kidOf = (jwt: string) => jose.decodeProtectedHeader(jwt).kid!;

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`key rotation on ${kind}`, () => {
    let server: TestServer;
    after(() => server?.close());

    it('new keys sign at once; tokens signed before still verify; retired keys drop out when their time is up', async () => {
      server = await startServer({ kind, keyReloadInterval: 100 });
      const rp = await registerClient(server, { id_token_signed_response_alg: 'ES256' });
      const rsa = await registerClient(server);
      await createAccount(server, 'rita', 'rita-password');
      const before = await idToken(server, rp, 'rita', 'rita-password');
      const beforeRsa = await idToken(server, rsa, 'rita', 'rita-password');

      const unauthorized = await fetch(`${server.issuer}/admin/keys/rotate`, { method: 'POST' });
      assert.equal(unauthorized.status, 401);
      const rotated = await server.admin('POST', '/admin/keys/rotate');
      assert.equal(rotated.status, 201, JSON.stringify(rotated.body));
      const kids: string[] = rotated.body.kids;
      assert.equal(kids.length, 2, 'one key per algorithm');
      assert.ok(!kids.includes(kidOf(before)) && !kids.includes(kidOf(beforeRsa)));

      const published = await jwks(server);
      const publishedKids = published.keys.map((k) => k.kid);
      for (const kid of [...kids, kidOf(before), kidOf(beforeRsa)]) assert.ok(publishedKids.includes(kid), `${kid} in the JWKS`);
      assert.ok(published.keys.every((k) => !('d' in k)), 'no private parts published');
      for (const token of [before, beforeRsa]) {
        const { payload } = await jose.jwtVerify(token, jose.createLocalJWKSet(published), { issuer: server.issuer });
        assert.equal(payload.aud, token === before ? rp.client_id : rsa.client_id);
      }

      const afterEs = await idToken(server, rp, 'rita', 'rita-password');
      const afterRsa = await idToken(server, rsa, 'rita', 'rita-password');
      assert.ok(kids.includes(kidOf(afterEs)), 'ES256 token signed with the new ES256 key');
      assert.ok(kids.includes(kidOf(afterRsa)), 'RS256 token signed with the new RS256 key');
      assert.notEqual(kidOf(afterEs), kidOf(afterRsa));

      // Time passes: the retired keys' records expire in the store, as they would after the longest token lifetime.
      const retired = (await server.store.list<unknown>('signing_keys')).filter((r) => r.expiresAt);
      assert.deepEqual(retired.map((r) => r.id).sort(), [kidOf(before), kidOf(beforeRsa)].sort());
      assert.ok(retired.every((r) => r.expiresAt! >= Date.now() + 3600_000), 'kept at least as long as an ID token lives');
      for (const record of retired) await server.store.put('signing_keys', { ...record, expiresAt: Date.now() - 1 });
      let remaining: (string | undefined)[] = [];
      for (let i = 0; i < 50; i++) {
        remaining = (await jwks(server)).keys.map((k) => k.kid);
        if (remaining.length === 2) break;
        await sleep(100);
      }
      assert.deepEqual(remaining.sort(), [...kids].sort(), 'only the current keys remain');
      await assert.rejects(jose.jwtVerify(before, jose.createLocalJWKSet(await jwks(server))), 'a token of a dropped key no longer verifies');
    });
  });
}
