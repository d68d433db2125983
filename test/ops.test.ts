/**
 * Operability (contract §7): liveness and readiness probes, and the
 * Prometheus metrics behind their bearer token, over real HTTP on both stores.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Browser } from './support/browser.js';
import { startMongoWireServer, type MongoWireServer } from './support/mongo-wire-server.js';
import { createAccount, grantRequest, passwordPayload, registerClient } from './support/preauth.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { cleanupChildren, freePort, runServer, stopServer, waitForLine } from './support/spawn.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function getJson(url: string) {
  const res = await fetch(url);
  return { status: res.status, body: await res.json() as Record<string, unknown>, headers: res.headers };
}

async function scrape(server: Pick<TestServer, 'issuer'>, token?: string) {
  const res = await fetch(`${server.issuer}/metrics`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: res.status, text: await res.text(), headers: res.headers };
}

/** The value of one series in Prometheus text, e.g. `name{a="b"}`; undefined when absent. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

/** Waits (bounded) until readyz gives `status`: the driver reconnects on its own schedule. */
async function readyzBecomes(issuer: string, status: number, ms = 20_000): Promise<number> {
  const deadline = Date.now() + ms;
  let last = 0;
  while (Date.now() < deadline) {
    last = (await fetch(`${issuer}/readyz`)).status;
    if (last === status) return last;
    await sleep(200);
  }
  return last;
}

after(cleanupChildren);

describe('probes (sqlite)', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ kind: 'sqlite' });
  });
  after(() => server.close());

  it('healthz and readyz answer 200 without a token', async () => {
    const health = await getJson(`${server.issuer}/healthz`);
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { status: 'ok' });
    const ready = await getJson(`${server.issuer}/readyz`);
    assert.equal(ready.status, 200);
    assert.equal(ready.body.status, 'ready');
  });

  it('readyz answers 503 unavailable once the store is closed, while healthz stays 200', async () => {
    await server.store.close();
    const ready = await getJson(`${server.issuer}/readyz`);
    assert.equal(ready.status, 503);
    assert.deepEqual(ready.body, { status: 'unavailable' });
    const health = await getJson(`${server.issuer}/healthz`);
    assert.equal(health.status, 200);
    // The scrape still works: the process metrics matter most during an outage.
    const metrics = await scrape(server, server.adminToken);
    assert.equal(metrics.status, 200);
    assert.match(metrics.text, /^handoff_pending_handoffs nan$/im, 'unknown (NaN), not a made-up 0');
    assert.match(metrics.text, /^process_cpu_user_seconds_total \d/m);
  });
});

describe('probes (mongodb)', () => {
  let wire: MongoWireServer;
  let server: TestServer;
  before(async () => {
    wire = await startMongoWireServer();
    server = await startServer({ kind: 'mongodb', mongodbUri: wire.uri.replace('/?', '/handoff_ops?') });
  });
  after(async () => {
    await server.close();
    await wire.close();
  });

  it('readyz is 503 while the MongoDB server is down and 200 again once it is back', { timeout: 60_000 }, async () => {
    assert.equal((await getJson(`${server.issuer}/readyz`)).status, 200);
    await wire.close();
    const down = await getJson(`${server.issuer}/readyz`);
    assert.equal(down.status, 503);
    assert.deepEqual(down.body, { status: 'unavailable' });
    assert.equal((await getJson(`${server.issuer}/healthz`)).status, 200);
    // A fresh (empty) server on the same port: the store answers again.
    wire = await startMongoWireServer({ port: wire.port });
    assert.equal(await readyzBecomes(server.issuer, 200), 200);
  });
});

describe('metrics authorization', () => {
  let server: TestServer;
  let withMetricsToken: TestServer;
  const METRICS_TOKEN = 'metrics-token-0123456789abcdef';
  before(async () => {
    server = await startServer({ kind: 'sqlite' });
    withMetricsToken = await startServer({ kind: 'sqlite', metricsToken: METRICS_TOKEN });
  });
  after(async () => {
    await server.close();
    await withMetricsToken.close();
  });

  it('401 with WWW-Authenticate without a token and with a wrong one', async () => {
    for (const token of [undefined, 'wrong', `${server.adminToken}x`]) {
      const res = await scrape(server, token);
      assert.equal(res.status, 401, `token ${token}`);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
      assert.equal(JSON.parse(res.text).error, 'invalid_token');
    }
  });

  it('the admin token scrapes when METRICS_TOKEN is unset', async () => {
    const res = await scrape(server, server.adminToken);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    assert.match(res.text, /^# TYPE process_cpu_user_seconds_total counter$/m, 'default process metrics');
    for (const name of ['handoff_preauth_requests_total', 'handoff_redemptions_total', 'handoff_redemption_duration_seconds', 'handoff_pending_handoffs']) {
      assert.match(res.text, new RegExp(`^# TYPE ${name} `, 'm'), name);
    }
  });

  it('with METRICS_TOKEN set, only that token scrapes', async () => {
    assert.equal((await scrape(withMetricsToken, METRICS_TOKEN)).status, 200);
    assert.equal((await scrape(withMetricsToken, withMetricsToken.adminToken)).status, 401);
    assert.equal((await scrape(withMetricsToken, 'metrics-token')).status, 401);
  });

  it('METRICS_TOKEN from the environment of the standalone server', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const child = runServer({ PORT: String(port), ADMIN_TOKEN: 'admin-token-0123456789abcdef', METRICS_TOKEN });
    await waitForLine(child, /"msg":"handoff listening"/);
    const issuer = `http://localhost:${port}`;
    assert.equal((await scrape({ issuer }, METRICS_TOKEN)).status, 200);
    assert.equal((await scrape({ issuer }, 'admin-token-0123456789abcdef')).status, 401);
    assert.equal(await stopServer(child), 0);
  });
});

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`metrics count a two-step login (${kind})`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ kind });
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('step 1 and the pending gauge move; redemption takes the handoff out of the gauge', async () => {
      const rp = await registerClient(server);
      await createAccount(server, 'mia', 'mia-password');
      const before = (await scrape(server, server.adminToken)).text;
      assert.equal(sample(before, 'handoff_pending_handoffs'), 0);
      assert.equal(sample(before, 'handoff_preauth_requests_total{provider="password",outcome="ok"}'), undefined);

      const ok = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('mia', 'mia-password') });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      const refused = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('mia', 'wrong') });
      assert.equal(refused.status, 400);

      const afterStep1 = (await scrape(server, server.adminToken)).text;
      assert.equal(sample(afterStep1, 'handoff_preauth_requests_total{provider="password",outcome="ok"}'), 1);
      assert.equal(sample(afterStep1, 'handoff_preauth_requests_total{provider="password",outcome="invalid_grant"}'), 1);
      assert.equal(sample(afterStep1, 'handoff_pending_handoffs'), 1);

      const landing = await new Browser(server.issuer).open(ok.body.preauth_url);
      assert.equal(landing.external, true, 'redirected to the client');
      assert.ok(landing.external && landing.url.searchParams.get('code'));

      const afterRedeem = (await scrape(server, server.adminToken)).text;
      assert.equal(sample(afterRedeem, 'handoff_pending_handoffs'), 0);
      assert.equal(sample(afterRedeem, 'handoff_preauth_requests_total{provider="password",outcome="ok"}'), 1);
      assert.equal(sample(afterRedeem, 'handoff_redemptions_total{outcome="ok"}'), 1);

      const replay = await fetch(ok.body.preauth_url, { redirect: 'manual', headers: { accept: 'application/json' } });
      assert.equal(replay.status, 400);
      const afterReplay = (await scrape(server, server.adminToken)).text;
      assert.equal(sample(afterReplay, 'handoff_redemptions_total{outcome="used"}'), 1);
      assert.match(afterReplay, /^handoff_redemption_duration_seconds_count \d+$/m);
    });

    it('a provider name nobody registered is counted as unknown, so labels stay bounded', async () => {
      const made = `made-up-${Date.now()}`;
      const res = await fetch(`${server.issuer}/providers/${made}/preauth`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      assert.equal(res.status, 404);
      const rp = await registerClient(server);
      const unknown = await grantRequest(server, rp, { provider: made, payload: '{}' });
      assert.equal(unknown.status, 400);
      const text = (await scrape(server, server.adminToken)).text;
      assert.equal(text.includes(made), false, 'the made-up name is no label');
      assert.ok((sample(text, 'handoff_preauth_requests_total{provider="unknown",outcome="unauthorized_client"}') ?? 0) >= 1);
    });
  });
}
