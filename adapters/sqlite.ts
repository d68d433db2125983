import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { createOwnerOnly, tightenSqliteFiles } from './file-modes.js';
import { INDEX_FIELDS, mapOutages, type IndexField, type Store, type StoredRecord } from './store.js';

const COLUMNS: Record<IndexField, string> = {
  grantId: 'grant_id',
  uid: 'uid',
  userCode: 'user_code',
  sub: 'sub',
  clientId: 'client_id',
};

interface Row {
  id: string;
  data: string;
  expires_at: number | null;
  consumed_at: number | null;
  grant_id: string | null;
  uid: string | null;
  user_code: string | null;
  sub: string | null;
  client_id: string | null;
}

const LIVE = '(expires_at IS NULL OR expires_at > @now)';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS records (
  collection TEXT NOT NULL,
  id TEXT NOT NULL,
  data TEXT NOT NULL,
  expires_at INTEGER,
  consumed_at INTEGER,
  grant_id TEXT, uid TEXT, user_code TEXT, sub TEXT, client_id TEXT,
  PRIMARY KEY (collection, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_expires_at ON records (expires_at) WHERE expires_at IS NOT NULL;
${Object.values(COLUMNS)
  .map((c) => `CREATE INDEX IF NOT EXISTS records_${c} ON records (collection, ${c}) WHERE ${c} IS NOT NULL;`)
  .join('\n')}
`;

function toRow(collection: string, r: StoredRecord<unknown>) {
  const row: Record<string, string | number | null> = {
    collection,
    id: r.id,
    data: JSON.stringify(r.data ?? null),
    expires_at: r.expiresAt ?? null,
    consumed_at: r.consumedAt ?? null,
  };
  for (const f of INDEX_FIELDS) row[COLUMNS[f]] = r[f] ?? null;
  return row;
}

function fromRow<T>(row: Row): StoredRecord<T> {
  const rec: StoredRecord<T> = {
    id: row.id,
    data: JSON.parse(row.data) as T,
    expiresAt: row.expires_at,
    consumedAt: row.consumed_at,
  };
  for (const f of INDEX_FIELDS) {
    const v = row[COLUMNS[f] as keyof Row];
    if (typeof v === 'string') rec[f] = v;
  }
  return rec;
}

function forField<S>(stmts: Record<IndexField, S>, field: IndexField): S {
  // callers may be untyped; an unknown field must not fall through to undefined
  if (!Object.hasOwn(stmts, field)) throw new Error(`not an index field: ${String(field)}`);
  return stmts[field];
}

/** Disk, lock and file failures: the store is not answering, not a bug. */
const OUTAGE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|READONLY|CANTOPEN|PROTOCOL|NOMEM)/;
const isOutage = (err: unknown) => err instanceof Database.SqliteError && OUTAGE.test(err.code);

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
  db.pragma('journal_mode = WAL');
  if (onDisk) tightenSqliteFiles(opts.file);
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  // No automatic checkpoint inside a commit (i.e. inside some request): a
  // timer checkpoints instead, PASSIVE so it never waits for a reader.
  db.pragma('wal_autocheckpoint = 0');
  let checkpointTimer: NodeJS.Timeout | undefined;

  let stmts: ReturnType<typeof prepare> | undefined;
  let timer: NodeJS.Timeout | undefined;

  function prepare() {
    db.exec(SCHEMA);
    const cols = ['collection', 'id', 'data', 'expires_at', 'consumed_at', ...Object.values(COLUMNS)];
    const values = cols.map((c) => `@${c}`).join(', ');
    const byField = (sql: (c: string) => string) =>
      Object.fromEntries(INDEX_FIELDS.map((f) => [f, db.prepare(sql(COLUMNS[f]))])) as Record<
        IndexField,
        Database.Statement
      >;
    return {
      get: db.prepare(`SELECT * FROM records WHERE collection = @collection AND id = @id AND ${LIVE}`),
      put: db.prepare(`INSERT OR REPLACE INTO records (${cols.join(', ')}) VALUES (${values})`),
      countUnconsumed: db.prepare(`SELECT COUNT(*) AS n FROM records WHERE collection = @collection AND consumed_at IS NULL AND ${LIVE}`),
      // The conflict branch only fires over an expired row, so `changes` is 0 exactly when a live one exists.
      insertNew: db.prepare(
        `INSERT INTO records (${cols.join(', ')}) VALUES (${values})
         ON CONFLICT (collection, id) DO UPDATE SET
           ${cols.slice(2).map((c) => `${c} = excluded.${c}`).join(', ')}
         WHERE records.expires_at IS NOT NULL AND records.expires_at <= @now`,
      ),
      consume: db.prepare(
        `UPDATE records SET consumed_at = @now
         WHERE collection = @collection AND id = @id AND consumed_at IS NULL AND ${LIVE} RETURNING *`,
      ),
      delete: db.prepare('DELETE FROM records WHERE collection = @collection AND id = @id'),
      list: db.prepare(`SELECT * FROM records WHERE collection = @collection AND ${LIVE} ORDER BY id`),
      sweep: db.prepare('DELETE FROM records WHERE expires_at IS NOT NULL AND expires_at <= @now'),
      // One statement: a new or ended window starts over at `amount`, a live one adds to it.
      hit: db.prepare(
        `INSERT INTO records (collection, id, data, expires_at) VALUES (@collection, @id, @amount, @ends)
         ON CONFLICT (collection, id) DO UPDATE SET
           data = CASE WHEN records.expires_at <= @now THEN @amount ELSE CAST(records.data AS INTEGER) + @amount END,
           expires_at = CASE WHEN records.expires_at <= @now THEN @ends ELSE records.expires_at END
         RETURNING CAST(data AS INTEGER) AS n`,
      ),
      // Without ANALYZE statistics the planner prefers the primary key's collection prefix, i.e. a scan.
      findBy: byField(
        (c) => `SELECT * FROM records INDEXED BY records_${c} WHERE collection = @collection AND ${c} = @value AND ${LIVE} ORDER BY id`,
      ),
      deleteBy: byField((c) => `DELETE FROM records INDEXED BY records_${c} WHERE collection = @collection AND ${c} = @value`),
    };
  }

  function s() {
    if (!stmts) throw new Error('sqlite store used before init()');
    return stmts;
  }

  const sweep = () => s().sweep.run({ now: Date.now() }).changes;

  return {
    kind: 'sqlite',
    async init() {
      if (stmts) return;
      stmts = prepare();
      timer = setInterval(() => {
        try {
          sweep();
        } catch {
          // a failed sweep is retried at the next tick; reads already hide expired rows
        }
      }, opts.sweepIntervalMs ?? 60_000);
      timer.unref();
      checkpointTimer = setInterval(() => {
        try {
          db.pragma('wal_checkpoint(PASSIVE)');
        } catch {
          // retried at the next tick; until then the WAL just grows
        }
      }, opts.checkpointIntervalMs ?? 1000);
      checkpointTimer.unref();
    },
    async get<T>(collection: string, id: string) {
      const row = s().get.get({ collection, id, now: Date.now() }) as Row | undefined;
      return row && fromRow<T>(row);
    },
    async put<T>(collection: string, record: StoredRecord<T>) {
      s().put.run(toRow(collection, record));
    },
    async insertNew<T>(collection: string, record: StoredRecord<T>) {
      const now = Date.now();
      // fails closed: see Store.insertNew
      if (record.expiresAt != null && record.expiresAt <= now) return false;
      return s().insertNew.run({ ...toRow(collection, record), now }).changes === 1;
    },
    async consume<T>(collection: string, id: string) {
      const row = s().consume.get({ collection, id, now: Date.now() }) as Row | undefined;
      return row && fromRow<T>(row);
    },
    async delete(collection: string, id: string) {
      return s().delete.run({ collection, id }).changes > 0;
    },
    async findBy<T>(collection: string, field: IndexField, value: string) {
      const rows = forField(s().findBy, field).all({ collection, value, now: Date.now() }) as Row[];
      return rows.map((r) => fromRow<T>(r));
    },
    async countUnconsumed(collection: string) {
      return (s().countUnconsumed.get({ collection, now: Date.now() }) as { n: number }).n;
    },
    async deleteBy(collection: string, field: IndexField, value: string) {
      return forField(s().deleteBy, field).run({ collection, value }).changes;
    },
    async list<T>(collection: string) {
      return (s().list.all({ collection, now: Date.now() }) as Row[]).map((r) => fromRow<T>(r));
    },
    async hit(collection: string, id: string, windowEndsAt: number, amount = 1) {
      const row = s().hit.get({ collection, id, ends: windowEndsAt, amount: String(amount), now: Date.now() }) as { n: number };
      return row.n;
    },
    async sweep() {
      return sweep();
    },
    async close() {
      clearInterval(timer);
      clearInterval(checkpointTimer);
      if (!db.open) return;
      try {
        // Advisory statistics only; another connection holding the lock must
        // not stop this one from closing.
        if (stmts) db.pragma('optimize');
      } catch {
        // skipped this time
      }
      db.close();
    },
  };
}
