/**
 * Where the scheme, the host, the client IP and the paths come from
 * (contract §1, §8): the scheme always from ISSUER (so every cookie is Secure
 * under an https issuer, whatever a proxy sends), the client IP from
 * X-Forwarded-For only with TRUST_PROXY, and every route, page, cookie path
 * and printed URL under an ISSUER with a path prefix.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Browser } from './support/browser.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { startIssuerServer, type IssuerServer } from './support/issuer-server.js';
import { cleanupChildren, freePort, runServer, stopServer, waitForLine } from './support/spawn.js';
import { createAccount, exchange, grantRequest, passwordPayload, pkce, readHandoff, registerClient, relyingParty, REDIRECT_URI } from './support/preauth.js';

after(closeMongo);

/**
 * Follows redirects by hand from `start`, keeping cookies, until the client's
 * redirect_uri; returns every Set-Cookie header seen and the final URL.
 */
async function walk(server: IssuerServer, start: string, headers: Record<string, string> = {}, cookies = new Map<string, string>()) {
  const issuerOrigin = new URL(server.issuer).origin;
  const setCookies: string[] = [];
  let url = server.local(start);
  for (let hop = 0; hop < 12; hop++) {
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await fetch(url, { redirect: 'manual', headers: { ...headers, ...(cookie ? { cookie } : {}) } });
    for (const header of res.headers.getSetCookie()) {
      setCookies.push(header);
      const [pair] = header.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(header)) cookies.delete(name);
      else cookies.set(name, value);
    }
    const location = res.headers.get('location');
    assert.ok(res.status < 400, `${url} answered ${res.status}: ${await res.text()}`);
    if (!location) return { setCookies, final: url, status: res.status };
    const next = new URL(location, issuerOrigin);
    if (next.origin !== issuerOrigin) return { setCookies, final: next.href, status: res.status };
    url = server.local(next.href);
  }
  throw new Error('too many redirects');
}

describe('https ISSUER served over plain HTTP behind a proxy', () => {
  let server: IssuerServer;
  after(() => server?.close());

  it('audit #9: every cookie of a redemption is Secure, HttpOnly and SameSite, whatever the proxy headers', async () => {
    server = await startIssuerServer(() => 'https://login.example.test');
    const viaSocket = { issuer: server.base, admin: server.admin };
    const rp = await registerClient(viaSocket);
    await createAccount(viaSocket, 'ivy', 'ivy-password');
    const variants: { name: string; headers: Record<string, string>; cookies: Map<string, string>; scope?: string }[] = [
      { name: 'no forwarded headers', headers: {}, cookies: new Map() },
      // offline_access goes through an Interaction (prompt=consent): its cookies too
      { name: 'offline_access, proxy says http', headers: { 'x-forwarded-proto': 'http' }, cookies: new Map(), scope: 'openid offline_access' },
      // a stale session cookie makes the redemption look at cookies first (the original finding)
      { name: 'proxy says http, stale session cookie', headers: { 'x-forwarded-proto': 'http' }, cookies: new Map([['_session', 'stale'], ['_session.sig', 'x']]) },
      { name: 'proxy names another host', headers: { 'x-forwarded-proto': 'http', 'x-forwarded-host': 'evil.example' }, cookies: new Map() },
    ];
    for (const variant of variants) {
      const step1 = await grantRequest(viaSocket, rp, { provider: 'password', payload: passwordPayload('ivy', 'ivy-password'), ...(variant.scope ? { scope: variant.scope } : {}) });
      assert.equal(step1.status, 200, JSON.stringify(step1.body));
      assert.ok(step1.body.preauth_url.startsWith('https://login.example.test/preauth/'), step1.body.preauth_url);
      const { setCookies, final } = await walk(server, step1.body.preauth_url, variant.headers, variant.cookies);
      assert.ok(final.startsWith(`${REDIRECT_URI}?code=`), `${variant.name}: ended at ${final}`);
      const names = setCookies.map((c) => c.slice(0, c.indexOf('=')));
      assert.ok(names.includes('_session'), `${variant.name}: cookies ${names}`);
      if (variant.scope) assert.ok(names.includes('_interaction'), `${variant.name}: cookies ${names}`);
      for (const header of setCookies) {
        assert.match(header, /;\s*secure/i, `${variant.name}: Secure on ${header.slice(0, header.indexOf('='))}`);
        assert.match(header, /;\s*httponly/i, `${variant.name}: HttpOnly on ${header.slice(0, header.indexOf('='))}`);
        assert.match(header, /;\s*samesite=(lax|strict|none)/i, `${variant.name}: SameSite on ${header.slice(0, header.indexOf('='))}`);
      }
    }
  });

  it('prints every URL with the issuer, whatever Host or X-Forwarded-Host the request names', async () => {
    const res = await fetch(`${server.base}/.well-known/openid-configuration`, { headers: { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'http' } });
    const discovery = await res.json() as Record<string, unknown>;
    assert.equal(discovery.issuer, 'https://login.example.test');
    assert.equal(discovery.token_endpoint, 'https://login.example.test/token');
  });
});

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`TRUST_PROXY on ${kind}`, () => {
    const servers: TestServer[] = [];
    after(() => Promise.all(servers.map((s) => s.close())));
    const unknownCode = (s: TestServer) => `${s.issuer}/preauth/${'B'.repeat(43)}`;
    const from = (url: string, ip: string) => fetch(url, { headers: { 'x-forwarded-for': ip, accept: 'application/json' } }).then((r) => r.status);

    it('off (the default): X-Forwarded-For is ignored; every request counts for the socket address', async () => {
      const server = await startServer({ kind, limits: { redeem: 1 } });
      servers.push(server);
      assert.equal(await from(unknownCode(server), '192.0.2.1'), 400);
      assert.equal(await from(unknownCode(server), '192.0.2.2'), 429);
    });

    it('on: the client IP is the address the proxy appended to X-Forwarded-For', async () => {
      const server = await startServer({ kind, limits: { redeem: 1 }, trustProxy: true });
      servers.push(server);
      assert.equal(await from(unknownCode(server), '192.0.2.1'), 400);
      assert.equal(await from(unknownCode(server), '192.0.2.2'), 400);
      // a client's own spoofed entry comes first; the proxy's entry (last) decides
      assert.equal(await from(unknownCode(server), '198.51.100.1, 192.0.2.1'), 429);
    });
  });
}

describe('ISSUER with a path prefix', () => {
  let server: IssuerServer;
  after(() => server?.close());

  it('runs a whole two-step login under the path; discovery lists only endpoints under the issuer', async () => {
    server = await startIssuerServer((base) => `${base}/login`);
    const { issuer, base } = server;

    const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json() as Record<string, unknown>;
    assert.equal(discovery.issuer, issuer);
    const urls = Object.entries(discovery).filter(([, v]) => typeof v === 'string' && /^https?:/.test(v as string));
    assert.ok(urls.length >= 8, `endpoints: ${urls.map(([k]) => k)}`);
    for (const [name, value] of urls) if (name !== 'issuer') assert.ok((value as string).startsWith(`${issuer}/`), `${name}: ${value}`);
    assert.equal((await fetch(`${base}/.well-known/openid-configuration`)).status, 404, 'nothing outside the path');
    assert.equal((await fetch(`${base}/token`, { method: 'POST' })).status, 404);

    const rp = await registerClient(server);
    const account = await createAccount(server, 'pat', 'pat-password');
    const created = await fetch(`${issuer}/admin/accounts`, {
      method: 'POST',
      headers: { authorization: 'Bearer issuer-test-admin-token-0123456789', 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'quinn', password: 'quinn-password' }),
    });
    assert.equal(created.status, 201);
    assert.ok(created.headers.get('location')?.startsWith(`${issuer}/admin/accounts/`), `Location: ${created.headers.get('location')}`);
    const { verifier, challenge } = await pkce();
    const step1 = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('pat', 'pat-password', { p: 1 }), code_challenge: challenge, state: 's1' });
    assert.equal(step1.status, 200, JSON.stringify(step1.body));
    assert.ok(step1.body.preauth_url.startsWith(`${issuer}/preauth/`), step1.body.preauth_url);

    const { setCookies } = await walk(server, step1.body.preauth_url, {}, new Map());
    for (const header of setCookies) assert.match(header, /;\s*path=\/login(\/|;|$)/i, `cookie path under the issuer: ${header.slice(0, 60)}`);

    const browser = new Browser(issuer);
    const step1b = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('pat', 'pat-password', { p: 2 }), code_challenge: challenge, state: 's2' });
    const landing = await browser.open(step1b.body.preauth_url);
    assert.ok(landing.external, `ended at ${landing.url}`);
    const tokens = await exchange(await relyingParty(server, rp), landing.url.href, { verifier, state: 's2' });
    assert.equal(tokens.claims()!.sub, account.sub);
    assert.equal(tokens.claims()!.iss, issuer);
    assert.deepEqual((await readHandoff(server, tokens.access_token)).body.payload, { username: 'pat', data: { p: 2 } });

    // An interactive login page posts its form under the path too.
    const auth = new URL(`${issuer}/auth`);
    for (const [k, v] of Object.entries({ client_id: rp.client_id, response_type: 'code', scope: 'openid', redirect_uri: REDIRECT_URI, code_challenge: challenge, code_challenge_method: 'S256' })) auth.searchParams.set(k, v);
    const page = await new Browser(issuer).open(auth);
    assert.equal(page.external, false);
    assert.ok(page.url.pathname.startsWith('/login/interaction/'), page.url.pathname);
    if (!page.external) {
      const actions = [...page.body.matchAll(/action="([^"]+)"/g)].map((m) => m[1]);
      assert.ok(actions.length >= 1 && actions.every((a) => a.startsWith('/login/interaction/')), `form actions: ${actions}`);
    }
  });
});

describe('the standalone server reads ISSUER with a path, TRUST_PROXY and RATE_LIMIT_* from its environment', () => {
  after(cleanupChildren);

  it('serves under the path, believes X-Forwarded-For, and applies the configured limit', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const issuer = `http://localhost:${port}/login`;
    const child = runServer({ PORT: String(port), ISSUER: issuer, TRUST_PROXY: 'true', RATE_LIMIT_REDEEM: '1', ADMIN_TOKEN: 'env-admin-token-0123456789' });
    await waitForLine(child, /"msg":"handoff listening"/);
    const discovery = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json() as { issuer: string; authorization_endpoint: string };
    assert.equal(discovery.issuer, issuer);
    assert.equal(discovery.authorization_endpoint, `${issuer}/auth`);
    const code = `${issuer}/preauth/${'C'.repeat(43)}`;
    const from = (ip: string) => fetch(code, { headers: { 'x-forwarded-for': ip, accept: 'application/json' } }).then((r) => r.status);
    assert.equal(await from('192.0.2.10'), 400);
    assert.equal(await from('192.0.2.11'), 400);
    assert.equal(await from('192.0.2.10'), 429);
    assert.equal(await stopServer(child), 0);
  });
});
