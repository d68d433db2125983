import { join } from 'node:path';
import { secureDataDir } from './file-modes.js';
import { createMongoStore } from './mongodb.js';
import { createSqliteStore } from './sqlite.js';
import type { Store } from './store.js';

export { INDEX_FIELDS, type IndexField, type Store, type StoredRecord } from './store.js';

/** MongoDB when a URI is configured, else a SQLite file in the data directory. */
export async function openStore(opts: { mongodbUri?: string; dataDir: string }): Promise<Store> {
  if (!opts.mongodbUri) secureDataDir(opts.dataDir);
  const store = opts.mongodbUri
    ? await createMongoStore({ uri: opts.mongodbUri })
    : createSqliteStore({ file: join(opts.dataDir, 'handoff.sqlite') });
  try {
    await store.init();
  } catch (err) {
    await store.close();
    throw err;
  }
  return store;
}
