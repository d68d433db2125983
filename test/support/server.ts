/**
 * Starts a real handoff server on a random loopback port for a test, on the
 * embedded store (a fresh temp dir) or on MongoDB (the wire test server, or
 * MONGODB_URI when set).
 */
import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { createHandoff, type HandoffOptions, type HandoffServer } from '../../server/app.js';
import { openStore } from '../../adapters/index.js';
import { createSqliteStore } from '../../adapters/sqlite.js';
import type { Store } from '../../adapters/store.js';
import { startMongoWireServer, type MongoWireServer } from './mongo-wire-server.js';

export type StoreKind = 'sqlite' | 'mongodb';

export interface TestServer {
  issuer: string;
  adminToken: string;
  handoff: HandoffServer;
  store: Store;
  /** JSON call to the admin API; returns status and parsed body. */
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export interface TestServerOptions extends Partial<Omit<HandoffOptions, 'issuer' | 'store'>> {
  kind?: StoreKind;
  /** Reuse a data directory (restart tests). */
  dataDir?: string;
  /** Wraps the opened store before the server gets it (tests that count store operations). */
  wrapStore?: (store: Store) => Store;
}

let mongo: Promise<MongoWireServer> | undefined;

/** One wire server per test process, closed when the process ends. */
async function mongoUri(): Promise<string> {
  if (process.env.MONGODB_URI) return process.env.MONGODB_URI;
  mongo ??= startMongoWireServer();
  const server = await mongo;
  return server.uri;
}

export async function closeMongo(): Promise<void> {
  if (mongo) await (await mongo).close();
  mongo = undefined;
}

function withDatabase(uri: string, db: string): string {
  const url = new URL(uri);
  url.pathname = `/${db}`;
  return url.toString();
}

/** A URI of a fresh database on the test MongoDB (the wire server, or MONGODB_URI). */
export async function freshMongoUri(): Promise<string> {
  return withDatabase(await mongoUri(), `handoff_test_${randomBytes(6).toString('hex')}`);
}

/** Bare stores without a server, one opener per kind: SQLite in memory, MongoDB in a fresh database. */
export const bareStores: Record<StoreKind, () => Promise<Store>> = {
  sqlite: async () => {
    const store = createSqliteStore({ file: ':memory:' });
    await store.init();
    return store;
  },
  mongodb: async () => openStore({ mongodbUri: await freshMongoUri(), dataDir: '/nonexistent' }),
};

/** JSON calls to the admin API of the server at `issuer`. */
export function adminClient(issuer: string, adminToken: string): TestServer['admin'] {
  return async (method, path, body) => {
    const res = await fetch(`${issuer}${path}`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
}

export async function startServer(options: TestServerOptions = {}): Promise<TestServer> {
  const kind = options.kind ?? 'sqlite';
  const ownDir = !options.dataDir;
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'handoff-test-'));
  const opened = kind === 'mongodb'
    ? await openStore({ dataDir, mongodbUri: options.mongodbUri ?? await freshMongoUri() })
    : await openStore({ dataDir });
  const store = options.wrapStore ? options.wrapStore(opened) : opened;

  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
  const handoff = await createHandoff({
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    ...options,
    // Tests make many requests from one address and client; a test about a limit sets its own.
    limits: { preauth: 100_000, failures: 100_000, redeem: 100_000, ...options.limits },
    issuer,
    store,
    adminToken,
  });
  http.on('request', handoff.app.callback());

  return {
    issuer,
    adminToken,
    handoff,
    store,
    admin: adminClient(issuer, adminToken),
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await handoff.close();
      if (ownDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
