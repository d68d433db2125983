import { ObjectId } from 'bson';
import { collName, docArray, project, select, type Ctx, type Handler } from './context.js';
import { applyUpdate, buildUpsert, parseUpdateSpec } from './update.js';
import { asDoc, asNumber, CommandError, errorMessage, isOperatorDoc, keyString, withIdFirst, type Doc } from './util.js';

function writeError(index: number, e: unknown): Doc {
  if (e instanceof CommandError) return { index, code: e.code, errmsg: e.message, ...e.extra };
  return { index, code: 2, errmsg: errorMessage(e) };
}

/**
 * Runs each op; an ordered batch stops at the first failure, as on mongod.
 * Failures become writeErrors in an ok:1 reply.
 */
function eachOp(cmd: Doc, ops: Doc[], run: (op: Doc, index: number) => void): Doc {
  const ordered = cmd.ordered !== false;
  const writeErrors: Doc[] = [];
  for (const [i, op] of ops.entries()) {
    try {
      run(op, i);
    } catch (e) {
      writeErrors.push(writeError(i, e));
      if (ordered) break;
    }
  }
  return writeErrors.length ? { writeErrors } : {};
}

const changed = (a: Doc, b: Doc) => keyString(a) !== keyString(b);

function arrayFilters(v: unknown): Doc[] | undefined {
  return v === undefined ? undefined : docArray(v, 'arrayFilters');
}

const insert: Handler = (cmd, { store, db }) => {
  const docs = docArray(cmd.documents, 'documents');
  const { coll } = store.ensureCollection(db, collName(cmd));
  let n = 0;
  const errors = eachOp(cmd, docs, (doc) => {
    coll.insert(withIdFirst('_id' in doc ? doc : { _id: new ObjectId(), ...doc }));
    n++;
  });
  return { n, ...errors, ok: 1 };
};

const update: Handler = (cmd, { store, db }) => {
  const name = collName(cmd);
  let n = 0;
  let nModified = 0;
  const upserted: Doc[] = [];
  const errors = eachOp(cmd, docArray(cmd.updates, 'updates'), (op, index) => {
    const q = asDoc(op.q);
    const u = parseUpdateSpec(op.u);
    if (op.multi === true && !Array.isArray(u) && !isOperatorDoc(u)) {
      throw new CommandError(9, 'FailedToParse', 'multi update is not supported for replacement-style update');
    }
    const filters = arrayFilters(op.arrayFilters);
    const coll = store.collection(db, name);
    const matches = select(coll, q, op.multi === true ? {} : { sort: op.sort, limit: 1 });
    if (matches.length === 0) {
      if (op.upsert !== true) return;
      const doc = buildUpsert(q, u, filters);
      store.ensureCollection(db, name).coll.insert(doc);
      n++;
      upserted.push({ index, _id: doc._id });
      return;
    }
    for (const doc of matches) {
      n++;
      const next = applyUpdate(doc, u, { filter: q, arrayFilters: filters });
      if (changed(doc, next)) {
        coll!.replace(doc, next);
        nModified++;
      }
    }
  });
  return { n, nModified, ...(upserted.length ? { upserted } : {}), ...errors, ok: 1 };
};

const remove: Handler = (cmd, { store, db }) => {
  const name = collName(cmd);
  let n = 0;
  const errors = eachOp(cmd, docArray(cmd.deletes, 'deletes'), (op) => {
    const coll = store.collection(db, name);
    const limit = asNumber(op.limit);
    for (const doc of select(coll, asDoc(op.q), limit === 1 ? { sort: op.sort, limit: 1 } : {})) {
      if (coll!.remove(doc)) n++;
    }
  });
  return { n, ...errors, ok: 1 };
};

/** Errors (including 11000) surface as a top-level ok:0 reply, unlike insert/update. */
function findAndModify(cmd: Doc, { store, db }: Ctx): Doc {
  const name = collName(cmd);
  const query = asDoc(cmd.query);
  const fields = cmd.fields ?? cmd.projection;
  const coll = store.collection(db, name);
  const [doc] = select(coll, query, { sort: cmd.sort, limit: 1 });
  if (cmd.remove === true) {
    if (doc) coll!.remove(doc);
    return { lastErrorObject: { n: doc ? 1 : 0 }, value: doc ? project(doc, fields) : null, ok: 1 };
  }
  if (cmd.update === undefined) {
    throw new CommandError(9, 'FailedToParse', 'Either an update or remove=true must be specified');
  }
  const u = parseUpdateSpec(cmd.update);
  const filters = arrayFilters(cmd.arrayFilters);
  if (doc) {
    const next = applyUpdate(doc, u, { filter: query, arrayFilters: filters });
    if (changed(doc, next)) coll!.replace(doc, next);
    const value = project(cmd.new === true ? next : doc, fields);
    return { lastErrorObject: { n: 1, updatedExisting: true }, value, ok: 1 };
  }
  if (cmd.upsert !== true) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null, ok: 1 };
  const created = buildUpsert(query, u, filters);
  store.ensureCollection(db, name).coll.insert(created);
  const value = cmd.new === true ? project(created, fields) : null;
  return { lastErrorObject: { n: 1, updatedExisting: false, upserted: created._id }, value, ok: 1 };
}

export const writeCommands: Record<string, Handler> = {
  insert,
  update,
  delete: remove,
  findAndModify,
};
