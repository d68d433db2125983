/**
 * Fills a store with pending handoffs directly, not over HTTP, for
 * `--scale`: rows shaped as server/handoffs.ts writes them (id = SHA-256 of a
 * code, JSON data, expiry, client and subject indexed), spread over many
 * clients as real traffic would be. Their codes are never known to anyone.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createTable, quote, tableName } from '../adapters/sqlite-tables.js';
import type { StoreKind } from './processes.js';

const CLIENTS = 100;
const salt = randomBytes(16).toString('hex');

function filler(i: number, expiresAt: number) {
  const clientId = `filler-client-${i % CLIENTS}`;
  const sub = `${clientId}|user-${i}`;
  const now = Math.floor(Date.now() / 1000);
  const data = {
    id: createHash('md5').update(`${salt}:${i}:id`).digest('hex'),
    provider: 'signed-jwt',
    clientId,
    sub,
    claims: { name: 'Filler User' },
    amr: ['pop'],
    payload: { iss: clientId, aud: 'http://127.0.0.1', sub: `user-${i}`, iat: now, exp: now + 120, jti: `jti-${salt}-${i}`, name: 'Filler User' },
    params: { redirect_uri: 'https://rp.example/cb', scope: 'openid', state: `state-${i}`, nonce: `nonce-${i}`, code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', code_challenge_method: 'S256' },
    createdAt: new Date().toISOString(),
    state: 'pending',
  };
  return { id: createHash('sha256').update(`${salt}:${i}`).digest('hex'), data: JSON.stringify(data), expiresAt, clientId, sub };
}

/** Adds `count` pending handoffs, numbered from `from`; live for an hour. */
export async function bulkLoad(kind: StoreKind, where: { dataDir: string; mongodbUri?: string }, from: number, count: number): Promise<void> {
  const expiresAt = Date.now() + 3600_000;
  const BATCH = 20_000;
  if (kind === 'sqlite') {
    const db = new Database(join(where.dataDir, 'handoff.sqlite'));
    db.pragma('busy_timeout = 10000');
    // Random ids land all over the B-tree: a large page cache keeps the load from thrashing.
    db.pragma('cache_size = -262144');
    db.pragma('synchronous = OFF');
    createTable(db, 'handoffs'); // the server may not have written a handoff yet
    const insert = db.prepare(`INSERT INTO ${quote(tableName('handoffs'))} (id, data, expires_at, consumed_at, client_id, sub)
      VALUES (@id, @data, @expiresAt, NULL, @clientId, @sub)`);
    const batch = db.transaction((start: number, end: number) => {
      for (let i = start; i < end; i++) insert.run(filler(i, expiresAt));
    });
    for (let i = from; i < from + count; i += BATCH) batch(i, Math.min(i + BATCH, from + count));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    return;
  }
  const { MongoClient } = await import('mongodb');
  const mongo = new MongoClient(where.mongodbUri!);
  try {
    const m = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/.exec(where.mongodbUri!);
    const coll = mongo.db(m ? decodeURIComponent(m[1]) : 'handoff').collection('handoffs');
    for (let i = from; i < from + count; i += BATCH) {
      const docs = [];
      for (let j = i; j < Math.min(i + BATCH, from + count); j++) {
        const r = filler(j, expiresAt);
        docs.push({ _id: r.id as never, data: r.data, expiresAt: new Date(r.expiresAt), consumedAt: null, clientId: r.clientId, sub: r.sub });
      }
      await coll.insertMany(docs, { ordered: false });
    }
  } finally {
    await mongo.close();
  }
}
