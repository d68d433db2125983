import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../adapters/index.js';
import { createSqliteStore } from '../adapters/sqlite.js';
import { tableName } from '../adapters/sqlite-tables.js';
import { storeContract } from './store-contract.js';

const dir = mkdtempSync(join(tmpdir(), 'handoff-sqlite-'));
after(() => rmSync(dir, { recursive: true, force: true }));

async function open(file: string, sweepIntervalMs?: number) {
  const store = createSqliteStore({ file, sweepIntervalMs });
  await store.init();
  return store;
}

storeContract('sqlite (file)', () => open(join(dir, 'contract.sqlite')));
storeContract('sqlite (:memory:)', () => open(':memory:'));

const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('audit #5 data at rest: owner-only files', () => {
  it('audit #5 DATA_DIR is created 0700 and the SQLite files 0600, whatever the umask', async () => {
    const dataDir = join(dir, 'modes-new', 'data');
    const umask = process.umask(0o022);
    let store;
    try {
      store = await openStore({ dataDir });
      await store.put('k', { id: 'x', data: 'written so the WAL exists' });
    } finally {
      process.umask(umask);
    }
    try {
      assert.equal(modeOf(dataDir).toString(8), '700');
      const file = join(dataDir, 'handoff.sqlite');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) {
        assert.ok(existsSync(f), `${f} exists`);
        assert.equal(modeOf(f).toString(8), '600', f);
      }
    } finally {
      await store.close();
    }
  });

  it('audit #5 an existing DATA_DIR and SQLite files with loose modes are tightened on start', async () => {
    const dataDir = join(dir, 'modes-old');
    const first = await openStore({ dataDir });
    await first.put('k', { id: 'x', data: 1 });
    await first.close();
    const file = join(dataDir, 'handoff.sqlite');
    writeFileSync(`${file}-wal`, '');
    writeFileSync(`${file}-shm`, '');
    chmodSync(dataDir, 0o755);
    for (const f of [file, `${file}-wal`, `${file}-shm`]) chmodSync(f, 0o644);
    const second = await openStore({ dataDir });
    try {
      assert.equal(modeOf(dataDir).toString(8), '700');
      for (const f of [file, `${file}-wal`, `${file}-shm`]) assert.equal(modeOf(f).toString(8), '600', f);
      assert.equal((await second.get('k', 'x'))?.data, 1, 'the data is still there');
    } finally {
      await second.close();
    }
  });

  it('refuses a shared directory with the sticky bit (such as /tmp) as DATA_DIR', async () => {
    const shared = join(dir, 'shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    await assert.rejects(openStore({ dataDir: shared }), /shared directory/);
    assert.equal(statSync(shared).mode & 0o7777, 0o1777, 'left as it was');
  });
});

describe('sqlite specifics', () => {
  it('creates the parent directory and uses WAL mode', async () => {
    const file = join(dir, 'nested', 'deeper', 'wal.sqlite');
    const store = await open(file);
    await store.close();
    const db = new Database(file, { readonly: true });
    try {
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    } finally {
      db.close();
    }
  });

  it('keeps data across close and reopen', async () => {
    const file = join(dir, 'persist.sqlite');
    const first = await open(file);
    await first.put('clients', { id: 'c1', data: { name: 'one' }, clientId: 'c1' });
    await first.close();
    const second = await open(file);
    try {
      assert.deepEqual(await second.get('clients', 'c1'), {
        id: 'c1', data: { name: 'one' }, clientId: 'c1', expiresAt: null, consumedAt: null,
      });
      assert.equal((await second.findBy('clients', 'clientId', 'c1')).length, 1);
    } finally {
      await second.close();
    }
  });

  it('the sweeper timer deletes expired rows by itself', async () => {
    const file = join(dir, 'sweeper.sqlite');
    const store = await open(file, 30);
    try {
      await store.put('m', { id: 'old', data: 1, expiresAt: Date.now() - 1 });
      await store.put('m', { id: 'live', data: 2 });
      await sleep(150);
      const db = new Database(file, { readonly: true });
      try {
        const ids = db.prepare(`SELECT id FROM "${tableName('m')}" ORDER BY id`).pluck().all();
        assert.deepEqual(ids, ['live']);
      } finally {
        db.close();
      }
    } finally {
      await store.close();
    }
  });

  it('openStore picks SQLite in the data directory without a MongoDB URI', async () => {
    const store = await openStore({ dataDir: join(dir, 'data') });
    try {
      assert.equal(store.kind, 'sqlite');
      await store.put('k', { id: 'x', data: 1 });
      assert.ok(existsSync(join(dir, 'data', 'handoff.sqlite')));
    } finally {
      await store.close();
    }
  });

  it('rejects use before init and unknown index fields', async () => {
    const store = createSqliteStore({ file: ':memory:' });
    await assert.rejects(store.get('x', 'y'), /before init/);
    await store.init();
    await assert.rejects(store.findBy('x', 'nope' as 'sub', 'v'), /not an index field/);
    await store.close();
  });
});
