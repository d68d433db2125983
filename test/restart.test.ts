import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pino } from 'pino';
import { createHandoff, type HandoffServer } from '../server/app.js';
import { startServer, type TestServer } from './support/server.js';

const dirs: string[] = [];
const open: { close(): Promise<void> }[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-restart-'));
  dirs.push(dir);
  return dir;
}

/** Closes a server now and drops it from the list the final `after` closes. */
async function closeNow(server: { close(): Promise<void> }): Promise<void> {
  open.splice(open.indexOf(server), 1);
  await server.close();
}

async function start(dataDir: string, adminToken: string): Promise<TestServer> {
  const server = await startServer({ dataDir, adminToken });
  open.push(server);
  return server;
}

async function kids(server: TestServer): Promise<string[]> {
  const res = await fetch(`${server.issuer}/jwks`);
  assert.equal(res.status, 200);
  const jwks = await res.json() as { keys: { kid: string }[] };
  assert.ok(jwks.keys.length > 0);
  return jwks.keys.map((k) => k.kid).sort();
}

async function clientCredentials(server: TestServer, id: string, secret: string) {
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  return { status: res.status, body: await res.json() as any };
}

/** createHandoff itself (not the test helper), so that no admin token is passed. */
async function startBare(dataDir: string): Promise<{ issuer: string; handoff: HandoffServer; close(): Promise<void> }> {
  const http: Server = createServer();
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  let handoff: HandoffServer;
  try {
    handoff = await createHandoff({ issuer, store: { dataDir }, logger: pino({ level: 'silent' }) });
  } catch (err) {
    http.close();
    throw err;
  }
  http.on('request', handoff.app.callback());
  const server = {
    issuer,
    handoff,
    async close() {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await handoff.close();
    },
  };
  open.push(server);
  return server;
}

const listClients = (issuer: string, token: string) =>
  fetch(`${issuer}/admin/clients`, { headers: { authorization: `Bearer ${token}` } });

after(async () => {
  for (const server of open.splice(0)) await server.close().catch(() => {});
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('restart on the same data directory', () => {
  it('keeps clients, accounts and signing keys', async () => {
    const dataDir = tempDir();
    const adminToken = 'restart-admin-token-0123456789';

    const first = await start(dataDir, adminToken);
    const client = await first.admin('POST', '/admin/clients', {
      client_id: 'survivor',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      preauth_ttl: 42,
    });
    assert.equal(client.status, 201);
    const account = await first.admin('POST', '/admin/accounts', { username: 'erin', password: 'password-erin', claims: { name: 'Erin' } });
    assert.equal(account.status, 201);
    const firstKids = await kids(first);
    const clientBefore = (await first.admin('GET', '/admin/clients/survivor')).body;
    assert.equal((await clientCredentials(first, 'survivor', client.body.client_secret)).status, 200);
    await closeNow(first);

    const second = await start(dataDir, adminToken);
    const clientAfter = await second.admin('GET', '/admin/clients/survivor');
    assert.equal(clientAfter.status, 200);
    assert.deepEqual(clientAfter.body, clientBefore);
    assert.equal(clientAfter.body.preauth_ttl, 42);
    const accountAfter = await second.admin('GET', `/admin/accounts/${account.body.sub}`);
    assert.equal(accountAfter.status, 200);
    assert.deepEqual(accountAfter.body, account.body);
    assert.deepEqual(await kids(second), firstKids, 'the signing keys survive');

    const token = await clientCredentials(second, 'survivor', client.body.client_secret);
    assert.equal(token.status, 200, JSON.stringify(token.body));
    assert.equal(typeof token.body.access_token, 'string');
    await closeNow(second);
  });

  it('gives a new data directory new keys', async () => {
    const a = await start(tempDir(), 'admin-token-aaaaaaaaaaaaaaaa');
    const b = await start(tempDir(), 'admin-token-bbbbbbbbbbbbbbbb');
    const kidsA = await kids(a);
    const kidsB = await kids(b);
    for (const kid of kidsA) assert.equal(kidsB.includes(kid), false, `kid ${kid} reused`);
    await closeNow(a);
    await closeNow(b);
  });
});

describe('generated admin token', () => {
  it('is made and shown on the first start only, and keeps working', async () => {
    const dataDir = tempDir();

    const first = await startBare(dataDir);
    const token = first.handoff.generatedAdminToken;
    assert.equal(typeof token, 'string');
    assert.ok(token!.length >= 32);
    assert.equal((await listClients(first.issuer, token!)).status, 200);
    assert.equal((await listClients(first.issuer, `${token}x`)).status, 401);
    await closeNow(first);

    const second = await startBare(dataDir);
    assert.equal(second.handoff.generatedAdminToken, undefined, 'not made (nor shown) again');
    assert.equal((await listClients(second.issuer, token!)).status, 200, 'the first token still works');
    assert.equal((await listClients(second.issuer, 'some-other-token-0123456789')).status, 401);
    await closeNow(second);
  });

  it('is not made when a token is configured', async () => {
    const server = await start(tempDir(), 'configured-admin-token-0123');
    assert.equal(server.handoff.generatedAdminToken, undefined);
    await closeNow(server);
  });
});
