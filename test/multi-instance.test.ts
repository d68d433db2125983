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
import { basic, createAccount, exchange, grantRequest, passwordPayload, PREAUTH_GRANT, pkce, readHandoff, registerClient, relyingParty, signedJwt, type RegisteredClient } from './support/preauth.js';
import * as jose from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import { awaitFreshWindow } from './support/windows.js';

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
      createHandoff({ issuer, mongodbUri, dataDir, adminToken, logger: pino({ level: 'silent' }), limits: { failures: 3 }, keyReloadInterval: 500 })));
    const handlers = instances.map((instance) => instance.callback());
    let next = 0;
    http.on('request', (req, res) => {
      // `x-instance: 0|1` pins a request to one instance; everything else alternates.
      const pinned = req.headers['x-instance'];
      const which = pinned === '0' || pinned === '1' ? Number(pinned) : next++ % 2;
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
  /** Step 1a on one chosen instance. */
  async function step1On(which: 0 | 1, rp: RegisteredClient, params: Record<string, string>) {
    const res = await fetch(`${server.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rp.client_id, rp.client_secret), 'x-instance': String(which) },
      body: new URLSearchParams({ grant_type: PREAUTH_GRANT, ...params }),
    });
    return { status: res.status, body: await res.json() as Record<string, any> };
  }

  it('step 1 on A, redemption and code exchange on B', async () => {
    const rp = await registerClient(server);
    const account = await createAccount(server, 'ab', 'ab-password');
    const { verifier, challenge } = await pkce();
    const step1 = await step1On(0, rp, { provider: 'password', payload: passwordPayload('ab', 'ab-password'), code_challenge: challenge });
    assert.equal(step1.status, 200, JSON.stringify(step1.body));
    const redeemed = await fetch(step1.body.preauth_url, { redirect: 'manual', headers: { 'x-instance': '1' } });
    assert.ok(redeemed.status >= 300 && redeemed.status < 400, `B redirects on into the login, got ${redeemed.status}`);
    const landing = await new Browser(server.issuer).open(step1.body.preauth_url);
    assert.equal(landing.external, false, 'the code was consumed on B: a second use fails');
    assert.equal(landing.status, 400);
    // follow B's redirect with a browser: the login completes
    const browser = new Browser(server.issuer);
    const again = await step1On(0, rp, { provider: 'password', payload: passwordPayload('ab', 'ab-password'), code_challenge: challenge });
    const done = await browser.open(again.body.preauth_url);
    assert.ok(done.external);
    const tokens = await exchange(await relyingParty(server, rp), done.url.href, { verifier });
    assert.equal(tokens.claims()!.sub, account.sub);
  });

  it('share replay markers: a jti used on A is refused on B', async () => {
    const rp = await registerClient(server);
    const jws = await signedJwt(server, rp, { sub: 'partner-user' });
    assert.equal((await step1On(0, rp, { provider: 'signed-jwt', payload: jws })).status, 200);
    const replay = await step1On(1, rp, { provider: 'signed-jwt', payload: jws });
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
  });

  it('share rate limits: failures counted on A and B together', async () => {
    const rp = await registerClient(server);
    await createAccount(server, 'limited', 'limited-password');
    await awaitFreshWindow(15 * 60_000);
    for (const which of [0, 1, 0] as const) {
      assert.equal((await step1On(which, rp, { provider: 'password', payload: passwordPayload('limited', 'nope') })).status, 400);
    }
    const refused = await step1On(1, rp, { provider: 'password', payload: passwordPayload('limited', 'limited-password') });
    assert.equal(refused.status, 429, JSON.stringify(refused.body));
    assert.equal(refused.body.error, 'too_many_requests');
  });

  it('share key rotation: rotated on A, B signs with the new key within a few seconds', async () => {
    const rp = await registerClient(server);
    await createAccount(server, 'rot', 'rot-password');
    const rotated = await fetch(`${server.issuer}/admin/keys/rotate`, { method: 'POST', headers: { authorization: `Bearer ${server.adminToken}`, 'x-instance': '0' } });
    assert.equal(rotated.status, 201);
    const { kids } = await rotated.json() as { kids: string[] };
    let kid: string | undefined;
    for (let i = 0; i < 40 && !(kid && kids.includes(kid)); i++) {
      // a client-credentials-free way to get a token signed by B: a whole login pinned to B for its code exchange
      const { verifier, challenge } = await pkce();
      const step1 = await step1On(1, rp, { provider: 'password', payload: passwordPayload('rot', 'rot-password'), code_challenge: challenge });
      const landing = await new Browser(server.issuer).open(step1.body.preauth_url);
      assert.ok(landing.external);
      const code = new URL(landing.url).searchParams.get('code')!;
      const token = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rp.client_id, rp.client_secret), 'x-instance': '1' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://rp.example/cb', code_verifier: verifier }),
      });
      const body = await token.json() as { id_token: string };
      kid = jose.decodeProtectedHeader(body.id_token).kid;
      if (!kids.includes(kid!)) await sleep(250);
    }
    assert.ok(kid && kids.includes(kid), `B signed with ${kid}, rotated to ${kids}`);
    const jwksB = await (await fetch(`${server.issuer}/jwks`, { headers: { 'x-instance': '1' } })).json() as { keys: { kid: string }[] };
    for (const k of kids) assert.ok(jwksB.keys.some((key) => key.kid === k), `B publishes ${k}`);
  });
});
