/**
 * The embedded store's layout (adapters/sqlite-tables.ts), its upgrade from
 * the single `records` table (sqlite-migrate.ts) and its checkpoints in a
 * worker thread (sqlite-worker.ts), which also counts whole tables.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../adapters/sqlite.js';
import { Table, tableName } from '../adapters/sqlite-tables.js';

const dir = mkdtempSync(join(tmpdir(), 'handoff-layout-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function open(file: string, opts: { checkpointIntervalMs?: number } = {}) {
  const store = createSqliteStore({ file, ...opts });
  await store.init();
  return store;
}

function inspect<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file, { readonly: true });
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

/** The first layout, as the previous release created it. */
const OLD_SCHEMA = `
CREATE TABLE records (
  collection TEXT NOT NULL, id TEXT NOT NULL, data TEXT NOT NULL, expires_at INTEGER, consumed_at INTEGER,
  grant_id TEXT, uid TEXT, user_code TEXT, sub TEXT, client_id TEXT,
  PRIMARY KEY (collection, id)
) WITHOUT ROWID;
CREATE INDEX records_expires_at ON records (expires_at) WHERE expires_at IS NOT NULL;
CREATE INDEX records_grant_id ON records (collection, grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX records_uid ON records (collection, uid) WHERE uid IS NOT NULL;
CREATE INDEX records_user_code ON records (collection, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX records_sub ON records (collection, sub) WHERE sub IS NOT NULL;
CREATE INDEX records_client_id ON records (collection, client_id) WHERE client_id IS NOT NULL;
`;

describe('sqlite layout: one table per collection', () => {
  it('collections differing only in case, or in the escape character, stay apart', async () => {
    const store = await open(join(dir, 'names.sqlite'));
    try {
      const names = ['oidc_Session', 'oidc_session', 'oidc_^session', 'OIDC_SESSION', 'a"b', 'a b;--', 'é'];
      for (const name of names) await store.put(name, { id: 'same', data: name });
      for (const name of names) {
        assert.equal((await store.get(name, 'same'))?.data, name);
        assert.equal((await store.list(name)).length, 1, name);
      }
      assert.equal(new Set(names.map(tableName)).size, names.length);
    } finally {
      await store.close();
    }
  });

  it('look-ups by an index field use an index, for known and unknown collections alike', async () => {
    const file = join(dir, 'plans.sqlite');
    const store = await open(file);
    try {
      await store.put('handoffs', { id: 'h', data: 1, userCode: 'pub', clientId: 'c', sub: 's' });
      await store.put('somewhere_new', { id: 'x', data: 1, grantId: 'g' });
      assert.equal((await store.findBy('handoffs', 'userCode', 'pub')).length, 1);
      assert.equal((await store.findBy('somewhere_new', 'grantId', 'g')).length, 1, 'the first look-up builds the index');
      const plan = (collection: string, column: string) => inspect(file, (db) =>
        (db.prepare(`EXPLAIN QUERY PLAN SELECT * FROM "${tableName(collection)}" WHERE ${column} = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY id`)
          .all('v', 0) as { detail: string }[]).map((r) => r.detail).join('; '));
      assert.match(plan('handoffs', 'user_code'), /USING INDEX/);
      assert.match(plan('handoffs', 'client_id'), /USING INDEX/);
      assert.match(plan('somewhere_new', 'grant_id'), /USING INDEX/);
      const indexes = inspect(file, (db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?").pluck().all(tableName('handoffs')));
      assert.ok(!indexes.some((n) => String(n).endsWith(':sub')), `a handoff's sub is written but never looked up: ${indexes.join(', ')}`);
    } finally {
      await store.close();
    }
  });

  it('pending handoffs are listed and counted through an index of unconsumed records alone, built on open for an older table', async () => {
    const file = join(dir, 'unconsumed.sqlite');
    let store = await open(file);
    const unconsumedIndex = () => inspect(file, (db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql LIKE '%WHERE consumed_at IS NULL'").pluck().all(tableName('handoffs')));
    try {
      await store.put('handoffs', { id: 'p', data: 1, expiresAt: Date.now() + 60_000, clientId: 'c', sub: 's' });
      await store.put('handoffs', { id: 'r', data: 2, expiresAt: Date.now() + 60_000, consumedAt: Date.now(), clientId: 'c', sub: 's' });
      assert.equal(unconsumedIndex().length, 1, 'made with the table');
      // A table made before this index existed: the first read builds it.
      await store.close();
      const old = new Database(file);
      old.exec(`DROP INDEX "${String(unconsumedIndex()[0]).replace(/"/g, '""')}"`);
      old.close();
      store = await open(file);
      assert.deepEqual((await store.listUnconsumed('handoffs', { field: 'clientId', value: 'c' })).map((r) => r.id), ['p']);
      assert.equal(unconsumedIndex().length, 1, 'built again at the first read');
      // The plans of exactly the statements the store runs.
      const plans = inspect(file, (db) => {
        const t = new Table(db, 'handoffs');
        const explain = (sql: string, ...params: unknown[]) =>
          (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail).join('; ');
        return [explain(t.countUnconsumed().source, 0), explain(t.listUnconsumed().source, 0), explain(t.listUnconsumed('clientId').source, 0, 'c'), explain(t.listUnconsumed('sub').source, 0, 's')];
      });
      for (const plan of plans) assert.match(plan, /INDEX "?i:handoffs:unconsumed/, plan);
    } finally {
      await store.close();
    }
  });

  it('a look-up by a field not indexed yet answers while another process holds the write lock, and builds the index later', async () => {
    const file = join(dir, 'locked.sqlite');
    const store = await open(file);
    try {
      await store.put('handoffs', { id: 'h1', data: 1, sub: 's1' });
      await store.put('handoffs', { id: 'h2', data: 2, sub: 's2' });
      const other = new Database(file);
      other.exec('BEGIN EXCLUSIVE');
      try {
        assert.deepEqual((await store.findBy('handoffs', 'sub', 's1')).map((r) => r.id), ['h1'], 'a scan this time');
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      const indexes = () => inspect(file, (db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?").pluck().all(tableName('handoffs')));
      assert.ok(!indexes().some((n) => String(n).endsWith(':sub')));
      assert.deepEqual((await store.findBy('handoffs', 'sub', 's2')).map((r) => r.id), ['h2']);
      assert.ok(indexes().some((n) => String(n).endsWith(':sub')), 'built at the next look-up');
    } finally {
      await store.close();
    }
  });

  it('sweep removes every expired row, in chunks, and counts them exactly', async () => {
    const store = await open(join(dir, 'sweep.sqlite'));
    try {
      for (let i = 0; i < 250; i++) await store.put('bulk', { id: `e${i}`, data: i, expiresAt: Date.now() - 1000, clientId: 'c' });
      await store.put('bulk', { id: 'live', data: 1, expiresAt: Date.now() + 60_000, clientId: 'c' });
      await store.put('other', { id: 'e', data: 1, expiresAt: Date.now() - 1000 });
      assert.equal(await store.sweep(), 251);
      assert.equal(await store.deleteBy('bulk', 'clientId', 'c'), 1, 'only the live row was left');
    } finally {
      await store.close();
    }
  });
  it('close() during a sweep ends it between steps, without an error', async () => {
    const store = await open(join(dir, 'sweep-close.sqlite'));
    for (let i = 0; i < 500; i++) await store.put('bulk', { id: `e${i}`, data: i, expiresAt: Date.now() - 1000 });
    const sweeping = store.sweep();
    await store.close();
    const removed = await sweeping;
    assert.ok(removed >= 0 && removed <= 500, String(removed));
  });
});

describe('sqlite upgrade from the single records table', () => {
  it('moves clients, accounts, keys and live tokens into their tables in one go and drops the old table', async () => {
    const file = join(dir, 'upgrade.sqlite');
    const future = Date.now() + 3_600_000;
    const old = new Database(file);
    old.pragma('journal_mode = WAL');
    old.exec(OLD_SCHEMA);
    const insert = old.prepare(`INSERT INTO records VALUES (@collection, @id, @data, @expires_at, @consumed_at, @grant_id, @uid, @user_code, @sub, @client_id)`);
    const row = (r: Record<string, unknown>) => ({ expires_at: null, consumed_at: null, grant_id: null, uid: null, user_code: null, sub: null, client_id: null, ...r });
    insert.run(row({ collection: 'oidc_Client', id: 'rp1', data: JSON.stringify({ client_id: 'rp1', redirect_uris: ['https://rp/cb'] }), client_id: 'rp1' }));
    insert.run(row({ collection: 'accounts', id: 'sub-1', data: JSON.stringify({ username: 'ada' }), sub: 'sub-1' }));
    insert.run(row({ collection: 'usernames', id: 'ada', data: JSON.stringify({ sub: 'sub-1' }), sub: 'sub-1' }));
    insert.run(row({ collection: 'keys', id: 'jwks', data: JSON.stringify({ keys: [{ kid: 'k1' }] }) }));
    insert.run(row({ collection: 'oidc_AccessToken', id: 'a'.repeat(64), data: JSON.stringify({ accountId: 'sub-1' }), expires_at: future, grant_id: 'g1', client_id: 'rp1' }));
    insert.run(row({ collection: 'oidc_AuthorizationCode', id: 'b'.repeat(64), data: JSON.stringify({ n: 1 }), expires_at: future, consumed_at: 1234, grant_id: 'g1', client_id: 'rp1' }));
    insert.run(row({ collection: 'oidc_Session', id: 'c'.repeat(64), data: JSON.stringify({ uid: 'u1' }), expires_at: future, uid: 'u1', sub: 'sub-1' }));
    insert.run(row({ collection: 'oidc_AccessToken', id: 'd'.repeat(64), data: '{}', expires_at: Date.now() - 1000, grant_id: 'g1' }));
    insert.run(row({ collection: 'ratelimits', id: 'w:1', data: '3', expires_at: future }));
    old.close();

    const store = await open(file);
    try {
      assert.deepEqual(await store.get('oidc_Client', 'rp1'), {
        id: 'rp1', data: { client_id: 'rp1', redirect_uris: ['https://rp/cb'] }, clientId: 'rp1', expiresAt: null, consumedAt: null,
      });
      assert.deepEqual((await store.get('accounts', 'sub-1'))?.data, { username: 'ada' });
      assert.deepEqual((await store.get('usernames', 'ada'))?.data, { sub: 'sub-1' });
      assert.deepEqual((await store.get('keys', 'jwks'))?.data, { keys: [{ kid: 'k1' }] });
      assert.deepEqual((await store.findBy('oidc_AccessToken', 'grantId', 'g1')).map((r) => r.id), ['a'.repeat(64)], 'the expired token stayed behind');
      const code = await store.get('oidc_AuthorizationCode', 'b'.repeat(64));
      assert.equal(code?.consumedAt, 1234, 'a consumed code stays consumed');
      assert.equal(await store.consume('oidc_AuthorizationCode', 'b'.repeat(64)), undefined);
      assert.equal((await store.findBy('oidc_Session', 'uid', 'u1'))[0]?.sub, 'sub-1');
      assert.equal(await store.hit('ratelimits', 'w:1', future), 4, 'a counter carries on');
      assert.equal(await store.deleteBy('oidc_AccessToken', 'clientId', 'rp1'), 1);
    } finally {
      await store.close();
    }
    const tables = inspect(file, (db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all());
    assert.ok(!tables.includes('records'), `the old table is gone: ${tables.join(', ')}`);

    const again = await open(file);
    try {
      assert.equal((await again.get('oidc_Client', 'rp1'))?.clientId, 'rp1', 'a second start finds the moved rows and moves nothing');
    } finally {
      await again.close();
    }
  });
});

describe('sqlite checkpoints run in a worker thread', () => {
  it('the worker checkpoints the WAL into the database file, and under steady writes the WAL starts over instead of growing', async () => {
    const file = join(dir, 'checkpoint.sqlite');
    const pragma = Database.prototype.pragma;
    const here: string[] = [];
    Database.prototype.pragma = function (this: Database.Database, source: string, options?: Database.PragmaOptions) {
      here.push(source);
      return pragma.call(this, source, options);
    } as typeof pragma;
    let store;
    try {
      store = await open(file, { checkpointIntervalMs: 50 });
      const before = statSync(file).size;
      // Writes without a pause for two seconds: the worker alone would never find the WAL's end.
      const until = Date.now() + 2000;
      let written = 0;
      for (let i = 0; Date.now() < until; i++) {
        await store.put('bulk', { id: `r${i % 500}`, data: 'x'.repeat(1000) });
        written += 1;
        if (i % 20 === 0) await new Promise((r) => setImmediate(r));
      }
      const wal = statSync(`${file}-wal`).size;
      assert.ok(statSync(file).size > before + 100_000, 'checkpointed into the database file');
      // Each put appends a few 2 kB pages; a WAL that never started over would hold them all.
      assert.ok(wal < written * 2048 / 4, `the WAL started over: ${wal} bytes after ${written} puts`);
      // Under a server's steady load the worker's copy never reaches the WAL's end by itself
      // (new frames keep coming while it copies); the main thread copies the short tail after it.
      const onThisThread = here.filter((p) => p.includes('wal_checkpoint'));
      assert.ok(onThisThread.length > 0, 'the main thread finishes the worker\'s checkpoints');
      assert.ok(onThisThread.every((p) => p === 'wal_checkpoint(PASSIVE)'), 'only the passive tail runs here');
    } finally {
      Database.prototype.pragma = pragma;
      await store?.close();
    }
    assert.ok(!existsSync(`${file}-wal`), 'close() stopped the worker first, so the last connection removed the WAL');
  });
});

describe('sqlite counts of whole tables run in the worker thread', () => {
  it('countUnconsumed reads on the worker\'s connection, never on the event loop\'s, and counts exactly', async () => {
    const file = join(dir, 'count.sqlite');
    const store = await open(file);
    // A statement's methods live on one prototype per module instance: the
    // worker loads its own, so this spy sees the main thread's reads only.
    const probe = new Database(':memory:');
    const proto = Object.getPrototypeOf(probe.prepare('SELECT 1')) as { get: (...args: unknown[]) => unknown };
    probe.close();
    const get = proto.get;
    const counted: string[] = [];
    proto.get = function (this: { source: string }, ...args: unknown[]) {
      if (this.source.includes('COUNT(')) counted.push(this.source);
      return get.apply(this, args);
    };
    try {
      const now = Date.now();
      for (let i = 0; i < 30; i++) {
        await store.put('handoffs', { id: `h${i}`, data: { i }, expiresAt: i % 3 === 0 ? now - 1000 : now + 60_000, consumedAt: i % 5 === 0 ? now : null });
      }
      // live (i % 3 != 0: 20 rows), and of those not consumed (i % 5 != 0: minus h5, h10, h20, h25)
      assert.equal(await store.countUnconsumed('handoffs'), 16);
      assert.equal(await store.countUnconsumed('no_such_collection'), 0);
      assert.deepEqual(counted, [], 'no count ran on the main thread');
      await store.consume('handoffs', 'h1');
      assert.equal(await store.countUnconsumed('handoffs'), 15, 'the worker reads what the main thread wrote');
    } finally {
      proto.get = get;
      await store.close();
    }
  });
});
