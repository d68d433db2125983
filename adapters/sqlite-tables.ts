/**
 * The embedded store's layout: one table per collection, so a row carries
 * no collection prefix and a write maintains only the indexes its collection
 * is looked up by (bench/store-ops.ts measured the single shared table this
 * replaced at 2.5× the µs and WAL bytes per put).
 *
 * Tables are rowid tables: records of 0.3–2 kB would overflow the pages of
 * a WITHOUT ROWID table and cost twice as much per insert; for the small
 * counter rows the two came out alike.
 */
import type Database from 'better-sqlite3';
import { INDEX_FIELDS, UNCONSUMED_READS, type IndexField } from './store.js';

export const COLUMNS: Record<IndexField, string> = {
  grantId: 'grant_id',
  uid: 'uid',
  userCode: 'user_code',
  sub: 'sub',
  clientId: 'client_id',
};

/** Every table's columns in this order; statements bind and read them positionally. */
export const ALL_COLUMNS = ['id', 'data', 'expires_at', 'consumed_at', ...INDEX_FIELDS.map((f) => COLUMNS[f])];

/**
 * The fields each known collection is looked up by (findBy/deleteBy in
 * server/ and oidc-provider's adapter calls), indexed when its table is
 * created. A field written but never looked up (e.g. a handoff's `sub`)
 * costs no index. A look-up by any other field builds its index at that
 * first look-up (see Table.indexFor), so a missing entry here costs one
 * index build, never a scan per call.
 */
const LOOKUPS: Record<string, IndexField[]> = {
  oidc_Session: ['uid', 'sub'],
  oidc_Grant: ['sub', 'clientId'],
  oidc_AccessToken: ['grantId', 'clientId'],
  oidc_RefreshToken: ['grantId', 'clientId'],
  oidc_AuthorizationCode: ['grantId', 'clientId'],
  oidc_DeviceCode: ['grantId', 'clientId', 'userCode'],
  oidc_BackchannelAuthenticationRequest: ['grantId', 'clientId'],
  oidc_PreAuthorizedCode: ['grantId'],
  oidc_ClientCredentials: ['clientId'],
  oidc_PushedAuthorizationRequest: ['clientId'],
  handoffs: ['grantId', 'uid', 'userCode', 'clientId'],
  replay: ['clientId'],
  subjects: ['clientId'],
};

/**
 * Table names: SQLite compares identifiers case-insensitively (ASCII), so
 * `oidc_Session` and `oidc_session` must not map to one name. Each ASCII
 * capital becomes `^` + its small letter and `^` itself `^^`, which can be
 * undone, so two collections never share a table. The `c:` prefix keeps
 * clear of `sqlite_` names and the old `records` table; index names use `i:`.
 */
const encode = (collection: string) => collection.replace(/[\^A-Z]/g, (ch) => (ch === '^' ? '^^' : `^${ch.toLowerCase()}`));
const decode = (encoded: string) => encoded.replace(/\^(.)/g, (_, ch: string) => (ch === '^' ? '^' : ch.toUpperCase()));
export const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export const tableName = (collection: string) => `c:${encode(collection)}`;
const indexName = (collection: string, column: string) => `i:${encode(collection)}:${column}`;

/** Collections that have a table, from the schema (another connection may have made some). */
export function collections(db: Database.Database): string[] {
  const names = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND substr(name, 1, 2) = 'c:'").pluck().all() as string[];
  return names.map((n) => decode(n.slice(2)));
}

/**
 * Runs `build` (an index build) without waiting for the write lock: a read
 * does not wait for the sake of an index. False when it could not run now.
 */
function builtWithoutWaiting(db: Database.Database, build: () => void): boolean {
  const patience = db.pragma('busy_timeout', { simple: true }) as number;
  db.pragma('busy_timeout = 0');
  try {
    build();
    return true;
  } catch {
    return false;
  } finally {
    db.pragma(`busy_timeout = ${patience}`);
  }
}

function createIndex(db: Database.Database, collection: string, column: string): void {
  db.exec(`CREATE INDEX IF NOT EXISTS ${quote(indexName(collection, column))} ON ${quote(tableName(collection))} (${column}) WHERE ${column} IS NOT NULL`);
}

/**
 * The unconsumed records of a collection of UNCONSUMED_READS: pending
 * handoffs, without the day of redeemed ones beside them. Its name cannot
 * clash with a column's index.
 */
const UNCONSUMED = 'unconsumed';

function createUnconsumedIndex(db: Database.Database, collection: string): void {
  db.exec(`CREATE INDEX IF NOT EXISTS ${quote(indexName(collection, UNCONSUMED))} ON ${quote(tableName(collection))} (expires_at) WHERE consumed_at IS NULL`);
}

/** Creates the collection's table and the indexes of its known look-ups, unless it exists. */
export function createTable(db: Database.Database, collection: string): void {
  if (collection.includes('\0')) throw new Error('a collection name cannot contain NUL');
  // INTEGER affinity stores the driver's doubles as integers, as the old table did.
  const columns = ['id TEXT PRIMARY KEY NOT NULL', 'data TEXT NOT NULL', 'expires_at INTEGER', 'consumed_at INTEGER', ...ALL_COLUMNS.slice(4).map((c) => `${c} TEXT`)].join(', ');
  db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${quote(tableName(collection))} (${columns})`);
    // The sweeper deletes expired rows through this one, in small chunks.
    createIndex(db, collection, 'expires_at');
    for (const field of LOOKUPS[collection] ?? []) createIndex(db, collection, COLUMNS[field]);
    if (UNCONSUMED_READS.has(collection)) createUnconsumedIndex(db, collection);
  }).immediate();
}

export const tableExists = (db: Database.Database, collection: string) =>
  db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(tableName(collection)) !== undefined;

const LIVE = '(expires_at IS NULL OR expires_at > ?)';
const SELECT = `SELECT ${ALL_COLUMNS.join(', ')}`;
const PLACEHOLDERS = ALL_COLUMNS.map(() => '?').join(', ');
const REPLACE = ALL_COLUMNS.slice(1).map((c) => `${c} = excluded.${c}`).join(', ');

/** One collection's table and its prepared statements, on one connection. */
export class Table {
  readonly get: Database.Statement;
  /** An upsert rewrites the row in place, so indexes whose values did not change are not touched. */
  readonly put: Database.Statement;
  /** The conflict branch only fires over an expired row, so `changes` is 0 exactly when a live one exists. */
  readonly insertNew: Database.Statement;
  readonly consume: Database.Statement;
  readonly delete: Database.Statement;
  readonly list: Database.Statement;
  /** One statement: a new or ended window starts over at the amount, a live one adds to it. */
  readonly hit: Database.Statement;
  /** A counter's value, read without writing (a check before the work it limits). */
  readonly readCount: Database.Statement;
  /** Chunks keep each sweep step short, so the event loop never waits long for one. */
  readonly sweepChunk: Database.Statement;
  readonly #byField = new Map<IndexField, { findBy: Database.Statement; deleteBy: Database.Statement }>();
  readonly #unconsumed = new Map<IndexField | 'count' | undefined, Database.Statement>();
  #unconsumedIndexed = false;

  constructor(private readonly db: Database.Database, readonly collection: string) {
    const t = quote(tableName(collection));
    const raw = (sql: string) => db.prepare(sql).raw();
    this.get = raw(`${SELECT} FROM ${t} WHERE id = ? AND ${LIVE}`);
    this.put = db.prepare(`INSERT INTO ${t} VALUES (${PLACEHOLDERS}) ON CONFLICT (id) DO UPDATE SET ${REPLACE}`);
    this.insertNew = db.prepare(
      `INSERT INTO ${t} VALUES (${PLACEHOLDERS}) ON CONFLICT (id) DO UPDATE SET ${REPLACE}
       WHERE ${t}.expires_at IS NOT NULL AND ${t}.expires_at <= ?`,
    );
    this.consume = raw(`UPDATE ${t} SET consumed_at = ? WHERE id = ? AND consumed_at IS NULL AND ${LIVE} RETURNING ${ALL_COLUMNS.join(', ')}`);
    this.delete = db.prepare(`DELETE FROM ${t} WHERE id = ?`);
    this.list = raw(`${SELECT} FROM ${t} WHERE ${LIVE} ORDER BY id`);
    this.hit = db.prepare(
      `INSERT INTO ${t} (id, data, expires_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET
         data = CASE WHEN ${t}.expires_at <= ? THEN excluded.data ELSE CAST(${t}.data AS INTEGER) + CAST(excluded.data AS INTEGER) END,
         expires_at = CASE WHEN ${t}.expires_at <= ? THEN excluded.expires_at ELSE ${t}.expires_at END
       RETURNING CAST(data AS INTEGER)`,
    ).pluck();
    this.readCount = db.prepare(`SELECT CAST(data AS INTEGER) FROM ${t} WHERE id = ? AND expires_at > ?`).pluck();
    this.sweepChunk = db.prepare(
      `DELETE FROM ${t} WHERE rowid IN (SELECT rowid FROM ${t} WHERE expires_at IS NOT NULL AND expires_at <= ? LIMIT ?)`,
    );
  }

  /**
   * Statements by an index field. Its index is built at the first look-up
   * if the table lacks it (a collection this layout does not know, or a new
   * look-up): once, instead of a scan on every call. Should that fail (the
   * file is locked), this look-up scans and the next one tries again.
   */
  indexFor(field: IndexField) {
    const cached = this.#byField.get(field);
    if (cached) return cached;
    const column = COLUMNS[field];
    const built = builtWithoutWaiting(this.db, () => createIndex(this.db, this.collection, column));
    const t = quote(tableName(this.collection));
    const stmts = {
      findBy: this.db.prepare(`${SELECT} FROM ${t} WHERE ${column} = ? AND ${LIVE} ORDER BY id`).raw(),
      deleteBy: this.db.prepare(`DELETE FROM ${t} WHERE ${column} = ?`),
    };
    if (built) this.#byField.set(field, stmts);
    return stmts;
  }

  /**
   * Whether a collection of UNCONSUMED_READS has its index of unconsumed
   * records, built here for a table made before that index existed: once,
   * and like indexFor without waiting for the write lock (false then, and
   * the next read tries again).
   */
  hasUnconsumedIndex(): boolean {
    if (this.#unconsumedIndexed || !UNCONSUMED_READS.has(this.collection)) return this.#unconsumedIndexed;
    const name = indexName(this.collection, UNCONSUMED);
    const exists = this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?").get(name) !== undefined;
    this.#unconsumedIndexed = exists || builtWithoutWaiting(this.db, () => createUnconsumedIndex(this.db, this.collection));
    return this.#unconsumedIndexed;
  }

  /**
   * Unconsumed live records (parameters: now, then the field's value),
   * through the index of unconsumed records where the collection has one:
   * the planner would rather take a field's index and pass over every
   * consumed record of that client or subject.
   */
  listUnconsumed(field?: IndexField): Database.Statement {
    const by = field ? ` AND ${COLUMNS[field]} = ?` : '';
    return this.#unconsumedStatement(field, (from) => this.db.prepare(`${SELECT} FROM ${from} WHERE consumed_at IS NULL AND ${LIVE}${by} ORDER BY id`).raw());
  }

  /**
   * How many (parameter: now), through the same index: statistics taken
   * while the table was small can make the planner scan the whole table.
   */
  countUnconsumed(): Database.Statement {
    return this.#unconsumedStatement('count', (from) => this.db.prepare(`SELECT COUNT(*) FROM ${from} WHERE consumed_at IS NULL AND ${LIVE}`).pluck());
  }

  #unconsumedStatement(key: IndexField | 'count' | undefined, prepare: (from: string) => Database.Statement): Database.Statement {
    const cached = this.#unconsumed.get(key);
    if (cached) return cached;
    const indexed = this.hasUnconsumedIndex();
    const t = quote(tableName(this.collection));
    const statement = prepare(indexed ? `${t} INDEXED BY ${quote(indexName(this.collection, UNCONSUMED))}` : t);
    if (indexed || !UNCONSUMED_READS.has(this.collection)) this.#unconsumed.set(key, statement);
    return statement;
  }
}
