/**
 * A redeemed handoff's payload lives at most the configured retention, on
 * both stores, even while its grant and tokens are still valid.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { closeMongo, startServer, type StoreKind } from './support/server.js';
import { Browser } from './support/browser.js';
import { createAccount, exchange, grantRequest, passwordPayload, readHandoff, registerClient, relyingParty } from './support/preauth.js';

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`payload retention (${kind})`, () => {
    after(async () => {
      if (kind === 'mongodb') await closeMongo();
    });

    it('the payload is gone after HANDOFF_RETENTION, the access token still valid', { timeout: 20_000 }, async () => {
      const server = await startServer({ kind, retention: 2 });
      try {
        const rp = await registerClient(server);
        await createAccount(server, 'carol', 'carol-password');
        const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('carol', 'carol-password', { keep: 'briefly' }) });
        const landing = await new Browser(server.issuer).open(step1.body.preauth_url);
        assert.ok(landing.external);
        const tokens = await exchange(await relyingParty(server, rp), landing.url.href, {});
        assert.equal((await readHandoff(server, tokens.access_token)).status, 200);
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        const late = await readHandoff(server, tokens.access_token);
        assert.equal(late.status, 404);
        assert.equal(late.body.error, 'not_found');
        const introspection = await fetch(`${server.issuer}/token/introspection`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${rp.client_id}:${rp.client_secret}`).toString('base64')}` },
          body: new URLSearchParams({ token: tokens.access_token }),
        });
        assert.equal((await introspection.json() as { active: boolean }).active, true, 'only the payload expired, not the login');
      } finally {
        await server.close();
      }
    });
  });
}
