/**
 * What one two-step login asks of the store, on both stores, counted by a
 * wrapper around the server's own store: the handoff and its tombstone are
 * each written once at step 1, the redemption writes the handoff once and no
 * tombstone, and a partner subject's claims are read at most once per login
 * (step 1), not again by the sign-in or the ID token. What that saves must
 * not change an answer: a used URL still fails as `used`, and a handoff that
 * goes with its session leaves a tombstone that says so. The admin inventory
 * reads the unconsumed handoffs alone, in one store read.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as client from 'openid-client';
import { countCalls } from '../adapters/count-ops.js';
import { keyOfCode } from '../server/handoffs.js';
import { Browser } from './support/browser.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { exchange, grantRequest, registerClient, relyingParty, signedJwt, type RegisteredClient } from './support/preauth.js';

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`store operations of one login (${kind})`, () => {
    const counts: Record<string, number> = {};
    const ops = (key: string) => counts[key] ?? 0;
    const resetCounts = () => { for (const key of Object.keys(counts)) delete counts[key]; };
    let server: TestServer;
    let rp: RegisteredClient;
    before(async () => {
      server = await startServer({ kind, wrapStore: (store) => countCalls(store, counts) });
      rp = await registerClient(server);
    });
    after(async () => {
      await server?.close();
      if (kind === 'mongodb') await closeMongo();
    });

    async function step1(partnerSub: string, name = 'Pat') {
      const res = await grantRequest(server, rp, { provider: 'signed-jwt', payload: await signedJwt(server, rp, { sub: partnerSub, name }), scope: 'openid profile' });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body.preauth_url as string;
    }

    it('step 1 writes the handoff and its tombstone once; the redemption writes the handoff once and no tombstone; subjects are read once', async () => {
      const config = await relyingParty(server, rp);
      resetCounts();
      const url = await step1(`p-${randomUUID()}`);
      assert.equal(ops('put handoffs'), 1, 'step 1: one handoff write');
      assert.equal(ops('put handoff_tombstones'), 1, 'step 1: one tombstone write');
      assert.ok(ops('get subjects') <= 1, `step 1: at most one subject read (${ops('get subjects')})`);

      resetCounts();
      const browser = new Browser(server.issuer);
      const landing = await browser.open(url);
      assert.ok(landing.external, `ended at ${landing.url}`);
      const tokens = await exchange(config, landing.url.href, {});
      const userinfo = await client.fetchUserInfo(config, tokens.access_token, tokens.claims()!.sub);
      assert.equal(userinfo.name, 'Pat', 'userinfo has the asserted claims');
      assert.equal(ops('put handoffs'), 1, 'the redemption writes the handoff once, with its grant and session');
      assert.equal(ops('put handoff_tombstones'), 0, 'and no tombstone');
      assert.equal(ops('get subjects'), 0, 'the sign-in, the ID token and userinfo reuse the claims step 1 wrote');
    });

    it('a used URL still fails as `used`, and a handoff that goes with its session leaves a `used` tombstone', async () => {
      const partnerSub = `p-${randomUUID()}`;
      const url = await step1(partnerSub);
      const browser = new Browser(server.issuer);
      assert.ok((await browser.open(url)).external);

      const again = await fetch(url, { headers: { accept: 'application/json' } });
      assert.equal(again.status, 400);
      assert.equal((await again.json() as { reason?: string }).reason, 'used');

      // Another subject signs into the same browser: the first session ends and its handoff goes.
      const key = keyOfCode(new URL(url).pathname.split('/').pop()!)!;
      assert.equal((await server.store.get<{ used?: boolean }>('handoff_tombstones', key))?.data.used, undefined, 'not marked while the record says it');
      assert.ok((await browser.open(await step1(`q-${randomUUID()}`))).external);
      assert.equal(await server.store.get('handoffs', key), undefined, 'the first handoff went with its session');
      assert.equal((await server.store.get<{ used?: boolean }>('handoff_tombstones', key))?.data.used, true, 'its tombstone now says used');
      const late = await fetch(url, { headers: { accept: 'application/json' } });
      assert.equal((await late.json() as { reason?: string }).reason, 'used');
    });

    it('the admin inventory of unredeemed handoffs is one store read, whatever was redeemed beside them', async () => {
      const browser = new Browser(server.issuer);
      for (let i = 0; i < 3; i++) assert.ok((await browser.open(await step1(`r-${randomUUID()}`))).external, 'redeemed');
      const pendingUrl = await step1(`w-${randomUUID()}`);
      resetCounts();
      for (const query of [`?client_id=${encodeURIComponent(rp.client_id)}`, '']) {
        const res = await server.admin('GET', `/admin/handoffs${query}`);
        assert.equal(res.status, 200);
        const listed = res.body as { client_id: string }[];
        assert.equal(listed.filter((h) => h.client_id === rp.client_id).length, 1, 'only the pending one');
      }
      assert.deepEqual(counts, { 'listUnconsumed handoffs': 2 }, 'no redeemed handoff and no tombstone read');
      assert.ok((await browser.open(pendingUrl)).external);
    });
  });
}
