import { join } from 'node:path';
import { withClientCache } from './client-cache.js';
import { countingStore } from './count-ops.js';
import { secureDataDir } from './file-modes.js';
import { createSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export { INDEX_FIELDS, type IndexField, type Store, type StoredRecord } from './store.js';

/**
 * MongoDB when a URI is configured, else a SQLite file in the data directory.
 * The MongoDB module (and with it the driver) is loaded only when used, so a
 * process on the embedded store never pays for it.
 */
export async function openStore(opts: { mongodbUri?: string; dataDir: string }): Promise<Store> {
  if (!opts.mongodbUri) secureDataDir(opts.dataDir);
  const store = opts.mongodbUri
    ? await (await import('./mongodb.js')).createMongoStore({ uri: opts.mongodbUri })
    : createSqliteStore({ file: join(opts.dataDir, 'handoff.sqlite') });
  try {
    await store.init();
  } catch (err) {
    await store.close();
    throw err;
  }
  // Benchmark only: counts store operations (see count-ops.ts); the client
  // cache sits outside it, so only reads that reach the store are counted.
  const opsFile = process.env.HANDOFF_STORE_OPS_FILE;
  return withClientCache(opsFile ? countingStore(store, opsFile) : store);
}
