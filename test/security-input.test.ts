/**
 * Regression tests for the outside security audit, over real HTTP on both
 * stores: deeply nested JSON (#6) and the weak tests it named (a code
 * exchanged twice, client deletion removing its handoffs from the store).
 */
import assert from 'node:assert/strict';
import { createHmac, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Browser } from './support/browser.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import {
  basic, createAccount, grantRequest, nativeRequest, passwordPayload, REDIRECT_URI, registerClient,
} from './support/preauth.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Step 2 in a browser; the URL the browser was sent to outside the issuer. */
async function redeem(browser: Browser, url: string): Promise<URL> {
  const landing = await browser.open(url);
  assert.equal(landing.external, true, `expected a redirect to the client, got ${landing.status} at ${landing.url}`);
  return landing.url;
}

/** Nested arrays `depth` levels deep around a string. */
function nested(depth: number): unknown {
  let value: unknown = 'core';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}
/** The same as JSON text, built without recursion (JSON.stringify would overflow). */
const nestedText = (depth: number) => `${'['.repeat(depth)}"core"${']'.repeat(depth)}`;

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`security audit, input and weak tests (${kind})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer({ kind });
    });
    after(async () => {
      await server?.close();
    });

    it('audit weak tests: the same authorization code exchanged twice gets invalid_grant the second time', async () => {
      const rp = await registerClient(server);
      const account = await createAccount(server, `twice-${randomUUID()}`, 'pw-twice');
      const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(account.username, 'pw-twice') });
      const code = (await redeem(new Browser(server.issuer), step1.body.preauth_url)).searchParams.get('code')!;
      const exchangeOnce = () => fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rp.client_id, rp.client_secret) },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT_URI }),
      }).then(async (res) => ({ status: res.status, body: await res.json() as Record<string, string> }));
      const first = await exchangeOnce();
      assert.equal(first.status, 200, JSON.stringify(first.body));
      const second = await exchangeOnce();
      assert.equal(second.status, 400);
      assert.equal(second.body.error, 'invalid_grant');
      // the replay revokes what the code gave
      const userinfo = await fetch(`${server.issuer}/me`, { headers: { authorization: `Bearer ${first.body.access_token}` } });
      assert.equal(userinfo.status, 401);
    });

    it('audit weak tests: DELETE /admin/clients/{id} removes its handoffs from the store', async () => {
      const rp = await registerClient(server);
      const account = await createAccount(server, `gone-${randomUUID()}`, 'pw-gone');
      const payload = passwordPayload(account.username, 'pw-gone', { note: 'payload of a deleted client' });
      const pending = await grantRequest(server, rp, { provider: 'password', payload });
      const redeemed = await grantRequest(server, rp, { provider: 'password', payload });
      await redeem(new Browser(server.issuer), redeemed.body.preauth_url);
      assert.equal(pending.status, 200);
      const own = async () => (await server.store.list<{ clientId: string }>('handoffs')).filter((r) => r.clientId === rp.client_id || r.data.clientId === rp.client_id);
      assert.equal((await own()).length, 2, 'a pending and a redeemed handoff');
      assert.equal((await server.admin('DELETE', `/admin/clients/${encodeURIComponent(rp.client_id)}`)).status, 204);
      assert.deepEqual(await own(), []);
      assert.deepEqual(await server.store.findBy('handoffs', 'clientId', rp.client_id), []);
    });

    it('audit #6 deeply nested JSON gets 400 invalid_request, never a 500, and leaves nothing behind', async () => {
      const rp = await registerClient(server);
      const account = await createAccount(server, `deep-${randomUUID()}`, 'pw-deep');
      const deepData = `{"username":${JSON.stringify(account.username)},"password":"pw-deep","data":${nestedText(100_000)}}`;
      const viaGrant = await grantRequest(server, rp, { provider: 'password', payload: deepData });
      assert.equal(viaGrant.status, 400, JSON.stringify(viaGrant.body));
      assert.equal(viaGrant.body.error, 'invalid_request');
      assert.match(viaGrant.body.error_description, /nested deeper than 64 levels/);
      const viaNative = await nativeRequest(server, 'password', deepData, 'application/json', { auth: basic(rp.client_id, rp.client_secret) });
      assert.equal(viaNative.status, 400, viaNative.text);
      assert.equal(JSON.parse(viaNative.text).error, 'invalid_request');

      // signed by hand: jose would have to JSON.stringify the claims, which overflows
      const now = nowSeconds();
      const claimsText = `{"iss":${JSON.stringify(rp.client_id)},"aud":${JSON.stringify(server.issuer)},"sub":"deep","iat":${now},"exp":${now + 60},"jti":"${randomUUID()}","blob":${nestedText(10_000)}}`;
      const signingInput = `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.${Buffer.from(claimsText).toString('base64url')}`;
      const deepJwt = `${signingInput}.${createHmac('sha256', rp.client_secret).update(signingInput).digest('base64url')}`;
      const jwt = await nativeRequest(server, 'signed-jwt', deepJwt, 'application/jwt');
      assert.equal(jwt.status, 400, jwt.text);
      assert.equal(JSON.parse(jwt.text).error, 'invalid_request');

      // generous: 40 levels of data pass
      const fine = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(account.username, 'pw-deep', nested(40)) });
      assert.equal(fine.status, 200, JSON.stringify(fine.body));

      const username = `deep-claims-${randomUUID()}`;
      const accountBody = `{"username":${JSON.stringify(username)},"password":"x","claims":{"deep":${nestedText(100_000)}}}`;
      const res = await fetch(`${server.issuer}/admin/accounts`, {
        method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' }, body: accountBody,
      });
      assert.equal(res.status, 400);
      assert.equal((await res.json() as { error: string }).error, 'invalid_request');
      // the username was not left taken
      assert.equal((await server.admin('POST', '/admin/accounts', { username, password: 'x', claims: {} })).status, 201);

      // the OpenID claims parameter is JSON too (oidc-provider serialises it into the PAR request object)
      const par = await fetch(`${server.issuer}/request`, {
        method: 'POST',
        headers: { authorization: basic(rp.client_id, rp.client_secret), 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          client_id: rp.client_id, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI,
          code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256',
          claims: `{"id_token":{"email":{"value":${nestedText(8000)}}}}`,
        }),
      });
      assert.equal(par.status, 400);
      assert.equal((await par.json() as { error: string }).error, 'invalid_request');

      const clientRes = await fetch(`${server.issuer}/admin/clients`, {
        method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
        body: `{"redirect_uris":["${REDIRECT_URI}"],"client_name":"deep","jwks":{"keys":[${nestedText(100_000)}]}}`,
      });
      assert.equal(clientRes.status, 400);
      assert.equal((await clientRes.json() as { error: string }).error, 'invalid_request');
    });
  });
}

after(closeMongo);
