import { find } from 'mingo';
import type { Cursor } from 'mingo/cursor';
import type { Collection } from './collection.js';
import type { Store } from './store.js';
import { CommandError, isDoc, withIdFirst, type Doc } from './util.js';

export interface Ctx {
  store: Store;
  /** From the command's `$db`. */
  db: string;
  connectionId: number;
}

/** Handlers are synchronous on purpose: no other command can run between a read and a write. */
export type Handler = (cmd: Doc, ctx: Ctx) => Doc;

/** The collection name is the value of the command's first key. */
export function collName(cmd: Doc): string {
  const v = cmd[Object.keys(cmd)[0]];
  if (typeof v !== 'string' || v === '') {
    throw new CommandError(73, 'InvalidNamespace', `collection name has invalid type ${typeof v}`);
  }
  return v;
}

export function docArray(v: unknown, what: string): Doc[] {
  if (!Array.isArray(v) || !v.every(isDoc)) throw new CommandError(14, 'TypeMismatch', `${what} must be an array of documents`);
  return v;
}

const nonEmpty = (d: unknown): d is Doc => isDoc(d) && Object.keys(d).length > 0;

export interface SelectOptions {
  sort?: unknown;
  skip?: number;
  limit?: number;
  projection?: unknown;
}

/** Filter, sort and project with mingo, then skip and limit. */
export function select(coll: Collection | undefined, filter: Doc, opts: SelectOptions = {}): Doc[] {
  // even with no collection, a bad filter must still fail as it would on mongod
  return selectFrom(coll?.docs() ?? [], filter, opts);
}

export function selectFrom(docs: Doc[], filter: Doc, opts: SelectOptions = {}): Doc[] {
  const cursor: Cursor<Doc> = find<Doc>(docs, filter, nonEmpty(opts.projection) ? opts.projection : {});
  if (nonEmpty(opts.sort)) cursor.sort(opts.sort);
  const from = opts.skip && opts.skip > 0 ? opts.skip : 0;
  const to = opts.limit && opts.limit > 0 ? from + opts.limit : undefined;
  const out = cursor.all().slice(from, to);
  // mingo emits projected fields in projection order; mongod keeps _id first
  return nonEmpty(opts.projection) ? out.map((d) => ('_id' in d ? withIdFirst(d) : d)) : out;
}

export function project(doc: Doc, projection: unknown): Doc {
  return nonEmpty(projection) ? selectFrom([doc], {}, { projection })[0] : doc;
}
