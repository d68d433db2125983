import type { IndexSpec } from './collection.js';
import { collName, docArray, selectFrom, type Handler } from './context.js';
import { MAX_MESSAGE_BYTES } from './protocol.js';
import { asDoc, asNumber, clone, CommandError, isDoc, sameValue, type Doc } from './util.js';

const MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024;
/** MongoDB 7.0; the mongodb 7 driver needs at least 9 (4.4). */
const MAX_WIRE_VERSION = 21;
const VERSION = '7.0.0';

const nsNotFound = (what = 'ns not found') => new CommandError(26, 'NamespaceNotFound', what);

/**
 * Deliberately a standalone: no setName (so no replica-set behaviour such as retryable
 * writes), no topologyVersion (so no streaming monitor), no compression.
 */
const hello: Handler = (_cmd, { connectionId }) => ({
  helloOk: true,
  ismaster: true,
  isWritablePrimary: true,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  maxMessageSizeBytes: MAX_MESSAGE_BYTES,
  maxWriteBatchSize: 100_000,
  localTime: new Date(),
  logicalSessionTimeoutMinutes: 30,
  connectionId,
  minWireVersion: 0,
  maxWireVersion: MAX_WIRE_VERSION,
  readOnly: false,
  ok: 1,
});

const ok: Handler = () => ({ ok: 1 });

const buildInfo: Handler = () => ({
  version: VERSION,
  gitVersion: 'mongo-wire-test-server',
  versionArray: [7, 0, 0, 0],
  bits: 64,
  maxBsonObjectSize: MAX_BSON_OBJECT_SIZE,
  ok: 1,
});

const getParameter: Handler = (cmd) =>
  'featureCompatibilityVersion' in cmd || cmd.getParameter === '*'
    ? { featureCompatibilityVersion: { version: '7.0' }, ok: 1 }
    : { ok: 1 };

const connectionStatus: Handler = () => ({ authInfo: { authenticatedUsers: [], authenticatedUserRoles: [] }, ok: 1 });

const listDatabases: Handler = (cmd, { store }) => {
  let dbs: Doc[] = store.databases().map((name) => ({ name, sizeOnDisk: 0, empty: false }));
  if (isDoc(cmd.filter)) dbs = selectFrom(dbs, cmd.filter);
  if (cmd.nameOnly === true) return { databases: dbs.map(({ name }) => ({ name })), ok: 1 };
  return { databases: dbs, totalSize: 0, totalSizeMb: 0, ok: 1 };
};

const listCollections: Handler = (cmd, { store, db }) => {
  let infos: Doc[] = store.collections(db).map((c) => ({
    name: c.name,
    type: 'collection',
    options: {},
    info: { readOnly: false },
    idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
  }));
  if (isDoc(cmd.filter)) infos = selectFrom(infos, cmd.filter);
  if (cmd.nameOnly === true) infos = infos.map(({ name, type }) => ({ name, type }));
  const batchSize = asDoc(cmd.cursor).batchSize;
  return store.firstBatch(`${db}.$cmd.listCollections`, infos, {
    batchSize: batchSize === undefined ? undefined : asNumber(batchSize),
  });
};

const UNSUPPORTED_CREATE_OPTIONS = ['capped', 'viewOn', 'timeseries', 'validator', 'clusteredIndex'];

const create: Handler = (cmd, { store, db }) => {
  const name = collName(cmd);
  const option = UNSUPPORTED_CREATE_OPTIONS.find((o) => cmd[o] !== undefined && cmd[o] !== false);
  if (option) throw new CommandError(115, 'CommandNotSupported', `create option '${option}' is not supported`);
  if (!store.ensureCollection(db, name).created) {
    throw new CommandError(48, 'NamespaceExists', `Collection ${db}.${name} already exists.`);
  }
  return { ok: 1 };
};

/** Like mongod 7.0, dropping a missing collection succeeds. */
const drop: Handler = (cmd, { store, db }) => {
  const name = collName(cmd);
  const nIndexesWas = store.collection(db, name)?.indexSpecs().length;
  store.dropCollection(db, name);
  return { ...(nIndexesWas === undefined ? {} : { nIndexesWas }), ns: `${db}.${name}`, ok: 1 };
};

const dropDatabase: Handler = (_cmd, { store, db }) => {
  store.dropDatabase(db);
  return { dropped: db, ok: 1 };
};

function checkIndexSpec(raw: Doc): IndexSpec {
  const { key, name } = raw;
  if (!isDoc(key) || Object.keys(key).length === 0) throw new CommandError(67, 'CannotCreateIndex', "index 'key' must be a non-empty document");
  if (typeof name !== 'string' || !name) throw new CommandError(67, 'CannotCreateIndex', "index 'name' must be a non-empty string");
  const spec: IndexSpec = { v: 2, key, name, ...clone(raw) };
  if (spec.expireAfterSeconds !== undefined) spec.expireAfterSeconds = asNumber(spec.expireAfterSeconds, NaN);
  return spec;
}

const createIndexes: Handler = (cmd, { store, db }) => {
  const specs = docArray(cmd.indexes, 'indexes').map(checkIndexSpec);
  const { coll, created } = store.ensureCollection(db, collName(cmd));
  const before = coll.indexSpecs().length;
  for (const spec of specs) {
    const sameName = coll.findIndex(spec.name);
    if (sameName) {
      if (sameValue(sameName.key, spec.key)) continue;
      throw new CommandError(86, 'IndexKeySpecsConflict', `An existing index has the same name as the requested index: ${spec.name}`);
    }
    const sameKey = coll.indexSpecs().find((s) => sameValue(s.key, spec.key));
    if (sameKey && sameKey.name !== '_id_') {
      throw new CommandError(85, 'IndexOptionsConflict', `Index already exists with a different name: ${sameKey.name}`);
    }
    coll.addIndex(spec);
  }
  const after = coll.indexSpecs().length;
  return {
    numIndexesBefore: before,
    numIndexesAfter: after,
    createdCollectionAutomatically: created,
    ...(before === after ? { note: 'all indexes already exist' } : {}),
    ok: 1,
  };
};

const listIndexes: Handler = (cmd, { store, db }) => {
  const name = collName(cmd);
  const coll = store.collection(db, name);
  if (!coll) throw nsNotFound(`ns does not exist: ${db}.${name}`);
  const batchSize = asDoc(cmd.cursor).batchSize;
  return store.firstBatch(`${db}.$cmd.listIndexes.${name}`, coll.indexSpecs(), {
    batchSize: batchSize === undefined ? undefined : asNumber(batchSize),
  });
};

const dropIndexes: Handler = (cmd, { store, db }) => {
  const name = collName(cmd);
  const coll = store.collection(db, name);
  if (!coll) throw nsNotFound();
  const nIndexesWas = coll.indexSpecs().length;
  const target = cmd.index;
  let names: string[];
  if (target === '*') names = coll.indexSpecs().map((s) => s.name).filter((n) => n !== '_id_');
  else if (typeof target === 'string') names = [target];
  else if (Array.isArray(target)) names = target.map(String);
  else if (isDoc(target)) {
    const spec = coll.indexSpecs().find((s) => sameValue(s.key, target));
    if (!spec) throw new CommandError(27, 'IndexNotFound', `can't find index with key: ${JSON.stringify(target)}`);
    names = [spec.name];
  } else throw new CommandError(14, 'TypeMismatch', "'index' must be a string, array or document");
  for (const n of names) {
    if (n === '_id_') throw new CommandError(72, 'InvalidOptions', 'cannot drop _id index');
    if (!coll.findIndex(n)) throw new CommandError(27, 'IndexNotFound', `index not found with name [${n}]`);
  }
  for (const n of names) coll.dropIndex(n);
  return { nIndexesWas, ok: 1 };
};

export const adminCommands: Record<string, Handler> = {
  hello,
  ping: ok,
  buildInfo,
  getParameter,
  connectionStatus,
  endSessions: ok,
  killSessions: ok,
  refreshSessions: ok,
  listDatabases,
  listCollections,
  create,
  drop,
  dropDatabase,
  createIndexes,
  listIndexes,
  dropIndexes,
};
