import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { setImmediate as nextTurn } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { createOwnerOnly, tightenSqliteFiles } from './file-modes.js';
import { startSqliteWorker, WorkerReadError, type SqliteWorker } from './sqlite-worker.js';
import { migrateOldLayout } from './sqlite-migrate.js';
import { COLUMNS, collections, createTable, Table, tableExists } from './sqlite-tables.js';
import { INDEX_FIELDS, mapOutages, type IndexField, type Store, type StoredRecord } from './store.js';

/**
 * Pages of a new database file. Every page a commit touches is written to
 * the WAL whole, and a put touches one page in each of its table's b-trees:
 * 2 kB pages halved the WAL bytes per put against 4 kB at the same CPU
 * (bench/store-ops.ts), while records up to ~2 kB still fit in one page.
 * An existing file keeps the page size it was created with.
 */
const PAGE_SIZE = 2048;
/** Rows deleted per sweep step: a few ms each, and the event loop runs between steps. */
const SWEEP_CHUNK = 100;

/** A row as the statements read it: the columns of ALL_COLUMNS, in order. */
type Row = [string, string, number | null, number | null, ...(string | null)[]];

/** Parameters in ALL_COLUMNS order: id, data, expiry, consumption, then the INDEX_FIELDS. */
function toParams(r: StoredRecord<unknown>): unknown[] {
  return [
    r.id, JSON.stringify(r.data ?? null), r.expiresAt ?? null, r.consumedAt ?? null,
    r.grantId ?? null, r.uid ?? null, r.userCode ?? null, r.sub ?? null, r.clientId ?? null,
  ];
}

function fromRow<T>(row: Row): StoredRecord<T> {
  const rec: StoredRecord<T> = { id: row[0], data: JSON.parse(row[1]) as T, expiresAt: row[2], consumedAt: row[3] };
  for (let i = 0; i < INDEX_FIELDS.length; i++) {
    const v = row[4 + i];
    if (typeof v === 'string') rec[INDEX_FIELDS[i]] = v;
  }
  return rec;
}

function checkField(field: IndexField): IndexField {
  // callers may be untyped; an unknown field must not reach the SQL
  if (!Object.hasOwn(COLUMNS, field)) throw new Error(`not an index field: ${String(field)}`);
  return field;
}

/** Disk, lock and file failures: the store is not answering, not a bug. */
const OUTAGE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN|PROTOCOL|NOMEM)/;
const isOutage = (err: unknown) =>
  (err instanceof Database.SqliteError || err instanceof WorkerReadError) && OUTAGE.test(err.code ?? '');

export function createSqliteStore(opts: { file: string; sweepIntervalMs?: number; checkpointIntervalMs?: number }): Store {
  return mapOutages(openSqliteStore(opts), isOutage);
}

function openSqliteStore(opts: { file: string; sweepIntervalMs?: number; checkpointIntervalMs?: number }): Store {
  const onDisk = opts.file !== ':memory:' && opts.file !== '';
  if (onDisk) {
    mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
    createOwnerOnly(opts.file);
  }
  const db = new Database(opts.file);
  db.pragma(`page_size = ${PAGE_SIZE}`); // only takes on a file without tables yet
  db.pragma('journal_mode = WAL');
  if (onDisk) tightenSqliteFiles(opts.file);
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // No automatic checkpoint inside a commit (i.e. inside some request): a
  // worker thread checkpoints instead, see sqlite-worker.ts.
  db.pragma('wal_autocheckpoint = 0');
  // After a burst the WAL file is cut back to this size once it restarts.
  db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);

  let ready = false;
  let closing = false;
  let timer: NodeJS.Timeout | undefined;
  let worker: SqliteWorker | undefined;
  const tables = new Map<string, Table>();

  /**
   * The collection's table on this connection. Writes create it; reads of a
   * collection that has none answer empty without creating one. Another
   * connection may have created it since the last look, so a miss asks the
   * schema again.
   */
  function table(collection: string, create: true): Table;
  function table(collection: string, create: false): Table | undefined;
  function table(collection: string, create: boolean): Table | undefined {
    if (!ready) throw new Error('sqlite store used before init()');
    const known = tables.get(collection);
    if (known) return known;
    if (!tableExists(db, collection)) {
      if (!create) return undefined;
      createTable(db, collection);
    }
    const opened = new Table(db, collection);
    tables.set(collection, opened);
    return opened;
  }

  /** Runs one sweep at a time: the timer's and a caller's never split one another's count. */
  let sweeping: Promise<unknown> = Promise.resolve();
  async function sweepAll(): Promise<number> {
    let removed = 0;
    for (const collection of collections(db)) {
      if (closing) return removed;
      const t = table(collection, true);
      for (;;) {
        if (closing) return removed;
        const n = t.sweepChunk.run(Date.now(), SWEEP_CHUNK).changes;
        removed += n;
        if (n < SWEEP_CHUNK) break;
        await nextTurn();
      }
    }
    return removed;
  }
  function sweep(): Promise<number> {
    const run = sweeping.then(sweepAll, sweepAll);
    sweeping = run.catch(() => undefined);
    return run;
  }

  const checkpointHere = () => {
    try {
      db.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // retried at the next tick; until then the WAL just grows
    }
  };

  return {
    kind: 'sqlite',
    async init() {
      if (ready) return;
      migrateOldLayout(db);
      ready = true;
      timer = setInterval(() => {
        // a failed sweep is retried at the next tick; reads already hide expired rows
        sweep().catch(() => undefined);
      }, opts.sweepIntervalMs ?? 60_000);
      timer.unref();
      // An in-memory database has no WAL to fold back.
      if (onDisk) worker = startSqliteWorker(opts.file, opts.checkpointIntervalMs ?? 250, checkpointHere);
    },
    async get<T>(collection: string, id: string) {
      const row = table(collection, false)?.get.get(id, Date.now()) as Row | undefined;
      return row && fromRow<T>(row);
    },
    async put<T>(collection: string, record: StoredRecord<T>) {
      table(collection, true).put.run(toParams(record));
    },
    async insertNew<T>(collection: string, record: StoredRecord<T>) {
      const now = Date.now();
      // fails closed: see Store.insertNew
      if (record.expiresAt != null && record.expiresAt <= now) return false;
      return table(collection, true).insertNew.run(...toParams(record), now).changes === 1;
    },
    async consume<T>(collection: string, id: string) {
      const now = Date.now();
      const row = table(collection, false)?.consume.get(now, id, now) as Row | undefined;
      return row && fromRow<T>(row);
    },
    async delete(collection: string, id: string) {
      return (table(collection, false)?.delete.run(id).changes ?? 0) > 0;
    },
    async findBy<T>(collection: string, field: IndexField, value: string) {
      checkField(field);
      const rows = (table(collection, false)?.indexFor(field).findBy.all(value, Date.now()) ?? []) as Row[];
      return rows.map((r) => fromRow<T>(r));
    },
    async countUnconsumed(collection: string) {
      const t = table(collection, false);
      if (!t) return 0;
      const count = t.countUnconsumed();
      const now = Date.now();
      // It may read many rows: on the worker's connection, off the event loop (sqlite-worker.ts).
      const counted = worker?.read(count.source, [now]);
      return (counted ? await counted : count.get(now)) as number;
    },
    async listUnconsumed<T>(collection: string, filter?: { field: IndexField; value: string }) {
      const field = filter && checkField(filter.field);
      const t = table(collection, false);
      if (!t) return [];
      const params: unknown[] = [Date.now()];
      if (filter) params.push(filter.value);
      const rows = t.listUnconsumed(field).all(...params) as Row[];
      return rows.map((r) => fromRow<T>(r));
    },
    async deleteBy(collection: string, field: IndexField, value: string) {
      checkField(field);
      return table(collection, false)?.indexFor(field).deleteBy.run(value).changes ?? 0;
    },
    async list<T>(collection: string) {
      return ((table(collection, false)?.list.all(Date.now()) ?? []) as Row[]).map((r) => fromRow<T>(r));
    },
    async hit(collection: string, id: string, windowEndsAt: number, amount = 1) {
      const now = Date.now();
      // A read writes nothing: a missing or ended counter is 0.
      if (amount === 0) return (table(collection, false)?.readCount.get(id, now) as number | undefined) ?? 0;
      return table(collection, true).hit.get(id, String(amount), windowEndsAt, now, now) as number;
    },
    async sweep() {
      if (!ready) throw new Error('sqlite store used before init()');
      return sweep();
    },
    async close() {
      clearInterval(timer);
      // A sweep in progress stops at its next step rather than find the connection gone.
      closing = true;
      await sweeping;
      // The worker's connection goes first, so the store's is the last and
      // closing it folds the WAL back into the file.
      await worker?.stop();
      if (!db.open) return;
      try {
        // Advisory statistics only; another connection holding the lock must
        // not stop this one from closing.
        if (ready) db.pragma('optimize');
      } catch {
        // skipped this time
      }
      db.close();
    },
  };
}
