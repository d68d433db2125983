/**
 * An in-memory MongoDB wire-protocol server for tests, driven by the real `mongodb`
 * driver, because no mongod is available here. Query and update semantics come
 * from mingo; unique and TTL indexes are enforced here. See mongo-wire/ for parts.
 */
import net from 'node:net';
import { runCommand } from './mongo-wire/commands.js';
import { encodeReply, MessageReader, parseMessage } from './mongo-wire/protocol.js';
import { Store } from './mongo-wire/store.js';
import { errorMessage, type Doc } from './mongo-wire/util.js';

/** MONGO_WIRE_DEBUG=1 traces commands and replies to stderr, to see what the driver sends. */
const debug = process.env.MONGO_WIRE_DEBUG
  ? (dir: string, doc: Doc) => console.error(dir, JSON.stringify(doc).slice(0, 400))
  : undefined;

export interface MongoWireServer {
  uri: string;
  port: number;
  /** The data; pass it to a new server (same port) to restart without losing it. */
  store: Store;
  close(): Promise<void>;
}

export async function startMongoWireServer(
  opts: { port?: number; ttlSweepMs?: number; store?: Store } = {},
): Promise<MongoWireServer> {
  const store = opts.store ?? new Store();
  const sockets = new Set<net.Socket>();
  let lastConnectionId = 0;
  let lastRequestId = 0;

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    const connectionId = ++lastConnectionId;
    const reader = new MessageReader();

    // Each message is handled to completion inside this callback, so commands never
    // interleave: that is what makes findAndModify atomic.
    socket.on('data', (chunk: Buffer) => {
      try {
        for (const msg of reader.push(chunk)) {
          const req = parseMessage(msg);
          debug?.('>', req.body);
          const reply = runCommand(req.body, { store, connectionId });
          debug?.(req.moreToCome ? '< (no reply)' : '<', reply);
          if (req.moreToCome) continue;
          let out: Buffer;
          try {
            out = encodeReply(req, ++lastRequestId, reply);
          } catch (e) {
            const errmsg = `reply could not be serialized: ${errorMessage(e)}`;
            out = encodeReply(req, ++lastRequestId, { ok: 0, errmsg, code: 10334, codeName: 'BSONObjectTooLarge' });
          }
          socket.write(out);
        }
      } catch {
        // unparseable framing or BSON: drop the connection, like mongod does
        socket.destroy();
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as net.AddressInfo).port;

  const ttl = setInterval(() => store.sweep(), opts.ttlSweepMs ?? 1000);
  ttl.unref();

  return {
    uri: `mongodb://127.0.0.1:${port}/?directConnection=true`,
    port,
    store,
    close() {
      clearInterval(ttl);
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
