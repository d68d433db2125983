import { ObjectId } from 'bson';
import { Aggregator, ProcessingMode, update as mingoUpdate } from 'mingo';
import type { Modifier } from 'mingo/updater';
import { clone, CommandError, isDoc, isOperatorDoc, sameValue, setPath, withIdFirst, type Doc } from './util.js';

export type UpdateSpec = Doc | Doc[];

const immutableId = () =>
  new CommandError(66, 'ImmutableField', "Performing an update on the path '_id' would modify the immutable field '_id'");

export function parseUpdateSpec(u: unknown): UpdateSpec {
  if (Array.isArray(u) && u.every(isDoc)) return u;
  if (!isDoc(u)) throw new CommandError(9, 'FailedToParse', 'Update argument must be a document or a pipeline');
  const keys = Object.keys(u);
  const ops = keys.filter((k) => k.startsWith('$'));
  if (ops.length > 0 && ops.length < keys.length) {
    throw new CommandError(9, 'FailedToParse', 'An update document cannot mix operators and plain fields');
  }
  return u;
}

const isOperatorUpdate = (u: UpdateSpec): boolean => !Array.isArray(u) && isOperatorDoc(u);

/**
 * Returns the updated copy of `doc`; `doc` itself is left untouched so that
 * cursors and the pre-image of findAndModify stay valid.
 */
export function applyUpdate(doc: Doc, u: UpdateSpec, opts: { filter?: Doc; arrayFilters?: Doc[]; isInsert?: boolean }): Doc {
  if (Array.isArray(u)) {
    const [out] = new Aggregator(u, { processingMode: ProcessingMode.CLONE_INPUT }).run([doc]);
    if (!isDoc(out)) throw new CommandError(2, 'BadValue', 'update pipeline must produce a document');
    if (!('_id' in doc)) return withIdFirst(out);
    if (!sameValue(out._id, doc._id)) throw immutableId();
    return withIdFirst({ ...out, _id: doc._id });
  }
  if (!isOperatorUpdate(u)) {
    if ('_id' in u && '_id' in doc && !sameValue(u._id, doc._id)) throw immutableId();
    const { _id, ...rest } = clone(u);
    return '_id' in doc ? { _id: doc._id, ...rest } : withIdFirst({ _id, ...rest });
  }

  const next = clone(doc);
  const { $setOnInsert, ...ops } = u;
  // mingo rejects any $set of _id, but the server allows setting it to its current value
  if (isDoc(ops.$set) && '_id' in ops.$set) {
    const { _id, ...set } = ops.$set;
    if ('_id' in doc && !sameValue(_id, doc._id)) throw immutableId();
    if (!('_id' in doc)) next._id = clone(_id);
    ops.$set = set;
  }
  // mingo has no $setOnInsert; it only matters when the update creates the document
  if (opts.isInsert && isDoc($setOnInsert)) {
    for (const [path, v] of Object.entries($setOnInsert)) {
      if (path === '_id') next._id = clone(v);
      else setPath(next, path, clone(v));
    }
  }
  const remaining = Object.fromEntries(Object.entries(ops).filter(([, v]) => !isDoc(v) || Object.keys(v).length > 0));
  if (Object.keys(remaining).length > 0) {
    // the filter lets mingo resolve the positional `$` operator
    mingoUpdate(next, remaining as Modifier<Doc>, opts.arrayFilters, opts.isInsert ? undefined : opts.filter, {
      cloneMode: 'deep',
    });
  }
  return '_id' in next ? withIdFirst(next) : next;
}

/** The equality fields of a filter, which an upsert copies into the new document. */
export function seedFromFilter(filter: Doc): Doc {
  const seed: Doc = {};
  const collect = (f: Doc) => {
    for (const [k, v] of Object.entries(f)) {
      if (k === '$and' && Array.isArray(v)) v.filter(isDoc).forEach(collect);
      else if (k.startsWith('$')) continue;
      else if (isOperatorDoc(v)) {
        if ('$eq' in v) setPath(seed, k, clone(v.$eq));
      } else setPath(seed, k, clone(v));
    }
  };
  collect(filter);
  return seed;
}

export function buildUpsert(filter: Doc, u: UpdateSpec, arrayFilters?: Doc[]): Doc {
  const seed = seedFromFilter(filter);
  const base: Doc = isOperatorUpdate(u) || Array.isArray(u) ? seed : '_id' in seed ? { _id: seed._id } : {};
  const doc = applyUpdate(base, u, { arrayFilters, isInsert: true });
  if (!('_id' in doc) || doc._id === undefined) doc._id = new ObjectId();
  return withIdFirst(doc);
}
