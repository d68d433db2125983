// Tests the in-memory wire server itself with the real driver; MONGODB_URI is
// deliberately not consulted here (the store tests use it to pick a real server).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Long, MongoBulkWriteError, MongoClient, MongoServerError, type Db, type Document } from 'mongodb';
import { startMongoWireServer, type MongoWireServer } from './support/mongo-wire-server.js';

let server: MongoWireServer;
let client: MongoClient;
let db: Db;

before(async () => {
  server = await startMongoWireServer({ ttlSweepMs: 100 });
  client = new MongoClient(server.uri, { serverSelectionTimeoutMS: 2000 });
  await client.connect();
  db = client.db('wire_test');
});

after(async () => {
  await client.close();
  await server.close();
});

/** Each test gets a fresh collection so they stay independent. */
let seq = 0;
const fresh = <T extends Document = Document>() => db.collection<T>(`c${++seq}`);

function assertCode(err: unknown, code: number): asserts err is MongoServerError {
  assert.ok(err instanceof MongoServerError, `expected MongoServerError, got ${String(err)}`);
  assert.equal(err.code, code);
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  assert.fail('expected a rejection');
}

describe('mongo wire server', () => {
  test('serves a loopback directConnection uri and answers ping', async () => {
    assert.match(server.uri, /^mongodb:\/\/127\.0\.0\.1:\d+\/\?directConnection=true$/);
    assert.ok(server.port > 0);
    assert.deepEqual(await db.command({ ping: 1 }), { ok: 1 });
    const info = await db.admin().command({ buildInfo: 1 });
    assert.equal(info.ok, 1);
  });

  test('inserts and finds with sort, skip, limit and projection', async () => {
    const c = fresh<{ _id?: unknown; n: number; tag?: string }>();
    const one = await c.insertOne({ n: 0, tag: 'first' });
    assert.ok(one.insertedId);
    await c.insertMany([3, 1, 4, 2].map((n) => ({ n, tag: n % 2 ? 'odd' : 'even' })));
    const top = await c.find({ n: { $gte: 1 } }, { projection: { _id: 0, n: 1 }, sort: { n: -1 }, skip: 1, limit: 2 }).toArray();
    assert.deepEqual(top, [{ n: 3 }, { n: 2 }]);
    assert.deepEqual(await c.findOne({ tag: 'first' }, { projection: { _id: 0 } }), { n: 0, tag: 'first' });
    assert.equal(await c.findOne({ n: 99 }), null);
  });

  test('pages with getMore when batchSize is smaller than the result', async () => {
    const c = fresh<{ n: number }>();
    await c.insertMany([1, 2, 3, 4, 5].map((n) => ({ n })));
    const cursor = c.find({}, { batchSize: 2 }).sort({ n: 1 });
    const first = await cursor.next();
    assert.equal(first?.n, 1);
    assert.ok(cursor.id instanceof Long && !cursor.id.isZero(), 'a live cursor id (a Long) after the first batch');
    assert.equal(cursor.bufferedCount(), 1);
    const rest = await cursor.toArray();
    assert.deepEqual(rest.map((d) => d.n), [2, 3, 4, 5]);
    assert.ok(cursor.id?.isZero(), 'exhausted cursor');
  });

  test('closing a cursor early kills it', async () => {
    const c = fresh<{ n: number }>();
    await c.insertMany([1, 2, 3, 4, 5].map((n) => ({ n })));
    const cursor = c.find({}, { batchSize: 2 });
    await cursor.next();
    const id = cursor.id;
    await cursor.close();
    assert.ok(id);
    const res = await db.command({ killCursors: c.collectionName, cursors: [id] });
    // db.command() promotes the Long ids back to numbers
    assert.deepEqual(res.cursorsNotFound.map(String), [id.toString()], 'close() already sent killCursors');
  });

  test('updateOne applies $set, $unset and $inc', async () => {
    const c = fresh<{ _id: string; a?: number; b?: string; n: number; nested?: { x: number } }>();
    await c.insertOne({ _id: 'u1', a: 1, b: 'gone', n: 10 });
    const res = await c.updateOne({ _id: 'u1' }, { $set: { a: 2, 'nested.x': 7 }, $unset: { b: '' }, $inc: { n: 5 } });
    assert.equal(res.matchedCount, 1);
    assert.equal(res.modifiedCount, 1);
    assert.deepEqual(await c.findOne({ _id: 'u1' }), { _id: 'u1', a: 2, n: 15, nested: { x: 7 } });
    const same = await c.updateOne({ _id: 'u1' }, { $set: { a: 2 } });
    assert.equal(same.matchedCount, 1);
    assert.equal(same.modifiedCount, 0, 'a no-op update modifies nothing');
    const many = await c.updateMany({}, { $inc: { n: 1 } });
    assert.equal(many.matchedCount, 1);
    const none = await c.updateOne({ _id: 'nope' }, { $set: { a: 1 } });
    assert.equal(none.matchedCount, 0);
    assert.equal(none.upsertedCount, 0);
  });

  test('upsert seeds from the filter and applies $setOnInsert only on insert', async () => {
    const c = fresh<{ _id: string; kind: string; hits: number; created?: boolean }>();
    const first = await c.updateOne(
      { _id: 'k1', kind: 'page' },
      { $inc: { hits: 1 }, $setOnInsert: { created: true } },
      { upsert: true },
    );
    assert.equal(first.upsertedCount, 1);
    assert.equal(first.upsertedId, 'k1');
    assert.deepEqual(await c.findOne({ _id: 'k1' }), { _id: 'k1', kind: 'page', hits: 1, created: true });
    const second = await c.updateOne(
      { _id: 'k1', kind: 'page' },
      { $inc: { hits: 1 }, $setOnInsert: { created: false } },
      { upsert: true },
    );
    assert.equal(second.upsertedCount, 0);
    assert.equal(second.modifiedCount, 1);
    assert.deepEqual(await c.findOne({ _id: 'k1' }), { _id: 'k1', kind: 'page', hits: 2, created: true });
    const generated = await c.updateOne({ kind: 'other' }, { $set: { hits: 0 } }, { upsert: true });
    assert.ok(generated.upsertedId, 'an _id is generated when the filter has none');
  });

  test('replaceOne replaces the body and keeps _id, with upsert', async () => {
    const c = fresh<{ _id: string; v: number; old?: boolean }>();
    await c.insertOne({ _id: 'r1', v: 1, old: true });
    const res = await c.replaceOne({ _id: 'r1' }, { v: 2 });
    assert.equal(res.modifiedCount, 1);
    assert.deepEqual(await c.findOne({ _id: 'r1' }), { _id: 'r1', v: 2 });
    const up = await c.replaceOne({ _id: 'r2' }, { v: 3 }, { upsert: true });
    assert.equal(up.upsertedId, 'r2');
    assert.deepEqual(await c.findOne({ _id: 'r2' }), { _id: 'r2', v: 3 });
    // the typed collection forbids this at compile time; the server must refuse it too
    const raw = db.collection(c.collectionName);
    const err = await rejection(raw.replaceOne({ _id: 'r1' as never }, { _id: 'other', v: 4 }));
    assertCode(err, 66);
  });

  test('findOneAndUpdate returns the document before or after, or null', async () => {
    const c = fresh<{ _id: string; state: string; n: number }>();
    await c.insertOne({ _id: 'f1', state: 'pending', n: 0 });
    const beforeDoc = await c.findOneAndUpdate({ _id: 'f1' }, { $inc: { n: 1 } }, { returnDocument: 'before' });
    assert.deepEqual(beforeDoc, { _id: 'f1', state: 'pending', n: 0 });
    const afterDoc = await c.findOneAndUpdate({ _id: 'f1' }, { $inc: { n: 1 } }, { returnDocument: 'after' });
    assert.deepEqual(afterDoc, { _id: 'f1', state: 'pending', n: 2 });
    const miss = await c.findOneAndUpdate({ _id: 'f1', state: 'done' }, { $set: { n: 9 } }, { returnDocument: 'after' });
    assert.equal(miss, null);
    const projected = await c.findOneAndUpdate(
      { _id: 'f1' },
      { $set: { state: 'done' } },
      { returnDocument: 'after', projection: { state: 1 } },
    );
    assert.deepEqual(projected, { _id: 'f1', state: 'done' });
    const upserted = await c.findOneAndUpdate(
      { _id: 'f2' },
      { $set: { state: 'new' } },
      { upsert: true, returnDocument: 'after' },
    );
    assert.deepEqual(upserted, { _id: 'f2', state: 'new' });
    const meta = await c.findOneAndUpdate({ _id: 'f1' }, { $set: { n: 5 } }, { includeResultMetadata: true });
    assert.equal(meta.lastErrorObject?.updatedExisting, true);
    const removed = await c.findOneAndDelete({ _id: 'f2' });
    assert.equal(removed?._id, 'f2');
    assert.equal(await c.countDocuments(), 1);
  });

  test('deleteOne and deleteMany', async () => {
    const c = fresh<{ g: string }>();
    await c.insertMany([{ g: 'a' }, { g: 'a' }, { g: 'a' }, { g: 'b' }]);
    assert.equal((await c.deleteOne({ g: 'a' })).deletedCount, 1);
    assert.equal((await c.deleteMany({ g: 'a' })).deletedCount, 2);
    assert.equal((await c.deleteMany({ g: 'zzz' })).deletedCount, 0);
    assert.deepEqual((await c.find({}, { projection: { _id: 0 } }).toArray()), [{ g: 'b' }]);
  });

  test('countDocuments, estimatedDocumentCount, distinct and aggregate', async () => {
    const c = fresh<{ g: string; v: number; tags: string[] }>();
    await c.insertMany([
      { g: 'x', v: 1, tags: ['a', 'b'] },
      { g: 'x', v: 2, tags: ['b'] },
      { g: 'y', v: 3, tags: [] },
    ]);
    assert.equal(await c.countDocuments(), 3);
    assert.equal(await c.countDocuments({ g: 'x' }), 2);
    assert.equal(await c.countDocuments({}, { skip: 1, limit: 1 }), 1);
    assert.equal(await c.countDocuments({ g: 'nope' }), 0);
    assert.equal(await c.estimatedDocumentCount(), 3);
    assert.deepEqual((await c.distinct('tags')).sort(), ['a', 'b']);
    const sums = await c
      .aggregate<{ _id: string; total: number }>([{ $group: { _id: '$g', total: { $sum: '$v' } } }, { $sort: { _id: 1 } }])
      .toArray();
    assert.deepEqual(sums, [
      { _id: 'x', total: 3 },
      { _id: 'y', total: 3 },
    ]);
    assert.equal(await db.collection('never_written').countDocuments(), 0);
  });

  test('unique indexes reject duplicates with code 11000 and keyValue', async () => {
    const c = fresh<{ _id?: string; email?: string; n?: number }>();
    await c.createIndex({ email: 1 }, { unique: true });
    await c.insertOne({ email: 'a@x' });

    const single = await rejection(c.insertOne({ email: 'a@x' }));
    assertCode(single, 11000);
    assert.deepEqual(single.keyValue, { email: 'a@x' });
    assert.match(single.message, /E11000 duplicate key error collection: wire_test\.\S+ index: email_1 dup key/);

    const bulk = await rejection(c.insertMany([{ email: 'b@x' }, { email: 'a@x' }, { email: 'c@x' }]));
    assert.ok(bulk instanceof MongoBulkWriteError);
    assert.equal(bulk.code, 11000);
    assert.equal(bulk.result.insertedCount, 1, 'an ordered insert stops at the first error');

    await c.insertOne({ _id: 'id1', n: 1 });
    const dupId = await rejection(c.insertOne({ _id: 'id1' }));
    assertCode(dupId, 11000);
    assert.deepEqual(dupId.keyValue, { _id: 'id1' });

    const viaUpdate = await rejection(c.updateOne({ email: 'b@x' }, { $set: { email: 'a@x' } }));
    assertCode(viaUpdate, 11000);
    const viaFam = await rejection(c.findOneAndUpdate({ email: 'b@x' }, { $set: { email: 'a@x' } }));
    assertCode(viaFam, 11000);
    assert.equal(viaFam.codeName, 'DuplicateKey');
    assert.deepEqual(viaFam.keyValue, { email: 'a@x' });
    assert.equal(await c.countDocuments({ email: 'b@x' }), 1, 'the failed update changed nothing');

    const d = fresh<{ x: number }>();
    await d.insertMany([{ x: 1 }, { x: 1 }]);
    assertCode(await rejection(d.createIndex({ x: 1 }, { unique: true })), 11000);
  });

  test('sparse and partial unique indexes skip documents they do not cover', async () => {
    const c = fresh<{ uid?: string; kind?: string }>();
    await c.createIndex({ uid: 1 }, { unique: true, sparse: true });
    await c.insertMany([{}, {}]);
    await c.insertOne({ uid: 'u' });
    assertCode(await rejection(c.insertOne({ uid: 'u' })), 11000);

    const p = fresh<{ code: string; kind: string }>();
    await p.createIndex({ code: 1 }, { unique: true, partialFilterExpression: { kind: 'live' } });
    await p.insertMany([
      { code: 'c', kind: 'draft' },
      { code: 'c', kind: 'draft' },
      { code: 'c', kind: 'live' },
    ]);
    assertCode(await rejection(p.insertOne({ code: 'c', kind: 'live' })), 11000);
  });

  test('TTL indexes expire past-dated documents', async () => {
    const c = fresh<{ _id: string; expiresAt: Date }>();
    await c.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
    await c.insertMany([
      { _id: 'old', expiresAt: new Date(Date.now() - 1000) },
      { _id: 'new', expiresAt: new Date(Date.now() + 60_000) },
    ]);
    const deadline = Date.now() + 1500;
    while ((await c.countDocuments({ _id: 'old' })) > 0) {
      assert.ok(Date.now() < deadline, 'expired document still present');
      await sleep(50);
    }
    assert.equal(await c.countDocuments({ _id: 'new' }), 1);
  });

  test('round-trips a 2 MiB document', async () => {
    const c = fresh<{ _id: string; blob: string }>();
    const blob = 'x'.repeat(2 * 1024 * 1024) + 'end';
    await c.insertOne({ _id: 'big', blob });
    const got = await c.findOne({ _id: 'big' });
    assert.equal(got?.blob.length, blob.length);
    assert.equal(got?.blob, blob);
    await c.insertMany([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => ({ _id: `big${i}`, blob })));
    const all = await c.find({}).toArray();
    assert.equal(all.length, 10, 'batches spanning more than 16 MiB are split across getMores');
  });

  test('concurrent findOneAndUpdate on one document has exactly one winner', async () => {
    const c = fresh<{ _id: string; state: string }>();
    await c.insertOne({ _id: 'race', state: 'pending' });
    const results = await Promise.all(
      Array.from({ length: 25 }, () =>
        c.findOneAndUpdate({ _id: 'race', state: 'pending' }, { $set: { state: 'done' } }, { returnDocument: 'after' }),
      ),
    );
    assert.equal(results.filter((r) => r !== null).length, 1);
    assert.deepEqual(await c.findOne({ _id: 'race' }), { _id: 'race', state: 'done' });
  });

  test('unacknowledged (w:0) inserts are applied without a reply', async () => {
    const c = fresh<{ _id: string }>();
    const res = await c.insertOne({ _id: 'w0' }, { writeConcern: { w: 0 } });
    assert.equal(res.acknowledged, false);
    // the write went over another pooled connection, so allow it a moment to land
    const deadline = Date.now() + 1000;
    while (!(await c.findOne({ _id: 'w0' }))) {
      assert.ok(Date.now() < deadline, 'w:0 insert never became visible');
      await sleep(10);
    }
  });

  test('lists, drops and recreates indexes, collections and databases', async () => {
    const c = fresh();
    await c.createIndexes([
      { key: { expiresAt: 1 }, expireAfterSeconds: 0 },
      { key: { grantId: 1 }, sparse: true },
      { key: { a: 1, b: -1 }, name: 'ab', unique: true },
    ]);
    const indexes = await c.listIndexes().toArray();
    assert.deepEqual(
      indexes.map((i) => i.name),
      ['_id_', 'expiresAt_1', 'grantId_1', 'ab'],
    );
    const ttl = indexes.find((i) => i.name === 'expiresAt_1');
    assert.equal(ttl?.expireAfterSeconds, 0);
    assert.deepEqual(ttl?.key, { expiresAt: 1 });
    assert.equal(indexes.find((i) => i.name === 'grantId_1')?.sparse, true);
    assert.equal(await c.indexExists('ab'), true);
    // same spec again is a no-op, as the adapter relies on
    await c.createIndex({ grantId: 1 }, { sparse: true });
    await c.dropIndex('ab');
    assert.equal(await c.indexExists('ab'), false);
    assertCode(await rejection(c.dropIndex('ab')), 27);

    const names = (await db.listCollections({ name: c.collectionName }, { nameOnly: true }).toArray()).map((x) => x.name);
    assert.deepEqual(names, [c.collectionName]);
    assert.equal(await c.drop(), true);
    assert.equal((await db.listCollections({ name: c.collectionName }).toArray()).length, 0);
    assertCode(await rejection(c.listIndexes().toArray()), 26);

    const other = client.db('wire_test_other');
    await other.createCollection('x');
    assertCode(await rejection(other.createCollection('x')), 48);
    const dbs = await client.db('admin').admin().listDatabases();
    assert.ok(dbs.databases.some((d) => d.name === 'wire_test_other'));
    await other.dropDatabase();
    assert.deepEqual(await other.listCollections().toArray(), []);
  });

  test('rejects unknown commands and transaction numbers like a standalone', async () => {
    assertCode(await rejection(db.command({ frobnicate: 1 })), 59);
    const err = await rejection(db.command({ insert: 'tx', documents: [{}], txnNumber: Long.fromNumber(1) }));
    assertCode(err, 20);
    assert.equal(err.codeName, 'IllegalOperation');
    assertCode(await rejection(fresh().find({ a: { $bogus: 1 } }).toArray()), 2);
  });

  test('close() ends the server even with a client still connected', async () => {
    const extra = await startMongoWireServer();
    const c2 = new MongoClient(extra.uri, { serverSelectionTimeoutMS: 500 });
    await c2.db('x').command({ ping: 1 });
    await extra.close();
    await c2.close();
  });
});
