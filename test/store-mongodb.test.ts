import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { MongoClient } from 'mongodb';
import { openStore } from '../adapters/index.js';
import { createMongoStore } from '../adapters/mongodb.js';
import { storeContract } from './store-contract.js';
import { startMongoWireServer } from './support/mongo-wire-server.js';

const external = process.env.MONGODB_URI;
const dbName = `handoff_test_${randomBytes(4).toString('hex')}`;
let server: Awaited<ReturnType<typeof startMongoWireServer>> | undefined;

/** The URI with its path database swapped for this run's throw-away one. */
function withDb(uri: string, db: string): string {
  const m = /^(mongodb(?:\+srv)?:\/\/[^/?]*)(?:\/([^?]*))?(\?.*)?$/.exec(uri);
  if (!m) throw new Error(`cannot parse MongoDB URI ${uri}`);
  const [, base, path, query = ''] = m;
  // credentials in the URI authenticate against its own database unless authSource says otherwise
  const auth = path && !/[?&]authSource=/.test(query) ? `${query ? '&' : '?'}authSource=${path}` : '';
  return `${base}/${db}${query}${auth}`;
}

async function uri(): Promise<string> {
  if (external) return withDb(external, dbName);
  // a long TTL sweep keeps the server's own expiry out of the sweep() count assertions
  server ??= await startMongoWireServer({ ttlSweepMs: 3_600_000 });
  return withDb(server.uri, dbName);
}

after(async () => {
  if (external) {
    const client = new MongoClient(await uri());
    try {
      await client.db(dbName).dropDatabase();
    } finally {
      await client.close();
    }
  }
  await server?.close();
});

storeContract('mongodb', async () => createMongoStore({ uri: await uri() }));

describe('mongodb specifics', () => {
  it('stores data as JSON text with date expiry and indexes each collection', async () => {
    const store = await createMongoStore({ uri: await uri() });
    const client = new MongoClient(await uri(), { retryWrites: false });
    try {
      const expiresAt = Date.now() + 60_000;
      await store.put('layout', { id: 'a', data: { $x: { 'a.b': 1 } }, expiresAt, grantId: 'g' });
      const raw = await client.db(dbName).collection<{ _id: string; [k: string]: unknown }>('layout').findOne({ _id: 'a' });
      assert.ok(raw);
      assert.equal(raw.data, '{"$x":{"a.b":1}}');
      assert.ok(raw.expiresAt instanceof Date);
      assert.equal(raw.expiresAt.getTime(), expiresAt);
      assert.equal(raw.consumedAt, null);
      assert.equal(raw.grantId, 'g');
      assert.equal('uid' in raw, false, 'absent fields stay absent for the sparse indexes');
      const indexes = await client.db(dbName).collection('layout').listIndexes().toArray();
      const ttl = indexes.find((i) => i.key?.expiresAt === 1);
      assert.equal(ttl?.expireAfterSeconds, 0);
      for (const f of ['grantId', 'uid', 'userCode', 'sub', 'clientId']) {
        assert.equal(indexes.find((i) => i.key?.[f] === 1)?.sparse, true, `sparse index on ${f}`);
      }
    } finally {
      await client.close();
      await store.close();
    }
  });

  it('openStore picks MongoDB when given a URI', async () => {
    const store = await openStore({ mongodbUri: await uri(), dataDir: '/nonexistent' });
    try {
      assert.equal(store.kind, 'mongodb');
      await store.put('pick', { id: 'x', data: 1 });
      assert.equal((await store.get('pick', 'x'))?.data, 1);
    } finally {
      await store.close();
    }
  });

  it('rejects quickly and clearly when the server is unreachable', async () => {
    const t0 = Date.now();
    await assert.rejects(
      createMongoStore({ uri: 'mongodb://127.0.0.1:1/x', serverSelectionTimeoutMS: 1500 }),
      (err: Error) => {
        assert.match(err.message, /MongoDB at 127\.0\.0\.1:1 not reachable/);
        assert.match(err.message, /ECONNREFUSED|Server selection timed out/);
        return true;
      },
    );
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  });
});
