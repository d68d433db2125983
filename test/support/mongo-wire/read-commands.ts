import { Long } from 'bson';
import { Aggregator, ProcessingMode } from 'mingo';
import { collName, docArray, select, type Handler } from './context.js';
import { asDoc, asNumber, CommandError, isDoc, keyString, type Doc } from './util.js';

function optionalNumber(v: unknown): number | undefined {
  return v === undefined || v === null ? undefined : asNumber(v);
}

const find: Handler = (cmd, { store, db }) => {
  const name = collName(cmd);
  let limit = asNumber(cmd.limit);
  let singleBatch = cmd.singleBatch === true;
  // legacy negative limit: "return this many in one batch and close"
  if (limit < 0) [limit, singleBatch] = [-limit, true];
  const docs = select(store.collection(db, name), asDoc(cmd.filter), {
    sort: cmd.sort,
    skip: asNumber(cmd.skip),
    limit,
    projection: cmd.projection,
  });
  return store.firstBatch(`${db}.${name}`, docs, { batchSize: optionalNumber(cmd.batchSize), singleBatch });
};

const getMore: Handler = (cmd, { store }) => store.getMore(String(cmd.getMore), asNumber(cmd.batchSize));

const killCursors: Handler = (cmd, { store }) => {
  const ids = Array.isArray(cmd.cursors) ? cmd.cursors.map(String) : [];
  const killed = ids.filter((id) => store.killCursor(id));
  const notFound = ids.filter((id) => !killed.includes(id));
  const asLongs = (xs: string[]) => xs.map((id) => Long.fromString(id));
  return { cursorsKilled: asLongs(killed), cursorsNotFound: asLongs(notFound), cursorsAlive: [], cursorsUnknown: [], ok: 1 };
};

const count: Handler = (cmd, { store, db }) => {
  const docs = select(store.collection(db, collName(cmd)), asDoc(cmd.query), {
    skip: asNumber(cmd.skip),
    limit: Math.abs(asNumber(cmd.limit)),
  });
  return { n: docs.length, ok: 1 };
};

/** Like the server, walks into arrays of subdocuments and unwinds array values. */
function valuesAt(v: unknown, parts: string[]): unknown[] {
  if (parts.length === 0) return Array.isArray(v) ? v : v === undefined ? [] : [v];
  const [head, ...rest] = parts;
  if (Array.isArray(v)) {
    if (/^\d+$/.test(head)) return valuesAt(v[Number(head)], rest);
    return v.flatMap((x) => valuesAt(x, parts));
  }
  return isDoc(v) ? valuesAt(v[head], rest) : [];
}

const distinct: Handler = (cmd, { store, db }) => {
  if (typeof cmd.key !== 'string') throw new CommandError(14, 'TypeMismatch', "'key' must be of type String");
  const parts = cmd.key.split('.');
  const seen = new Map<string, unknown>();
  for (const doc of select(store.collection(db, collName(cmd)), asDoc(cmd.query))) {
    for (const v of valuesAt(doc, parts)) if (!seen.has(keyString(v))) seen.set(keyString(v), v);
  }
  return { values: [...seen.values()], ok: 1 };
};

/** `aggregate: 1` (no collection) runs on an empty input, e.g. for $documents. */
const aggregate: Handler = (cmd, { store, db }) => {
  const pipeline = docArray(cmd.pipeline, 'pipeline');
  if (cmd.explain === true) throw new CommandError(115, 'CommandNotSupported', 'explain is not supported');
  if (pipeline.some((s) => '$out' in s || '$merge' in s)) {
    throw new CommandError(115, 'CommandNotSupported', '$out and $merge are not supported by this test server');
  }
  const target = cmd.aggregate;
  const source = typeof target === 'string' ? (store.collection(db, target)?.docs() ?? []) : [];
  const results = new Aggregator(pipeline, {
    processingMode: ProcessingMode.CLONE_INPUT,
    collectionResolver: (name) => store.collection(db, name)?.docs() ?? [],
  }).run<Doc>(source);
  const ns = typeof target === 'string' ? `${db}.${target}` : `${db}.$cmd.aggregate`;
  return store.firstBatch(ns, results, { batchSize: optionalNumber(asDoc(cmd.cursor).batchSize) });
};

export const readCommands: Record<string, Handler> = {
  find,
  getMore,
  killCursors,
  count,
  distinct,
  aggregate,
};
