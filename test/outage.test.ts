/**
 * A store that stops answering (contract §7): every route that needs it
 * answers 503 `temporarily_unavailable` (never a 500, never a hang), and
 * service resumes by itself when the store is back. MongoDB: the wire test
 * server is stopped and restarted on the same port with its data. SQLite:
 * another process holds the database's write lock.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { createHandoff, type HandoffServer } from '../server/app.js';
import { createMongoStore } from '../adapters/mongodb.js';
import { startMongoWireServer, type MongoWireServer } from './support/mongo-wire-server.js';
import { adminClient, startServer } from './support/server.js';
import { createAccount, exchange, grantRequest, nativeRequest, passwordPayload, pkce, readHandoff, registerClient, relyingParty } from './support/preauth.js';
import { Browser } from './support/browser.js';

/** Every request gets an answer well within this, or the test fails instead of hanging. */
const answered = () => AbortSignal.timeout(15_000);

async function assert503(res: Response, what: string) {
  const text = await res.text();
  assert.equal(res.status, 503, `${what}: ${res.status} ${text}`);
  assert.equal(JSON.parse(text).error, 'temporarily_unavailable', what);
}

describe('MongoDB stops answering, then comes back', () => {
  let wire: MongoWireServer;
  let http: Server;
  let handoff: HandoffServer;
  const dataDir = mkdtempSync(join(tmpdir(), 'handoff-outage-'));

  after(async () => {
    http?.closeAllConnections();
    await new Promise<void>((resolve) => (http ? http.close(() => resolve()) : resolve()));
    await handoff?.close();
    await wire?.close().catch(() => {});
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers 503 on every route that needs the store, and resumes by itself', { timeout: 120_000 }, async () => {
    wire = await startMongoWireServer();
    const store = await createMongoStore({ uri: wire.uri.replace('/?', '/outage?'), serverSelectionTimeoutMS: 500 });
    http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const adminToken = 'outage-admin-token-0123456789';
    handoff = await createHandoff({ issuer, store, dataDir, adminToken, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), keyReloadInterval: 200 });
    http.on('request', handoff.callback());
    const server = { issuer, admin: adminClient(issuer, adminToken) };

    const rp = await registerClient(server);
    const account = await createAccount(server, 'olga', 'olga-password');
    const { verifier, challenge } = await pkce();
    const before = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('olga', 'olga-password', { n: 1 }), code_challenge: challenge });
    assert.equal(before.status, 200);

    await wire.close();

    const form = (params: Record<string, string>) => ({
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${rp.client_id}:${rp.client_secret}`).toString('base64')}` },
      body: new URLSearchParams(params),
      signal: answered(),
    });
    await assert503(await fetch(`${issuer}/token`, form({ grant_type: 'urn:handoff:grant-type:preauth', provider: 'password', payload: passwordPayload('olga', 'olga-password') })), 'step 1 (grant)');
    await assert503(await fetch(`${issuer}/providers/password/preauth`, {
      method: 'POST', body: passwordPayload('olga', 'olga-password'), signal: answered(),
      headers: { 'content-type': 'application/json', authorization: `Basic ${Buffer.from(`${rp.client_id}:${rp.client_secret}`).toString('base64')}` },
    }), 'step 1 (native)');
    const hmac = await fetch(`${issuer}/providers/hmac-form/preauth`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, signal: answered(),
      body: new URLSearchParams({ client_id: rp.client_id, sub: 'u', ts: String(Math.floor(Date.now() / 1000)), nonce: 'n-0123456789', sig: '0'.repeat(64) }),
    });
    assert.equal(hmac.status, 503, 'step 1 (hmac-form)');
    assert.match(hmac.headers.get('content-type') ?? '', /^application\/x-www-form-urlencoded/, 'hmac-form answers errors in its own format');
    assert.equal(new URLSearchParams(await hmac.text()).get('error'), 'temporarily_unavailable');
    await assert503(await fetch(before.body.preauth_url, { headers: { accept: 'application/json' }, redirect: 'manual', signal: answered() }), 'redemption');
    await assert503(await fetch(`${issuer}/token`, form({ grant_type: 'client_credentials' })), 'token endpoint (client lookup)');
    await assert503(await fetch(`${issuer}/admin/clients`, { headers: { authorization: `Bearer ${adminToken}` }, signal: answered() }), 'admin API');
    await assert503(await fetch(`${issuer}/handoff`, { headers: { authorization: 'Bearer some-access-token' }, signal: answered() }), 'GET /handoff');
    await assert503(await fetch(`${issuer}/auth?client_id=${rp.client_id}&response_type=code&scope=openid&redirect_uri=https://rp.example/cb`, {
      headers: { accept: 'application/json' }, redirect: 'manual', signal: answered(),
    }), 'authorization endpoint');

    // Back on the same port with the same data: the URL made before the outage still redeems.
    wire = await startMongoWireServer({ port: wire.port, store: wire.store });
    let after: Response | undefined;
    for (let i = 0; i < 50; i++) {
      after = await fetch(`${issuer}/admin/clients/${rp.client_id}`, { headers: { authorization: `Bearer ${adminToken}` }, signal: answered() });
      if (after.status !== 503) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.equal(after?.status, 200, 'the admin API answers again');
    const landing = await new Browser(issuer).open(before.body.preauth_url);
    assert.ok(landing.external, `ended at ${landing.url}`);
    const tokens = await exchange(await relyingParty(server, rp), landing.url.href, { verifier });
    assert.equal(tokens.claims()!.sub, account.sub);
    assert.deepEqual((await readHandoff(server, tokens.access_token)).body.payload, { username: 'olga', data: { n: 1 } });
    const again = await nativeRequest(server, 'password', passwordPayload('olga', 'olga-password'), 'application/json', {
      auth: `Basic ${Buffer.from(`${rp.client_id}:${rp.client_secret}`).toString('base64')}`,
    });
    assert.equal(again.status, 200, again.text);
  });
});

describe('SQLite cannot write (another process holds the lock)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'handoff-locked-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('answers 503 temporarily_unavailable, then resumes when the lock is gone', { timeout: 60_000 }, async () => {
    const server = await startServer({ kind: 'sqlite', dataDir });
    try {
      const rp = await registerClient(server);
      await createAccount(server, 'lena', 'lena-password');
      const step1 = () => grantRequest(server, rp, { provider: 'password', payload: passwordPayload('lena', 'lena-password') });
      assert.equal((await step1()).status, 200);

      const other = new Database(join(dataDir, 'handoff.sqlite'));
      other.exec('BEGIN EXCLUSIVE');
      try {
        const locked = await step1();
        assert.equal(locked.status, 503, JSON.stringify(locked.body));
        assert.equal(locked.body.error, 'temporarily_unavailable');
      } finally {
        other.exec('ROLLBACK');
        other.close();
      }
      assert.equal((await step1()).status, 200);
    } finally {
      await server.close();
    }
  });
});
