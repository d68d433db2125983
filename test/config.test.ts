/**
 * The standalone server as users start it: a real `node` process running
 * server/main.ts, configured only through its environment and `.env`.
 *
 * Every child runs in a fresh temp folder (so a developer's own `.env` or
 * `./data` in the repository never leaks in), with tsx loaded by absolute URL.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { assertRefused, cleanupChildren, freePort, runServer as run, stopServer as stop, tempDir, waitForLine } from './support/spawn.js';

after(cleanupChildren);

describe('bad configuration stops the server with one line', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['PORT=abc', { PORT: 'abc' }, 'PORT'],
    ['PORT=70000', { PORT: '70000' }, 'PORT'],
    ['ISSUER not a URL', { ISSUER: 'not a url' }, 'ISSUER'],
    ['ISSUER with a trailing slash', { ISSUER: 'http://x.example/path/' }, 'ISSUER'],
    ['ISSUER with a query', { ISSUER: 'http://x.example/path?x=1' }, 'ISSUER'],
    ['TRUST_PROXY=maybe', { TRUST_PROXY: 'maybe' }, 'TRUST_PROXY'],
    ['RATE_LIMIT_PREAUTH=lots', { RATE_LIMIT_PREAUTH: 'lots' }, 'RATE_LIMIT_PREAUTH'],
    ['RATE_LIMIT_FAILURES=0', { RATE_LIMIT_FAILURES: '0' }, 'RATE_LIMIT_FAILURES'],
    ['RATE_LIMIT_REDEEM=-1', { RATE_LIMIT_REDEEM: '-1' }, 'RATE_LIMIT_REDEEM'],
    ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['PREAUTH_MAX_PAYLOAD=-5', { PREAUTH_MAX_PAYLOAD: '-5' }, 'PREAUTH_MAX_PAYLOAD'],
  ];
  for (const [name, env, variable] of cases) {
    it(name, { timeout: 20_000 }, async () => {
      await assertRefused(run(env), variable);
    });
  }

  it('unreachable MONGODB_URI', { timeout: 20_000 }, async () => {
    const started = Date.now();
    await assertRefused(run({ MONGODB_URI: 'mongodb://127.0.0.1:1/x' }), 'MONGODB_URI', 12_000);
    assert.ok(Date.now() - started < 12_000, `took ${Date.now() - started} ms`);
  });

  it('reads .env from the working folder', { timeout: 20_000 }, async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'PORT=abc\n');
    await assertRefused(run({}, cwd), 'PORT');
  });
});

describe('a good configuration', () => {
  it('starts, serves discovery, prints the generated admin token once, and stops on SIGTERM', { timeout: 60_000 }, async () => {
    const cwd = tempDir();
    const port = await freePort();

    const first = run({ PORT: String(port) }, cwd);
    await waitForLine(first, /"msg":"handoff listening"/);
    const tokenLines = first.out.stdout.split('\n').filter((line) => /generated admin token/.test(line));
    assert.equal(tokenLines.length, 1, 'the generated token is printed once');
    const token = /: (\S+)$/.exec(tokenLines[0])?.[1];
    assert.ok(token && token.length >= 32);

    // via the issuer's own host name: oidc-provider builds endpoint URLs from the request's Host
    const discovery = await fetch(`http://localhost:${port}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
    const config = await discovery.json() as { issuer: string; token_endpoint: string };
    assert.equal(config.issuer, `http://localhost:${port}`, 'ISSUER defaults to http://localhost:$PORT');
    assert.equal(config.token_endpoint, `http://localhost:${port}/token`);

    const admin = await fetch(`http://127.0.0.1:${port}/admin/clients`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(admin.status, 200, 'the printed token opens the admin API');
    assert.doesNotMatch(first.out.stdout.replace(tokenLines[0], ''), new RegExp(token), 'the token is printed nowhere else');
    assert.equal(await stop(first), 0);

    const second = run({ PORT: String(port) }, cwd);
    await waitForLine(second, /"msg":"handoff listening"/);
    assert.doesNotMatch(second.out.stdout, /generated admin token/, 'not printed again on a restart');
    const again = await fetch(`http://127.0.0.1:${port}/admin/clients`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(again.status, 200, 'the first token still works');
    assert.equal(await stop(second), 0);
  });

  it('prefers the real environment over .env, and uses ISSUER and ADMIN_TOKEN', { timeout: 30_000 }, async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'PORT=abc\nLOG_LEVEL=info\n');
    const port = await freePort();
    const adminToken = 'configured-token-0123456789abcdef';
    const child = run({ PORT: String(port), ISSUER: 'https://login.example.com', ADMIN_TOKEN: adminToken }, cwd);
    await waitForLine(child, /"msg":"handoff listening"/);
    assert.doesNotMatch(child.out.stdout, /generated admin token/);
    assert.doesNotMatch(child.out.stdout, new RegExp(adminToken), 'the configured token is never printed');

    const discovery = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`, {
      headers: { 'x-forwarded-proto': 'https' },
    });
    assert.equal(discovery.status, 200);
    assert.equal((await discovery.json() as { issuer: string }).issuer, 'https://login.example.com');
    const admin = await fetch(`http://127.0.0.1:${port}/admin/clients`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(admin.status, 200);
    assert.equal(await stop(child), 0);
  });

  it('prints every URL under ISSUER, whatever Host the request names', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const child = run({ PORT: String(port), ISSUER: 'https://login.example.com', ADMIN_TOKEN: 'configured-token-0123456789abcdef' });
    try {
      await waitForLine(child, /"msg":"handoff listening"/);
      const res = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`, { headers: { 'x-forwarded-proto': 'https' } });
      const config = await res.json() as Record<string, unknown>;
      for (const [key, value] of Object.entries(config)) {
        if (typeof value === 'string' && /^https?:\/\//.test(value)) {
          assert.ok(value === 'https://login.example.com' || value.startsWith('https://login.example.com/'), `${key}: ${value}`);
        }
      }
    } finally {
      await stop(child);
    }
  });
});
