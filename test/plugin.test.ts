/**
 * An outside provider (test/fixtures/xml-provider.ts, written against the
 * package name only): registered through library options and through
 * PREAUTH_PLUGINS in the standalone server, with its own XML request and
 * answer at the native endpoint and through the custom grant.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import mount from 'koa-mount';
import { pino } from 'pino';
import { createHandoff, defineProvider } from 'handoff';
import { xmlTicket } from './fixtures/xml-provider.js';
import { Browser } from './support/browser.js';
import {
  basic, createAccount, exchange, grantRequest, nativeRequest, passwordPayload, pkce, readHandoff, registerClient, relyingParty, REDIRECT_URI,
  PREAUTH_GRANT, type RegisteredClient,
} from './support/preauth.js';
import { adminClient, startServer, type TestServer } from './support/server.js';
import { assertRefused, cleanupChildren, freePort, runServer, stopServer, tempDir, waitForLine } from './support/spawn.js';

const FIXTURE = fileURLToPath(new URL('./fixtures/xml-provider.ts', import.meta.url));
const ACR = 'urn:handoff:preauth:xml-ticket';

const escapeXml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const unescapeXml = (text: string) => text.replace(/&(lt|gt|quot|apos|amp);/g, (_m, e: string) =>
  ({ lt: '<', gt: '>', quot: '"', apos: "'", amp: '&' } as Record<string, string>)[e]);

function ticket(user: string, secret: string, data?: string): string {
  return `<?xml version="1.0"?><ticket><user>${escapeXml(user)}</user><secret>${escapeXml(secret)}</secret>${
    data === undefined ? '' : `<data>${escapeXml(data)}</data>`}</ticket>`;
}

/** The fixture's native answer: `<preauth><url>…</url><expiresIn>…</expiresIn></preauth>`. */
function parsePreauth(xml: string): { url: string; expiresIn: number } {
  const match = /^\s*<preauth><url>([^<]*)<\/url><expiresIn>(\d+)<\/expiresIn><\/preauth>\s*$/.exec(xml);
  assert.ok(match, `a <preauth> document: ${xml}`);
  return { url: unescapeXml(match[1]), expiresIn: Number(match[2]) };
}

function parseXmlError(xml: string): { code: string; description: string } {
  const match = /^\s*<error><code>([^<]*)<\/code><description>([^<]*)<\/description><\/error>\s*$/.exec(xml);
  assert.ok(match, `an <error> document: ${xml}`);
  return { code: unescapeXml(match[1]), description: unescapeXml(match[2]) };
}

describe('the package entry point', () => {
  it("import { createHandoff, defineProvider } from 'handoff' works", () => {
    assert.equal(typeof createHandoff, 'function');
    assert.equal(typeof defineProvider, 'function');
  });

  it('createHandoff builds a Koa application that another Koa app can mount', async () => {
    const http = createHttpServer();
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    const dataDir = tempDir();
    const handoff = await createHandoff({ issuer, dataDir, adminToken: 'library-admin-token', providers: [xmlTicket], logger: pino({ level: 'silent' }) });
    try {
      assert.equal(typeof handoff.callback, 'function', 'a Koa application');
      assert.deepEqual(handoff.providers.ids(), ['password', 'signed-jwt', 'hmac-form', 'xml-ticket']);
      const outer = new Koa();
      outer.keys = ['the outer app signs its own cookies with another key'];
      outer.use(async (ctx, next) => {
        ctx.set('x-outer', 'yes');
        await next();
      });
      outer.use(mount(handoff));
      http.on('request', outer.callback());
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('x-outer'), 'yes');
      assert.equal((await res.json() as { issuer: string }).issuer, issuer);
      const admin = await fetch(`${issuer}/admin/clients`, { headers: { authorization: 'Bearer library-admin-token' } });
      assert.equal(admin.status, 200);

      // A whole two-step login through the mount: cookies must survive it.
      const embedded = { issuer, admin: adminClient(issuer, 'library-admin-token') };
      const rp = await registerClient(embedded, { preauth_providers: ['password'] });
      const account = await createAccount(embedded, 'embedded', 'embedded-password');
      const step1 = await grantRequest(embedded, rp, { provider: 'password', payload: passwordPayload('embedded', 'embedded-password') });
      const landing = await new Browser(issuer).open(step1.body.preauth_url);
      assert.ok(landing.external, `ended at ${landing.url}`);
      const tokens = await exchange(await relyingParty(embedded, rp), landing.url.href, {});
      assert.equal(tokens.claims()!.sub, account.sub);

      // The interactive login page reads oidc-provider's interaction cookie with handoff's keys.
      const { challenge } = await pkce();
      const auth = new URL('/auth', issuer);
      for (const [k, v] of Object.entries({ client_id: rp.client_id, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: challenge, code_challenge_method: 'S256' })) auth.searchParams.set(k, v);
      const page = await new Browser(issuer).open(auth);
      assert.equal(page.external, false);
      assert.equal(page.status, 200, `login page: ${page.external ? '' : page.body.slice(0, 200)}`);
      assert.match(page.external ? '' : page.body, /type="password"/);
    } finally {
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await handoff.close();
    }
  });
});

describe('an outside provider passed in `providers`', () => {
  let server: TestServer;
  let rp: RegisteredClient;

  before(async () => {
    server = await startServer({ providers: [xmlTicket] });
    rp = await registerClient(server, { preauth_providers: ['xml-ticket'] });
  });
  after(() => server?.close());

  /** Step 2 and the code exchange; returns the tokens. */
  async function redeem(preauthUrl: string, checks: { verifier: string; state: string }) {
    const landing = await new Browser(server.issuer).open(preauthUrl);
    assert.ok(landing.external, `redirected to the client, got ${landing.status} ${landing.url}`);
    assert.equal(`${landing.url.origin}${landing.url.pathname}`, REDIRECT_URI);
    assert.equal(landing.url.searchParams.get('state'), checks.state);
    return exchange(await relyingParty(server, rp), landing.url.toString(), checks);
  }

  it('native XML request with HTTP Basic → 200 XML; redeemed, exchanged, and its payload read', async () => {
    const { verifier, challenge } = await pkce();
    const state = randomUUID();
    const data = 'cart <42> & "more"';
    const res = await nativeRequest(server, 'xml-ticket', ticket('alice', 'open-sesame', data), 'application/xml', {
      auth: basic(rp.client_id, rp.client_secret),
      query: { state, code_challenge: challenge, code_challenge_method: 'S256' },
    });
    assert.equal(res.status, 200, res.text);
    assert.match(res.type, /^application\/xml\b/);
    const answer = parsePreauth(res.text);
    assert.ok(answer.url.startsWith(`${server.issuer}/preauth/`), answer.url);
    assert.equal(answer.expiresIn, 120);

    const tokens = await redeem(answer.url, { verifier, state });
    const claims = tokens.claims()!;
    assert.equal(claims.acr, ACR);
    assert.equal(claims.sub, `${rp.client_id}|alice`);
    assert.ok(claims.sid, 'sid');

    const handoff = await readHandoff(server, tokens.access_token);
    assert.equal(handoff.status, 200, JSON.stringify(handoff.body));
    assert.equal(handoff.body.provider, 'xml-ticket');
    assert.equal(handoff.body.client_id, rp.client_id);
    assert.equal(handoff.body.sub, `${rp.client_id}|alice`);
    assert.deepEqual(handoff.body.payload, { user: 'alice', data });
  });

  it('text/xml is accepted too', async () => {
    const res = await nativeRequest(server, 'xml-ticket', ticket('bob', 'open-sesame'), 'text/xml; charset=utf-8', {
      auth: basic(rp.client_id, rp.client_secret),
    });
    assert.equal(res.status, 200, res.text);
    parsePreauth(res.text);
  });

  it('a wrong ticket secret → 400 XML error with code invalid_grant', async () => {
    const res = await nativeRequest(server, 'xml-ticket', ticket('alice', 'wrong'), 'application/xml', {
      auth: basic(rp.client_id, rp.client_secret),
    });
    assert.equal(res.status, 400, res.text);
    assert.match(res.type, /^application\/xml\b/);
    assert.equal(parseXmlError(res.text).code, 'invalid_grant');
  });

  it('the pipeline errors come in the XML format too', async () => {
    const wrongSecret = await nativeRequest(server, 'xml-ticket', ticket('alice', 'open-sesame'), 'application/xml', {
      auth: basic(rp.client_id, `${rp.client_secret}-wrong`),
    });
    assert.equal(wrongSecret.status, 401, wrongSecret.text);
    assert.equal(parseXmlError(wrongSecret.text).code, 'invalid_client');

    const malformed = await nativeRequest(server, 'xml-ticket', '<ticket><user>alice</user>', 'application/xml', {
      auth: basic(rp.client_id, rp.client_secret),
    });
    assert.equal(malformed.status, 400, malformed.text);
    assert.equal(parseXmlError(malformed.text).code, 'invalid_request');

    const schema = await nativeRequest(server, 'xml-ticket', '<ticket><user>alice</user></ticket>', 'application/xml', {
      auth: basic(rp.client_id, rp.client_secret),
    });
    assert.equal(schema.status, 400, schema.text);
    assert.equal(parseXmlError(schema.text).code, 'invalid_request');
  });

  it('a client without xml-ticket in preauth_providers → unauthorized_client', async () => {
    const other = await registerClient(server, { preauth_providers: ['password'] });
    const res = await nativeRequest(server, 'xml-ticket', ticket('alice', 'open-sesame'), 'application/xml', {
      auth: basic(other.client_id, other.client_secret),
    });
    assert.equal(res.status, 400, res.text);
    assert.equal(parseXmlError(res.text).code, 'unauthorized_client');
  });

  it('through the custom grant: JSON answer, then the same login', async () => {
    const { verifier, challenge } = await pkce();
    const state = randomUUID();
    const res = await grantRequest(server, rp, {
      provider: 'xml-ticket', payload: ticket('alice', 'open-sesame', 'via grant'), state, code_challenge: challenge, code_challenge_method: 'S256',
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.ok(String(res.body.preauth_url).startsWith(`${server.issuer}/preauth/`));
    assert.equal(res.body.token_type, 'N_A');

    const tokens = await redeem(res.body.preauth_url, { verifier, state });
    assert.equal(tokens.claims()!.acr, ACR);
    assert.equal(tokens.claims()!.sub, `${rp.client_id}|alice`);
    const handoff = await readHandoff(server, tokens.access_token);
    assert.equal(handoff.body.provider, 'xml-ticket');
    assert.deepEqual(handoff.body.payload, { user: 'alice', data: 'via grant' });

    const wrong = await grantRequest(server, rp, { provider: 'xml-ticket', payload: ticket('alice', 'wrong') });
    assert.equal(wrong.status, 400, JSON.stringify(wrong.body));
    assert.equal(wrong.body.error, 'invalid_grant');
  });
});

describe('PREAUTH_PLUGINS in the standalone server', () => {
  after(cleanupChildren);

  it('loads the fixture by absolute path and serves its native endpoint', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const adminToken = `admin-${randomUUID()}`;
    const issuer = `http://localhost:${port}`;
    const child = runServer({ PORT: String(port), ADMIN_TOKEN: adminToken, PREAUTH_PLUGINS: FIXTURE });
    try {
      const listening = await waitForLine(child, /"msg":"handoff listening"/, 30_000);
      assert.match(listening, /xml-ticket/, 'the plugin is among the providers');

      const registered = await fetch(`${issuer}/admin/clients`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          redirect_uris: [REDIRECT_URI],
          grant_types: ['authorization_code', PREAUTH_GRANT],
          response_types: ['code'],
          preauth_providers: ['xml-ticket'],
        }),
      });
      const rp = await registered.json() as RegisteredClient;
      assert.equal(registered.status, 201, JSON.stringify(rp));

      const res = await fetch(`${issuer}/providers/xml-ticket/preauth`, {
        method: 'POST',
        headers: { 'content-type': 'application/xml', authorization: basic(rp.client_id, rp.client_secret) },
        body: ticket('alice', 'open-sesame'),
      });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.match(res.headers.get('content-type') ?? '', /^application\/xml\b/);
      const answer = parsePreauth(text);
      assert.ok(answer.url.startsWith(`${issuer}/preauth/`), `${answer.url} is under ${issuer}`);
    } finally {
      assert.equal(await stopServer(child), 0);
    }
  });

  it('a module that exports no provider → exit 1 with one line naming PREAUTH_PLUGINS', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    const plugin = join(dir, 'not-a-provider.mjs');
    writeFileSync(plugin, 'export const x = 1;\n');
    await assertRefused(runServer({ PREAUTH_PLUGINS: plugin, ADMIN_TOKEN: `admin-${randomUUID()}` }, dir), 'PREAUTH_PLUGINS');
  });

  it('a module that does not exist → exit 1 with one line naming PREAUTH_PLUGINS', { timeout: 30_000 }, async () => {
    const dir = tempDir();
    await assertRefused(runServer({ PREAUTH_PLUGINS: join(dir, 'missing.mjs'), ADMIN_TOKEN: `admin-${randomUUID()}` }, dir), 'PREAUTH_PLUGINS');
  });
});
