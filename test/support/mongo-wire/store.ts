import { calculateObjectSize, Long } from 'bson';
import { Collection } from './collection.js';
import { CommandError, type Doc } from './util.js';

/** A reply must stay under the 16 MiB document limit (plus the server's small allowance). */
const MAX_BATCH_BYTES = 16 * 1024 * 1024 - 16 * 1024;
const DEFAULT_FIRST_BATCH = 101;

interface CursorState {
  ns: string;
  /** A snapshot taken when the cursor opened; stored documents are never mutated in place. */
  docs: Doc[];
  pos: number;
}

function takeBatch(docs: Doc[], from: number, maxCount: number): Doc[] {
  const batch: Doc[] = [];
  let bytes = 0;
  for (let i = from; i < docs.length; i++) {
    if (batch.length >= maxCount) break;
    const size = calculateObjectSize(docs[i]);
    if (batch.length > 0 && bytes + size > MAX_BATCH_BYTES) break;
    batch.push(docs[i]);
    bytes += size;
  }
  return batch;
}

export class Store {
  private readonly dbs = new Map<string, Map<string, Collection>>();
  private readonly cursors = new Map<string, CursorState>();
  private lastCursorId = 0;

  collection(db: string, name: string): Collection | undefined {
    return this.dbs.get(db)?.get(name);
  }

  /** Writes and index builds create collections implicitly, as on a real server. */
  ensureCollection(db: string, name: string): { coll: Collection; created: boolean } {
    const existing = this.collection(db, name);
    if (existing) return { coll: existing, created: false };
    if (!name || name.includes('$') || name.startsWith('.')) {
      throw new CommandError(73, 'InvalidNamespace', `Invalid collection name: ${name}`);
    }
    let colls = this.dbs.get(db);
    if (!colls) this.dbs.set(db, (colls = new Map()));
    const coll = new Collection(db, name);
    colls.set(name, coll);
    return { coll, created: true };
  }

  collections(db: string): Collection[] {
    return [...(this.dbs.get(db)?.values() ?? [])];
  }

  databases(): string[] {
    return [...this.dbs.keys()];
  }

  dropCollection(db: string, name: string): boolean {
    const colls = this.dbs.get(db);
    const dropped = colls?.delete(name) ?? false;
    if (colls && colls.size === 0) this.dbs.delete(db);
    return dropped;
  }

  dropDatabase(db: string): void {
    this.dbs.delete(db);
  }

  /** TTL monitor pass over every collection. */
  sweep(now = Date.now()): number {
    let removed = 0;
    for (const colls of this.dbs.values()) for (const coll of colls.values()) removed += coll.expire(now);
    return removed;
  }

  /**
   * The `cursor` reply of find/aggregate/list*: the first batch, plus a live cursor id if more remain.
   * An explicit batchSize of 0 opens the cursor with an empty first batch, as mongod does.
   */
  firstBatch(ns: string, docs: Doc[], opts: { batchSize?: number; singleBatch?: boolean } = {}): Doc {
    const max = opts.batchSize ?? (opts.singleBatch ? Infinity : DEFAULT_FIRST_BATCH);
    const batch = takeBatch(docs, 0, max);
    let id = Long.ZERO;
    if (!opts.singleBatch && batch.length < docs.length) {
      id = Long.fromNumber(++this.lastCursorId);
      this.cursors.set(id.toString(), { ns, docs, pos: batch.length });
    }
    return { cursor: { firstBatch: batch, id, ns }, ok: 1 };
  }

  /** batchSize 0 (or absent) means "as many as fit in one reply". */
  getMore(cursorId: string, batchSize: number): Doc {
    const state = this.cursors.get(cursorId);
    if (!state) throw new CommandError(43, 'CursorNotFound', `cursor id ${cursorId} not found`);
    const batch = takeBatch(state.docs, state.pos, batchSize > 0 ? batchSize : Infinity);
    state.pos += batch.length;
    let id = Long.fromString(cursorId);
    if (state.pos >= state.docs.length) {
      this.cursors.delete(cursorId);
      id = Long.ZERO;
    }
    return { cursor: { nextBatch: batch, id, ns: state.ns }, ok: 1 };
  }

  killCursor(cursorId: string): boolean {
    return this.cursors.delete(cursorId);
  }
}
