import { MongoClient, MongoServerError, type Collection, type Filter } from 'mongodb';
import { MongoNetworkError, MongoNotConnectedError, MongoServerSelectionError } from 'mongodb';
import { INDEX_FIELDS, UNCONSUMED_READS, type IndexField, type Store, type StoredRecord } from './store.js';
import { mapOutages } from './store.js';

/** A rate-limit counter: a number, unlike records' JSON text. */
interface CounterDoc {
  _id: string;
  n: number;
  expiresAt: Date;
}

/** The server is unreachable or went away: a 503, and the driver reconnects by itself. */
const SOCKET_ERRORS = new Set(['ECONNRESET', 'EPIPE', 'ECONNREFUSED', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH']);
const isOutage = (err: unknown) =>
  err instanceof MongoNetworkError || err instanceof MongoServerSelectionError || err instanceof MongoNotConnectedError
  // the driver sometimes lets a socket's own error through (EPIPE on a connection the server closed)
  || SOCKET_ERRORS.has((err as NodeJS.ErrnoException)?.code ?? '');

/** `serverSelectionTimeoutMS` in the URI wins over the default, so operators can tune it there. */
function uriTimeout(uri: string): number | undefined {
  const m = /[?&]serverSelectionTimeoutMS=(\d+)/i.exec(uri);
  return m ? Number(m[1]) : undefined;
}

interface Doc {
  _id: string;
  /** JSON text: payloads may hold keys with `$` or `.`, which BSON documents reject. */
  data: string;
  expiresAt: Date | null;
  consumedAt: Date | null;
  grantId?: string;
  uid?: string;
  userCode?: string;
  sub?: string;
  clientId?: string;
}

const live = (): Filter<Doc> => ({ $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date() } }] });

const date = (ms: number | null | undefined) => (ms == null ? null : new Date(ms));

function toDoc(r: StoredRecord<unknown>): Doc {
  const doc: Doc = {
    _id: r.id,
    data: JSON.stringify(r.data ?? null),
    expiresAt: date(r.expiresAt),
    consumedAt: date(r.consumedAt),
  };
  // absent rather than null, so the sparse indexes skip them
  for (const f of INDEX_FIELDS) if (r[f] != null) doc[f] = r[f];
  return doc;
}

function fromDoc<T>(doc: Doc): StoredRecord<T> {
  const rec: StoredRecord<T> = {
    id: doc._id,
    data: JSON.parse(doc.data) as T,
    expiresAt: doc.expiresAt ? doc.expiresAt.getTime() : null,
    consumedAt: doc.consumedAt ? doc.consumedAt.getTime() : null,
  };
  for (const f of INDEX_FIELDS) if (typeof doc[f] === 'string') rec[f] = doc[f];
  return rec;
}

function checkField(field: IndexField): IndexField {
  if (!(INDEX_FIELDS as readonly string[]).includes(field)) throw new Error(`not an index field: ${String(field)}`);
  return field;
}

/** The database named in the URI path, if any (the driver would default to 'test'). */
function uriDbName(uri: string): string | undefined {
  const m = /^mongodb(?:\+srv)?:\/\/[^/?]*\/([^?]+)/.exec(uri);
  return m ? decodeURIComponent(m[1]) : undefined;
}

export async function createMongoStore(opts: {
  uri: string;
  dbName?: string;
  serverSelectionTimeoutMS?: number;
}): Promise<Store> {
  const timeout = opts.serverSelectionTimeoutMS ?? uriTimeout(opts.uri) ?? 5000;
  // socketTimeoutMS bounds an operation on a server that stopped answering
  // without closing the connection, so no request hangs on the store.
  const client = new MongoClient(opts.uri, { serverSelectionTimeoutMS: timeout, socketTimeoutMS: 10_000, retryWrites: false });
  const db = client.db(uriDbName(opts.uri) ?? opts.dbName ?? 'handoff');
  const ready = new Map<string, Promise<Collection<Doc>>>();
  let connected: Promise<void> | undefined;

  // Collections appear lazily, so each gets its indexes on first use.
  function coll(name: string): Promise<Collection<Doc>> {
    let p = ready.get(name);
    if (!p) {
      const c = db.collection<Doc>(name);
      p = c
        .createIndexes([
          { key: { expiresAt: 1 }, expireAfterSeconds: 0 },
          ...INDEX_FIELDS.map((f) => ({ key: { [f]: 1 }, sparse: true })),
          // The unconsumed records (see UNCONSUMED_READS) under one equality prefix.
          ...(UNCONSUMED_READS.has(name) ? [{ key: { consumedAt: 1, expiresAt: 1 } }] : []),
        ])
        .then(() => c);
      p.catch(() => ready.delete(name));
      ready.set(name, p);
    }
    return p;
  }

  async function connect() {
    try {
      await client.connect();
      await db.command({ ping: 1 });
    } catch (err) {
      await client.close().catch(() => {});
      const hosts = opts.uri.replace(/^[^/]*\/\/(?:[^@/]*@)?/, '').replace(/[/?].*$/, '');
      const why = err instanceof Error ? err.message : String(err);
      throw new Error(`MongoDB at ${hosts} not reachable (serverSelectionTimeoutMS ${timeout}): ${why}`, {
        cause: err,
      });
    }
  }

  const store: Store = {
    kind: 'mongodb',
    init() {
      connected ??= connect();
      return connected;
    },
    async get<T>(collection: string, id: string) {
      const doc = await (await coll(collection)).findOne({ _id: id, ...live() });
      return doc ? fromDoc<T>(doc) : undefined;
    },
    async put<T>(collection: string, record: StoredRecord<T>) {
      await (await coll(collection)).replaceOne({ _id: record.id }, toDoc(record), { upsert: true });
    },
    async insertNew<T>(collection: string, record: StoredRecord<T>) {
      // fails closed: see Store.insertNew
      if (record.expiresAt != null && record.expiresAt <= Date.now()) return false;
      const c = await coll(collection);
      await c.deleteOne({ _id: record.id, expiresAt: { $lte: new Date() } });
      try {
        await c.insertOne(toDoc(record));
        return true;
      } catch (err) {
        if (err instanceof MongoServerError && err.code === 11000) return false;
        throw err;
      }
    },
    async consume<T>(collection: string, id: string) {
      const doc = await (await coll(collection)).findOneAndUpdate(
        { _id: id, consumedAt: null, ...live() },
        { $set: { consumedAt: new Date() } },
        { returnDocument: 'after' },
      );
      return doc ? fromDoc<T>(doc) : undefined;
    },
    async delete(collection: string, id: string) {
      return (await (await coll(collection)).deleteOne({ _id: id })).deletedCount > 0;
    },
    async findBy<T>(collection: string, field: IndexField, value: string) {
      const c = await coll(collection);
      const docs = await c.find({ [checkField(field)]: value, ...live() }).sort({ _id: 1 }).toArray();
      return docs.map((d) => fromDoc<T>(d));
    },
    async countUnconsumed(collection: string) {
      return (await coll(collection)).countDocuments({ consumedAt: null, ...live() });
    },
    async listUnconsumed<T>(collection: string, filter?: { field: IndexField; value: string }) {
      const by = filter ? { [checkField(filter.field)]: filter.value } : {};
      const docs = await (await coll(collection)).find({ consumedAt: null, ...by, ...live() }).sort({ _id: 1 }).toArray();
      return docs.map((d) => fromDoc<T>(d));
    },
    async deleteBy(collection: string, field: IndexField, value: string) {
      return (await (await coll(collection)).deleteMany({ [checkField(field)]: value })).deletedCount;
    },
    async list<T>(collection: string) {
      const docs = await (await coll(collection)).find(live()).sort({ _id: 1 }).toArray();
      return docs.map((d) => fromDoc<T>(d));
    },
    async hit(collection: string, id: string, windowEndsAt: number, amount = 1) {
      const c = (await coll(collection)) as unknown as Collection<CounterDoc>;
      // A read (a check before the work it limits) writes nothing: a missing or ended counter is 0.
      if (amount === 0) return (await c.findOne({ _id: id, expiresAt: { $gt: new Date() } }))?.n ?? 0;
      for (let attempt = 0; ; attempt++) {
        try {
          // One findAndModify: increments a live counter, or creates it.
          const doc = await c.findOneAndUpdate(
            { _id: id, expiresAt: { $gt: new Date() } },
            { $inc: { n: amount }, $setOnInsert: { expiresAt: new Date(windowEndsAt) } },
            { upsert: true, returnDocument: 'after' },
          );
          return doc!.n;
        } catch (err) {
          // 11000: a concurrent hit created it first (retry increments it), or
          // an ended window's document is still there (remove it, then retry).
          if (!(err instanceof MongoServerError && err.code === 11000) || attempt >= 3) throw err;
          await c.deleteOne({ _id: id, expiresAt: { $lte: new Date() } });
        }
      }
    },
    async sweep() {
      const names = await db.listCollections({}, { nameOnly: true }).toArray();
      let n = 0;
      for (const { name } of names) {
        if (name.startsWith('system.')) continue;
        const res = await db.collection<Doc>(name).deleteMany({ expiresAt: { $lte: new Date() } });
        n += res.deletedCount;
      }
      return n;
    },
    async close() {
      await client.close();
    },
  };
  await store.init();
  return mapOutages(store, isOutage);
}
