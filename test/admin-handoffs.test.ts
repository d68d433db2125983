/**
 * The admin inventory of unredeemed handoffs and their revocation (contract
 * §3), over real HTTP on both stores.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { pino } from 'pino';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { Browser } from './support/browser.js';
import { createAccount, grantRequest, passwordPayload, registerClient, type RegisteredClient } from './support/preauth.js';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/;

async function step1(server: TestServer, rp: RegisteredClient, username: string) {
  const res = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(username, `${username}-password`, { secret: 'payload-data' }) });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.preauth_url as string;
}

async function reason(url: string) {
  const res = await fetch(url, { redirect: 'manual', headers: { accept: 'application/json' } });
  return { status: res.status, reason: res.status === 400 ? (await res.json() as { reason: string }).reason : undefined };
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`admin handoffs (${kind})`, () => {
    let server: TestServer;
    let a: RegisteredClient;
    let b: RegisteredClient;
    let alice: { sub: string };
    let bob: { sub: string };
    const audit: Record<string, unknown>[] = [];

    before(async () => {
      const logger = pino({ level: 'info' }, { write: (line: string) => audit.push(JSON.parse(line)) });
      server = await startServer({ kind, logger });
      a = await registerClient(server);
      b = await registerClient(server);
      alice = await createAccount(server, 'alice', 'alice-password');
      bob = await createAccount(server, 'bob', 'bob-password');
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('lists unredeemed handoffs with filters; never the code or the payload; redeemed ones are gone', async () => {
      const urls = [await step1(server, a, 'alice'), await step1(server, a, 'bob'), await step1(server, b, 'alice')];
      const all = await server.admin('GET', '/admin/handoffs');
      assert.equal(all.status, 200);
      assert.equal(all.body.length, 3);
      for (const item of all.body) {
        assert.deepEqual(Object.keys(item).sort(), ['client_id', 'created_at', 'expires_at', 'id', 'provider', 'sub']);
        assert.match(item.created_at, ISO);
        assert.match(item.expires_at, ISO);
        assert.ok(Date.parse(item.expires_at) > Date.parse(item.created_at));
        assert.equal(item.provider, 'password');
      }
      const text = JSON.stringify(all.body);
      for (const url of urls) assert.ok(!text.includes(url.slice(url.lastIndexOf('/') + 1)), 'no code');
      assert.ok(!text.includes('payload-data'));

      const ofA = await server.admin('GET', `/admin/handoffs?client_id=${encodeURIComponent(a.client_id)}`);
      assert.deepEqual(ofA.body.map((h: { sub: string }) => h.sub).sort(), [alice.sub, bob.sub].sort());
      const ofAlice = await server.admin('GET', `/admin/handoffs?sub=${alice.sub}`);
      assert.deepEqual(ofAlice.body.map((h: { client_id: string }) => h.client_id).sort(), [a.client_id, b.client_id].sort());
      const both = await server.admin('GET', `/admin/handoffs?client_id=${encodeURIComponent(b.client_id)}&sub=${alice.sub}`);
      assert.equal(both.body.length, 1);

      assert.equal((await new Browser(server.issuer).open(urls[2]!)).external, true);
      assert.deepEqual((await server.admin('GET', `/admin/handoffs?client_id=${encodeURIComponent(b.client_id)}`)).body, []);
      // clean up for the next tests
      assert.equal((await server.admin('DELETE', `/admin/handoffs?client_id=${encodeURIComponent(a.client_id)}`)).body.revoked, 2);
    });

    it('DELETE /admin/handoffs/{id}: 204, the URL then fails like an unknown one; 404 afterwards and for unknown ids', async () => {
      const url = await step1(server, a, 'alice');
      const [item] = (await server.admin('GET', `/admin/handoffs?client_id=${encodeURIComponent(a.client_id)}`)).body;
      const res = await server.admin('DELETE', `/admin/handoffs/${item.id}`);
      assert.equal(res.status, 204);
      assert.deepEqual(await reason(url), { status: 400, reason: 'unknown' });
      assert.equal((await server.admin('DELETE', `/admin/handoffs/${item.id}`)).status, 404);
      assert.equal((await server.admin('DELETE', '/admin/handoffs/00000000-0000-0000-0000-000000000000')).status, 404);
      const revoked = audit.filter((l) => l.event === 'handoff.revoked').at(-1)!;
      assert.deepEqual([revoked.client_id, revoked.provider, revoked.sub], [a.client_id, 'password', alice.sub]);
    });

    it('a redeemed handoff cannot be revoked (404)', async () => {
      const url = await step1(server, a, 'alice');
      const [item] = (await server.admin('GET', `/admin/handoffs?client_id=${encodeURIComponent(a.client_id)}`)).body;
      assert.equal((await new Browser(server.issuer).open(url)).external, true);
      assert.equal((await server.admin('DELETE', `/admin/handoffs/${item.id}`)).status, 404);
    });

    it('DELETE /admin/handoffs?client_id=…[&sub=…] revokes in bulk and answers the count', async () => {
      const aliceA = await step1(server, a, 'alice');
      const bobA = await step1(server, a, 'bob');
      const aliceB = await step1(server, b, 'alice');
      const one = await server.admin('DELETE', `/admin/handoffs?client_id=${encodeURIComponent(a.client_id)}&sub=${bob.sub}`);
      assert.deepEqual([one.status, one.body], [200, { revoked: 1 }]);
      assert.equal((await reason(bobA)).reason, 'unknown');
      const rest = await server.admin('DELETE', `/admin/handoffs?client_id=${encodeURIComponent(a.client_id)}`);
      assert.deepEqual(rest.body, { revoked: 1 });
      assert.equal((await reason(aliceA)).reason, 'unknown');
      assert.equal((await server.admin('DELETE', `/admin/handoffs?client_id=${encodeURIComponent(a.client_id)}`)).body.revoked, 0);
      assert.equal((await new Browser(server.issuer).open(aliceB)).external, true, "another client's handoff is untouched");
    });

    it('a deleted client\'s handoffs leave the inventory', async () => {
      const doomed = await registerClient(server);
      await step1(server, doomed, 'alice');
      assert.equal((await server.admin('GET', `/admin/handoffs?client_id=${encodeURIComponent(doomed.client_id)}`)).body.length, 1);
      assert.equal((await server.admin('DELETE', `/admin/clients/${encodeURIComponent(doomed.client_id)}`)).status, 204);
      assert.deepEqual((await server.admin('GET', `/admin/handoffs?client_id=${encodeURIComponent(doomed.client_id)}`)).body, []);
      assert.ok(!(await server.admin('GET', '/admin/handoffs')).body.some((h: { client_id: string }) => h.client_id === doomed.client_id));
    });

    it('bulk revocation needs client_id; every call needs the token', async () => {
      const res = await server.admin('DELETE', '/admin/handoffs');
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_request');
      assert.equal((await server.admin('DELETE', '/admin/handoffs?sub=x')).status, 400);
      for (const [method, path] of [['GET', '/admin/handoffs'], ['DELETE', '/admin/handoffs/x'], ['DELETE', '/admin/handoffs?client_id=x']]) {
        const unauthenticated = await fetch(`${server.issuer}${path}`, { method });
        assert.equal(unauthenticated.status, 401, `${method} ${path}`);
      }
    });
  });
}
