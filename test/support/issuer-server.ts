/**
 * A handoff server whose issuer is not simply its listening origin: an https
 * issuer served over plain HTTP (TLS ends at a proxy), or an issuer with a
 * path prefix. Requests go to `base` (the real socket); URLs the server prints
 * use `issuer`, and `local()` maps them back onto the socket.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createHandoff, type HandoffOptions, type HandoffServer } from '../../server/app.js';
import { adminClient, type TestServer } from './server.js';

export interface IssuerServer {
  /** Where the socket listens, e.g. http://127.0.0.1:1234 */
  base: string;
  issuer: string;
  handoff: HandoffServer;
  admin: TestServer['admin'];
  /** A URL the server printed (under the issuer), as reachable on the socket. */
  local(url: string): string;
  close(): Promise<void>;
}

/** `issuerFor(base)` names the issuer from the listening origin. */
export async function startIssuerServer(
  issuerFor: (base: string) => string,
  options: Partial<Omit<HandoffOptions, 'issuer'>> = {},
): Promise<IssuerServer> {
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const issuer = issuerFor(base);
  const dataDir = mkdtempSync(join(tmpdir(), 'handoff-issuer-'));
  const adminToken = 'issuer-test-admin-token-0123456789';
  const handoff = await createHandoff({
    logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), dataDir, adminToken, ...options, issuer,
  });
  http.on('request', handoff.callback());
  const origin = new URL(issuer).origin;
  const local = (url: string) => (url.startsWith(origin) ? `${base}${url.slice(origin.length)}` : url);
  return {
    base,
    issuer,
    handoff,
    local,
    // the admin API lives under the issuer's path, on the socket
    admin: adminClient(local(issuer), adminToken),
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await handoff.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
