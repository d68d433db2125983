/**
 * The client metadata cache (adapters/client-cache.ts): a change made through
 * this process takes effect on the very next request, on both stores; a
 * change by another instance on the same store is seen within
 * CLIENT_CACHE_MS; a read that overlapped a write is never cached.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../adapters/index.js';
import { CLIENT_CACHE_MS, CLIENT_COLLECTION, withClientCache } from '../adapters/client-cache.js';
import { createSqliteStore } from '../adapters/sqlite.js';
import type { Store, StoredRecord } from '../adapters/store.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { basic, PREAUTH_GRANT, registerClient } from './support/preauth.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function clientCredentials(server: TestServer, clientId: string, secret: string) {
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
  });
  return { status: res.status, body: await res.json() as Record<string, any> };
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`client cache (${kind})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ kind });
    });
    after(async () => {
      await server?.close();
    });

    it('a deleted client stops working on the very next request', async () => {
      const rp = await registerClient(server, { grant_types: ['authorization_code', 'client_credentials', PREAUTH_GRANT] });
      for (let i = 0; i < 3; i += 1) assert.equal((await clientCredentials(server, rp.client_id, rp.client_secret)).status, 200);
      assert.equal((await server.admin('DELETE', `/admin/clients/${rp.client_id}`)).status, 204);
      const refused = await clientCredentials(server, rp.client_id, rp.client_secret);
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_client');
    });

    it('a changed client applies on the very next request', async () => {
      const rp = await registerClient(server, { grant_types: ['authorization_code', 'client_credentials', PREAUTH_GRANT] });
      assert.equal((await clientCredentials(server, rp.client_id, rp.client_secret)).status, 200);
      const patched = await server.admin('PATCH', `/admin/clients/${rp.client_id}`, { grant_types: ['authorization_code', PREAUTH_GRANT] });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      const refused = await clientCredentials(server, rp.client_id, rp.client_secret);
      assert.equal(refused.status, 400);
      assert.equal(refused.body.error, 'unauthorized_client');
    });
  });
}

describe('client cache across instances and overlapping writes', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'handoff-client-cache-'));
  let a: Store;
  let b: Store;
  before(async () => {
    a = await openStore({ dataDir });
    b = await openStore({ dataDir });
  });
  after(async () => {
    await a?.close();
    await b?.close();
    rmSync(dataDir, { recursive: true, force: true });
    await closeMongo();
  });

  const record = (id: string, name: string): StoredRecord => ({ id, data: { client_id: id, client_name: name }, clientId: id });
  const nameOf = async (store: Store, id: string) => ((await store.get<{ client_name: string }>(CLIENT_COLLECTION, id))?.data.client_name);

  it('another instance\'s change is seen within CLIENT_CACHE_MS; this instance\'s own at once', async () => {
    await a.put(CLIENT_COLLECTION, record('shared', 'one'));
    assert.equal(await nameOf(b, 'shared'), 'one', 'a client created elsewhere is found at once (misses are not cached)');
    await a.put(CLIENT_COLLECTION, record('shared', 'two'));
    assert.equal(await nameOf(a, 'shared'), 'two', 'the writing instance sees its change at once');
    const deadline = Date.now() + CLIENT_CACHE_MS + 2000;
    let seen = await nameOf(b, 'shared');
    while (seen !== 'two' && Date.now() < deadline) {
      await sleep(100);
      seen = await nameOf(b, 'shared');
    }
    assert.equal(seen, 'two');
    await a.delete(CLIENT_COLLECTION, 'shared');
    assert.equal(await nameOf(a, 'shared'), undefined, 'a deletion is seen at once where it was made');
  });

  it('what callers get is shared and frozen: a change throws and the cache keeps its value', async () => {
    await a.put(CLIENT_COLLECTION, record('copied', 'original'));
    for (let i = 0; i < 2; i++) {
      const got = await a.get<{ client_name: string; jwks?: unknown }>(CLIENT_COLLECTION, 'copied');
      assert.throws(() => { got!.data.client_name = 'changed by a caller'; }, TypeError);
      assert.throws(() => { got!.data.jwks = {}; }, TypeError);
    }
    assert.equal(await nameOf(a, 'copied'), 'original');
  });

  it('a read that overlapped a write is not cached', async () => {
    const raw = createSqliteStore({ file: ':memory:' });
    await raw.init();
    let release: () => void = () => {};
    let hold = false;
    const slow: Store = {
      ...raw,
      kind: raw.kind,
      async get<T>(collection: string, id: string) {
        const found = await raw.get<T>(collection, id);
        if (hold) await new Promise<void>((resolve) => { release = resolve; });
        return found;
      },
    };
    const cached = withClientCache(slow, 60_000);
    try {
      await cached.put(CLIENT_COLLECTION, record('raced', 'old'));
      hold = true;
      const reading = nameOf(cached, 'raced'); // reads "old", then waits
      await sleep(20);
      hold = false;
      await cached.put(CLIENT_COLLECTION, record('raced', 'new'));
      release();
      assert.equal(await reading, 'old');
      assert.equal(await nameOf(cached, 'raced'), 'new', 'the stale read was not kept');
    } finally {
      await raw.close();
    }
  });
});
