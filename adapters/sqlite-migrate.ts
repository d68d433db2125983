/**
 * Upgrade from the first layout: every record in one `records` table,
 * keyed by (collection, id). On open, its live rows move into their
 * collections' tables and the old table is dropped, all in one
 * transaction: a crash midway leaves the old table as it was, and the next
 * start does it again. Expired rows are left behind (reads hid them anyway).
 * Instances still running the old code must be stopped first: they would
 * write to a `records` table nobody reads any more.
 */
import type Database from 'better-sqlite3';
import { ALL_COLUMNS, createTable, quote, tableName } from './sqlite-tables.js';

const OLD = 'records';

export function migrateOldLayout(db: Database.Database): number {
  const hasOld = () => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(OLD) !== undefined;
  if (!hasOld()) return 0;
  return db.transaction(() => {
    // Another instance opening the same file may have migrated it meanwhile.
    if (!hasOld()) return 0;
    const now = Date.now();
    let moved = 0;
    const collections = db.prepare(`SELECT DISTINCT collection FROM ${OLD}`).pluck().all() as string[];
    for (const collection of collections) {
      createTable(db, collection);
      const columns = ALL_COLUMNS.join(', ');
      // A row the new layout already holds is newer than the old table's.
      moved += db.prepare(
        `INSERT INTO ${quote(tableName(collection))} (${columns})
         SELECT ${columns} FROM ${OLD} WHERE collection = ? AND (expires_at IS NULL OR expires_at > ?) ORDER BY id
         ON CONFLICT (id) DO NOTHING`,
      ).run(collection, now).changes;
    }
    db.exec(`DROP TABLE ${OLD}`);
    return moved;
  }).immediate();
}
