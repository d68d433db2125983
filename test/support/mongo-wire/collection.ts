import { ObjectId } from 'bson';
import { Query } from 'mingo';
import { CommandError, getPath, isDoc, keyString, type Doc } from './util.js';

export interface IndexSpec extends Doc {
  v: number;
  key: Doc;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  expireAfterSeconds?: number;
  partialFilterExpression?: Doc;
}

interface IndexKey {
  key: string;
  keyValue: Doc;
}

const ID_INDEX = '_id_';

function render(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (v instanceof ObjectId) return `ObjectId('${v.toHexString()}')`;
  if (v instanceof Date) return `new Date(${v.getTime()})`;
  if (Array.isArray(v)) return `[ ${v.map(render).join(', ')} ]`;
  if (isDoc(v)) return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${render(x)}`).join(', ')} }`;
  return v === undefined ? 'null' : String(v);
}

class Index {
  /** Unique indexes only: index key -> the document holding it. */
  readonly entries?: Map<string, Doc>;
  private readonly partial?: Query;

  constructor(readonly spec: IndexSpec) {
    if (spec.unique) this.entries = new Map();
    if (spec.partialFilterExpression) this.partial = new Query(spec.partialFilterExpression);
  }

  /** The keys a document contributes; arrays contribute one key per element (multikey). */
  keysOf(doc: Doc): IndexKey[] {
    if (this.partial && !this.partial.test(doc)) return [];
    const fields = Object.keys(this.spec.key);
    const values = fields.map((f) => getPath(doc, f));
    if (this.spec.sparse && values.every((v) => v === undefined)) return [];
    let combos: unknown[][] = [[]];
    for (const v of values) {
      const options = Array.isArray(v) && v.length > 0 ? v : [v ?? null];
      combos = combos.flatMap((c) => options.map((o) => [...c, o]));
    }
    const out = new Map<string, IndexKey>();
    for (const combo of combos) {
      const keyValue: Doc = {};
      fields.forEach((f, i) => (keyValue[f] = combo[i]));
      const key = keyString(combo);
      out.set(key, { key, keyValue });
    }
    return [...out.values()];
  }
}

export class Collection {
  private readonly byId = new Map<string, Doc>();
  private readonly indexes = new Map<string, Index>();

  constructor(
    readonly db: string,
    readonly name: string,
  ) {
    this.indexes.set(ID_INDEX, new Index({ v: 2, key: { _id: 1 }, name: ID_INDEX }));
  }

  get ns(): string {
    return `${this.db}.${this.name}`;
  }

  get size(): number {
    return this.byId.size;
  }

  /** Natural (insertion) order, like a fresh mongod collection. */
  docs(): Doc[] {
    return [...this.byId.values()];
  }

  private dupError(index: IndexSpec, keyValue: Doc): CommandError {
    const msg = `E11000 duplicate key error collection: ${this.ns} index: ${index.name} dup key: ${render(keyValue)}`;
    return new CommandError(11000, 'DuplicateKey', msg, { keyPattern: index.key, keyValue });
  }

  private uniqueIndexes(): Index[] {
    return [...this.indexes.values()].filter((i) => i.entries);
  }

  /** Throws 11000 if `doc` would collide with any document other than `self`. */
  private checkUnique(doc: Doc, self?: Doc): Map<Index, IndexKey[]> {
    const keys = new Map<Index, IndexKey[]>();
    const sameId = this.byId.get(keyString(doc._id));
    if (sameId && sameId !== self) throw this.dupError(this.indexes.get(ID_INDEX)!.spec, { _id: doc._id });
    for (const index of this.uniqueIndexes()) {
      const ks = index.keysOf(doc);
      for (const k of ks) {
        const holder = index.entries!.get(k.key);
        if (holder && holder !== self) throw this.dupError(index.spec, k.keyValue);
      }
      keys.set(index, ks);
    }
    return keys;
  }

  private unindex(doc: Doc): void {
    for (const index of this.uniqueIndexes()) {
      for (const k of index.keysOf(doc)) if (index.entries!.get(k.key) === doc) index.entries!.delete(k.key);
    }
  }

  insert(doc: Doc): void {
    if (Array.isArray(doc._id)) throw new CommandError(2, 'BadValue', "can't use an array for _id");
    const keys = this.checkUnique(doc);
    this.byId.set(keyString(doc._id), doc);
    for (const [index, ks] of keys) for (const k of ks) index.entries!.set(k.key, doc);
  }

  /** Swaps `prev` for `next` (same _id); leaves the collection untouched on a duplicate key. */
  replace(prev: Doc, next: Doc): void {
    const keys = this.checkUnique(next, prev);
    this.unindex(prev);
    this.byId.set(keyString(next._id), next);
    for (const [index, ks] of keys) for (const k of ks) index.entries!.set(k.key, next);
  }

  remove(doc: Doc): boolean {
    const id = keyString(doc._id);
    if (this.byId.get(id) !== doc) return false;
    this.byId.delete(id);
    this.unindex(doc);
    return true;
  }

  indexSpecs(): IndexSpec[] {
    return [...this.indexes.values()].map((i) => i.spec);
  }

  findIndex(name: string): IndexSpec | undefined {
    return this.indexes.get(name)?.spec;
  }

  /** Fails with 11000, adding nothing, if existing documents violate a new unique index. */
  addIndex(spec: IndexSpec): void {
    const index = new Index(spec);
    if (index.entries) {
      for (const doc of this.byId.values()) {
        for (const k of index.keysOf(doc)) {
          if (index.entries.has(k.key)) throw this.dupError(spec, k.keyValue);
          index.entries.set(k.key, doc);
        }
      }
    }
    this.indexes.set(spec.name, index);
  }

  dropIndex(name: string): boolean {
    if (name === ID_INDEX) return false;
    return this.indexes.delete(name);
  }

  /** TTL: removes documents whose indexed date (earliest, for arrays) + expireAfterSeconds has passed. */
  expire(now: number): number {
    let removed = 0;
    for (const { spec } of this.indexes.values()) {
      const fields = Object.keys(spec.key);
      if (typeof spec.expireAfterSeconds !== 'number' || fields.length !== 1) continue;
      const ttlMs = spec.expireAfterSeconds * 1000;
      for (const doc of this.docs()) {
        const v = getPath(doc, fields[0]);
        const dates = (Array.isArray(v) ? v : [v]).filter((d): d is Date => d instanceof Date);
        if (dates.length === 0) continue;
        const earliest = Math.min(...dates.map((d) => d.getTime()));
        if (earliest + ttlMs <= now && this.remove(doc)) removed++;
      }
    }
    return removed;
  }
}
