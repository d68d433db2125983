/**
 * Two handoff instances sharing one MongoDB behind one issuer, with a
 * round-robin "load balancer" in front: every request of a whole two-step
 * login lands on the other instance than the one before. Keys, cookie keys,
 * sessions, interactions and handoffs must all come from the shared store.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { createHandoff, type HandoffServer } from '../server/app.js';
import { Browser } from './support/browser.js';
import { adminClient, closeMongo, freshMongoUri, type TestServer } from './support/server.js';
import { createAccount, exchange, grantRequest, passwordPayload, pkce, readHandoff, registerClient, relyingParty } from './support/preauth.js';

describe('two instances on one MongoDB', () => {
  let http: Server;
  let instances: HandoffServer[];
  const served: number[] = [0, 0];
  let server: TestServer;
  const dataDir = mkdtempSync(join(tmpdir(), 'handoff-multi-'));

  before(async () => {
    http = createServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const mongodbUri = await freshMongoUri();
    const adminToken = 'multi-instance-admin-token';
    // Started together, as a deployment would: first-start secrets must still agree.
    instances = await Promise.all([0, 1].map(() =>
      createHandoff({ issuer, mongodbUri, dataDir, adminToken, logger: pino({ level: 'silent' }) })));
    const handlers = instances.map((instance) => instance.callback());
    let next = 0;
    http.on('request', (req, res) => {
      const which = next++ % 2;
      served[which] += 1;
      void handlers[which](req, res);
    });
    server = {
      issuer,
      adminToken,
      handoff: instances[0],
      store: instances[0].store,
      admin: adminClient(issuer, adminToken),
      close: async () => {},
    };
  });

  after(async () => {
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
    await Promise.all(instances.map((instance) => instance.close()));
    rmSync(dataDir, { recursive: true, force: true });
    await closeMongo();
  });

  it('agree on signing keys', async () => {
    const [a, b] = await Promise.all([
      fetch(`${server.issuer}/jwks`).then((r) => r.json()),
      fetch(`${server.issuer}/jwks`).then((r) => r.json()),
    ]);
    assert.deepEqual(a, b);
  });

  it('complete a whole two-step login with every request on alternating instances', async () => {
    const rp = await registerClient(server);
    const account = await createAccount(server, 'multi', 'multi-password');
    const { verifier, challenge } = await pkce();
    const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('multi', 'multi-password', { n: 1 }), code_challenge: challenge, state: 'm' });
    assert.equal(step1.status, 200, JSON.stringify(step1.body));
    const browser = new Browser(server.issuer);
    const landing = await browser.open(step1.body.preauth_url);
    assert.ok(landing.external, `ended at ${landing.url}`);
    const tokens = await exchange(await relyingParty(server, rp), landing.url.href, { verifier, state: 'm' });
    assert.equal(tokens.claims()!.sub, account.sub);
    assert.deepEqual((await readHandoff(server, tokens.access_token)).body.payload, { username: 'multi', data: { n: 1 } });
    assert.ok(served[0] > 3 && served[1] > 3, `both instances served requests: ${served}`);
  });
});
