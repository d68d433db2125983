/**
 * The Node HTTP server handoff should listen with. Node's defaults let a
 * client hold a connection for minutes by sending headers or a body slowly;
 * these cut it off (contract §8): headers within 10 s, the whole request
 * within 30 s, checked every second so the limits hold promptly. Library users
 * who listen themselves pass `SERVER_TIMEOUTS` to `http.createServer` (or
 * `https.createServer`).
 */
import { createServer, type RequestListener, type Server, type ServerOptions } from 'node:http';

export const SERVER_TIMEOUTS = {
  headersTimeout: 10_000,
  requestTimeout: 30_000,
  connectionsCheckingInterval: 1_000,
} as const satisfies ServerOptions;

export function createHttpServer(listener: RequestListener): Server {
  return createServer({ ...SERVER_TIMEOUTS }, listener);
}
