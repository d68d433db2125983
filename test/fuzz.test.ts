/**
 * Contract §8: bad input of any shape gets a 4xx, never a 5xx. A seeded
 * (deterministic) stream of malformed requests hits every surface on both
 * stores: the custom grant with each provider, each native endpoint,
 * `/preauth/*`, `/handoff`, the admin API, the interaction routes and the
 * standard endpoints. Afterwards the server must still answer, and a valid
 * two-step login must still work. The first 5xx is reported in full.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Agent, request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { Browser } from './support/browser.js';
import {
  basic, createAccount, exchange, grantRequest, passwordPayload, registerClient, relyingParty, PREAUTH_GRANT, REDIRECT_URI,
  type RegisteredClient,
} from './support/preauth.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const REQUESTS = Number(process.env.FUZZ_REQUESTS ?? 2000);
const CONCURRENCY = 8;
/**
 * Nesting depth of payload data that passes authentication and reaches the
 * store. Deeper data needs the pipeline's JSON depth limit (contract §8).
 */
const STORED_DEPTH = 20_000;

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const b64u = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const nest = (depth: number, leaf: unknown, asArray: boolean) => {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = asArray ? [v] : { a: v };
  return v;
};
const deepText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

/** Hostile scalars, objects and texts, in the shapes the audit listed. */
function value(r: Rng): unknown {
  switch (r.int(14)) {
    case 0: return { $gt: '' };
    case 1: return JSON.parse('{"__proto__":{"admin":true},"constructor":{"prototype":{"x":1}}}');
    // Deeper nesting travels as text (see body()): JSON.stringify itself would overflow.
    case 2: return nest(r.pick([20, 200, 900]), 'x', r.next() < 0.5);
    case 3: return r.pick([null, true, 0, -1, 1e308, Number.MAX_SAFE_INTEGER + 2, [], {}, [[]]]);
    case 4: return 'x'.repeat(r.pick([0, 1, 2049, 70_000]));
    case 5: return '\u0000\ud800\udfff\u202e<script>';
    case 6: return { $where: 'sleep(1000)', $ne: null, 'a.b': 1, '': 2 };
    case 7: return [{ $gt: '' }, '__proto__'];
    default: return r.pick(['', ' ', 'a', 'alice', 'password', 'signed-jwt', 'hmac-form', 'nobody', '%zz', '../../etc/passwd', 'openid', '0']);
  }
}

function text(r: Rng): string {
  const v = value(r);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function jwt(r: Rng, clientId: string, issuer: string): string {
  const now = Math.floor(Date.now() / 1000);
  const header = r.pick<Record<string, unknown>>([
    { alg: 'none' }, { alg: 'None' }, { alg: 'HS256', kid: '../../k' }, { alg: 'RS256', jku: 'http://127.0.0.1:1/jwks' },
    { alg: 'ES256', crit: ['b64'], b64: false }, { alg: 'HS256', kid: { $gt: '' } }, { alg: 42 }, {}, { alg: 'EdDSA', x5u: 'http://x' },
  ]);
  const claims = r.pick<unknown>([
    { iss: clientId, aud: issuer, sub: 'u', iat: now, exp: now + 60, jti: 'j' },
    { iss: [clientId], aud: { $gt: '' }, sub: {}, exp: '9', iat: null, jti: 1 },
    { iss: clientId, aud: issuer, sub: clientId, iat: now, exp: now + 60, jti: '__proto__', __proto__: { admin: true } },
    value(r), 'not json',
  ]);
  const sig = r.pick(['', 'AAAA', b64u('x'.repeat(64)), '!!!']);
  return r.pick([`${b64u(header)}.${b64u(claims)}.${sig}`, `${b64u(header)}.${b64u(claims)}`, `${b64u(header)}..${sig}`, 'a.b.c.d.e', text(r)]);
}

interface Fuzzed {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Buffer;
}

const TYPES = ['application/json', 'application/x-www-form-urlencoded', 'application/jwt', 'text/plain', 'multipart/form-data; boundary=x',
  'application/json; charset=utf-16', 'application/x-www-form-urlencoded; charset=latin1', '', '*/*', 'application/json;;;'];
const INVALID_UTF8 = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0xed, 0xa0, 0x80, 0x22, 0x7d]);

function body(r: Rng, ctx: Ctx): string | Buffer {
  switch (r.int(8)) {
    case 0: return INVALID_UTF8;
    case 1: return r.next() < 0.5 ? deepText(r.pick([100, 3000, 100_000])) : `{"username":"a","password":"b","data":${deepText(r.pick([3000, 50_000]))}}`;
    case 2: return JSON.stringify(value(r));
    case 3: return jwt(r, ctx.rp.client_id, ctx.server.issuer);
    case 4: return `{"username":${JSON.stringify(value(r))},"password":${JSON.stringify(value(r))},"data":${JSON.stringify(value(r))},"__proto__":{"x":1},"$gt":""}`;
    case 5: {
      const form = new URLSearchParams();
      for (let i = r.int(6); i >= 0; i--) form.append(r.pick(['client_id', 'sub', 'ts', 'nonce', 'sig', '__proto__', 'constructor', 'x[$gt]', 'a']), text(r));
      return form.toString();
    }
    case 6: return r.pick(['', '{', 'null', '[]', '"str"', '%', 'a=%zz&b=%', 'a=1&a=2&a=3', '\u0000']);
    default: return Buffer.from(Array.from({ length: r.int(300) }, () => r.int(256)));
  }
}

function headers(r: Rng, ctx: Ctx, type: string): Record<string, string> {
  const h: Record<string, string> = type ? { 'content-type': type } : {};
  switch (r.int(9)) {
    case 0: h.authorization = basic(ctx.rp.client_id, ctx.rp.client_secret); break;
    case 1: h.authorization = r.pick(['Basic !!!', 'Basic ', `Basic ${b64u('no-colon')}`, `Basic ${Buffer.from('%zz:%zz').toString('base64')}`, 'Bearer', `Bearer ${'x'.repeat(9000)}`, 'Digest x']); break;
    case 2: h.authorization = `Bearer ${ctx.adminToken}`; break;
    case 3: h.cookie = r.pick(['_session=%zz', `_interaction=${'a'.repeat(7000)}`, '__proto__=1; constructor=2', 'a']); break;
    case 4: h['x-huge'] = 'h'.repeat(r.pick([4000, 20_000])); break;
    case 5: h.accept = r.pick(['application/json', 'text/html', '*/*;q=0', 'a/b;q=x']); break;
    case 6: h['x-forwarded-for'] = r.pick(['::1, 10.0.0.1', '%zz', 'x'.repeat(3000)]); break;
    default: break;
  }
  return h;
}

interface Ctx {
  server: TestServer;
  rp: RegisteredClient;
  adminToken: string;
  uid: string;
}

function request(r: Rng, ctx: Ctx): Fuzzed {
  const type = r.pick(TYPES);
  const h = headers(r, ctx, type);
  const q = (names: string[]) => `?${new URLSearchParams(names.map((n): [string, string] => [n, text(r)])).toString()}`;
  const provider = r.pick(['password', 'signed-jwt', 'hmac-form', 'nope', '%2e%2e', '__proto__', 'PASSWORD']);
  switch (r.int(12)) {
    case 0: case 1: { // the custom grant, per provider
      const form = new URLSearchParams({ grant_type: r.next() < 0.9 ? PREAUTH_GRANT : text(r), provider, payload: r.next() < 0.5 ? jwt(r, ctx.rp.client_id, ctx.server.issuer) : text(r) });
      for (const name of ['redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'provider']) {
        if (r.next() < 0.2) form.append(name, text(r));
      }
      return { method: 'POST', path: '/token', headers: { ...h, 'content-type': r.next() < 0.8 ? 'application/x-www-form-urlencoded' : type, authorization: h.authorization ?? basic(ctx.rp.client_id, ctx.rp.client_secret) }, body: r.next() < 0.85 ? form.toString() : body(r, ctx) };
    }
    case 2: case 3: { // the native endpoints, mostly in each provider's own media type and client identification
      const native = r.pick(['password', 'signed-jwt', 'hmac-form'] as const);
      const own = { password: 'application/json', 'signed-jwt': 'application/jwt', 'hmac-form': 'application/x-www-form-urlencoded' }[native];
      const nh = r.next() < 0.7 ? { ...h, 'content-type': own } : h;
      if (native === 'password' && r.next() < 0.6) nh.authorization = basic(ctx.rp.client_id, ctx.rp.client_secret);
      let nb = body(r, ctx);
      if (native === 'hmac-form' && r.next() < 0.6) {
        const form = new URLSearchParams({ client_id: ctx.rp.client_id, sub: text(r), ts: r.pick([String(Math.floor(Date.now() / 1000)), '9'.repeat(20), '-1', text(r)]), nonce: text(r), sig: r.pick(['a'.repeat(64), text(r)]) });
        form.append(r.pick(['__proto__', 'constructor', 'sub', 'x']), text(r));
        nb = form.toString();
      }
      const path = r.next() < 0.85 ? `/providers/${native}/preauth` : `/providers/${provider}/preauth`;
      return { method: r.pick(['POST', 'POST', 'POST', 'GET', 'PUT']), path: `${path}${r.next() < 0.3 ? q(['state', 'redirect_uri', 'scope', 'code_challenge', 'response_mode', 'bind_ip']) : ''}`, headers: nh, body: nb };
    }
    case 10: { // valid credentials carrying hostile payload data, all the way to the store (rarer: each costs a password hash)
      if (r.next() > 0.3) return { method: 'GET', path: `/preauth/${encodeURIComponent(text(r)).slice(0, 100)}`, headers: h };
      const data = r.pick([() => deepText(STORED_DEPTH), () => JSON.stringify(value(r)), () => '{"__proto__":{"polluted":true},"constructor":{"prototype":{"p":1}},"$gt":""}', () => '{"$where":"1","a.b":{"$ne":null}}']);
      const payload = `{"username":"fuzz-user","password":"fuzz-password","data":${data()}}`;
      return r.next() < 0.5
        ? { method: 'POST', path: '/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(ctx.rp.client_id, ctx.rp.client_secret) }, body: new URLSearchParams({ grant_type: PREAUTH_GRANT, provider: 'password', payload }).toString() }
        : { method: 'POST', path: '/providers/password/preauth', headers: { 'content-type': 'application/json', authorization: basic(ctx.rp.client_id, ctx.rp.client_secret) }, body: payload };
    }
    case 4: // redemption
      return { method: r.pick(['GET', 'HEAD', 'POST']), path: `/preauth/${r.pick(['', 'x', 'A'.repeat(43), '%FF%FE', '%00', '..%2F..', encodeURIComponent(text(r)).slice(0, 3000)])}`, headers: h, body: undefined };
    case 5: // the payload route
      return { method: r.pick(['GET', 'POST']), path: '/handoff', headers: { ...h, authorization: r.pick([`Bearer ${text(r)}`.slice(0, 8000), 'Bearer', h.authorization ?? '']) }, body: undefined };
    case 6: case 7: { // the admin API
      const id = encodeURIComponent(text(r)).slice(0, 2000) || 'x';
      const [method, path] = r.pick<[string, string]>([['POST', '/admin/clients'], ['PATCH', `/admin/clients/${id}`], ['GET', `/admin/clients/${id}`],
        ['DELETE', `/admin/clients/${id}`], ['POST', '/admin/accounts'], ['GET', `/admin/accounts/${id}`], ['DELETE', `/admin/accounts/${id}`],
        ['PATCH', `/admin/clients/${encodeURIComponent(ctx.rp.client_id)}`], ['GET', '/admin/%FF'], ['PUT', '/admin/clients']]);
      const json = r.pick([
        () => JSON.stringify({ redirect_uris: value(r), client_id: value(r), grant_types: value(r), jwks: value(r), preauth_providers: value(r), token_endpoint_auth_method: value(r) }),
        () => JSON.stringify({ username: value(r), password: value(r), claims: value(r) }),
        () => `{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}},"redirect_uris":["${REDIRECT_URI}"]}`,
        () => JSON.stringify({ redirect_uris: [REDIRECT_URI], client_name: { $gt: '' }, preauth_ttl: { $gt: 0 }, scope: ['openid'] }),
        () => body(r, ctx),
      ])();
      return { method, path, headers: { ...h, authorization: r.next() < 0.85 ? `Bearer ${ctx.adminToken}` : (h.authorization ?? '') }, body: method === 'GET' || method === 'DELETE' ? undefined : json };
    }
    case 8: { // the interaction routes
      const uid = r.next() < 0.6 ? ctx.uid : encodeURIComponent(text(r)).slice(0, 500) || 'x';
      const action = r.pick(['', '/login', '/confirm', '/abort', '/%FF']);
      const form = new URLSearchParams([['username', text(r)], ['password', text(r)], [r.pick(['__proto__', 'prompt', 'username']), text(r)]] as [string, string][]);
      return { method: action === '' ? 'GET' : r.pick(['POST', 'GET']), path: `/interaction/${uid}${action}`, headers: h, body: r.next() < 0.7 ? form.toString() : body(r, ctx) };
    }
    case 9: // the standard endpoints
      return r.pick<Fuzzed>([
        { method: 'GET', path: `/auth${q(['client_id', 'response_type', 'redirect_uri', 'scope', 'state', 'code_challenge', 'claims', 'request', 'max_age'])}`, headers: h },
        { method: 'POST', path: '/request', headers: { ...h, authorization: basic(ctx.rp.client_id, ctx.rp.client_secret) }, body: body(r, ctx) },
        { method: 'POST', path: '/token/introspection', headers: { ...h, authorization: basic(ctx.rp.client_id, ctx.rp.client_secret) }, body: body(r, ctx) },
        { method: 'GET', path: `/session/end${q(['id_token_hint', 'post_logout_redirect_uri', 'state', 'client_id'])}`, headers: h },
        { method: 'GET', path: '/me', headers: { ...h, authorization: `Bearer ${text(r)}`.slice(0, 5000) } },
        { method: 'POST', path: '/token', headers: { ...h, 'content-type': 'application/x-www-form-urlencoded' }, body: `grant_type=authorization_code&code=${encodeURIComponent(text(r))}&client_id=${ctx.rp.client_id}` },
      ]);
    case 11: default: // anything anywhere
      return { method: r.pick(['GET', 'POST', 'OPTIONS', 'DELETE', 'PATCH']), path: r.pick(['/', '/%', '/%FF', '/admin', '/jwks', '/.well-known/openid-configuration', '/PREAUTH/x', '//preauth/x', `/${'a'.repeat(5000)}`]), headers: h, body: r.next() < 0.5 ? body(r, ctx) : undefined };
  }
}

/** node:http rather than fetch: the same requests for a fraction of the client's CPU. */
const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
function send(port: number, req: Fuzzed): Promise<{ status: number; answer: string }> {
  return new Promise((resolve, reject) => {
    const out = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.path, headers: req.headers, agent }, (res) => {
      let answer = '';
      res.setEncoding('utf8').on('data', (chunk: string) => { if (answer.length < 300) answer += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, answer: answer.slice(0, 300) }));
      res.on('error', reject);
    });
    out.on('error', reject);
    out.end(req.body);
  });
}

/** A raw request line with bytes fetch would never send (invalid UTF-8, control characters). */
function raw(port: number, line: Buffer): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(Buffer.concat([line, Buffer.from('\r\nHost: x\r\nConnection: close\r\n\r\n')])));
    let answer = '';
    socket.setEncoding('latin1').on('data', (d: string) => { answer += d; });
    socket.on('close', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', () => resolve(answer.split('\r\n')[0] ?? ''));
  });
}

function describeRequest(req: Fuzzed): string {
  const shown = (v: string) => (v.length > 300 ? `${v.slice(0, 300)}… (${v.length} chars)` : v);
  const b = req.body === undefined ? '' : Buffer.isBuffer(req.body) ? `<${req.body.length} bytes: ${req.body.toString('hex').slice(0, 200)}>` : shown(req.body);
  return `${req.method} ${shown(req.path)}\nheaders: ${shown(JSON.stringify(req.headers))}\nbody: ${b}`;
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`fuzz: malformed requests get a 4xx, never a 5xx (${kind})`, () => {
    let ctx: Ctx;
    before(async () => {
      const server = await startServer({ kind });
      const rp = await registerClient(server);
      await createAccount(server, 'fuzz-user', 'fuzz-password');
      const browser = new Browser(server.issuer);
      const auth = new URL('/auth', server.issuer);
      auth.search = new URLSearchParams({ client_id: rp.client_id, response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256' }).toString();
      const landing = await browser.open(auth);
      ctx = { server, rp, adminToken: server.adminToken, uid: landing.url.pathname.split('/').pop()! };
    });
    after(async () => {
      agent.destroy();
      await ctx?.server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it(`${REQUESTS} seeded malformed requests (seed ${SEED}) → 0 × 5xx; the server still serves afterwards`, { timeout: 180_000 }, async () => {
      const port = Number(new URL(ctx.server.issuer).port);
      const r = prng(SEED);
      const requests = Array.from({ length: REQUESTS }, () => request(r, ctx));
      const failures: string[] = [];
      // FUZZ_STATS=1 prints how often each route answered each status: what the run reached.
      const stats = new Map<string, number>();
      let skipped = 0;
      let next = 0;
      await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
        while (next < requests.length) {
          const i = next++;
          const req = requests[i]!;
          let status: number;
          let answer = '';
          try {
            ({ status, answer } = await send(port, req));
          } catch {
            // The server refused the request line or a header by closing the
            // connection (not a 5xx), or node refused to send a header value.
            skipped += 1;
            continue;
          }
          const key = `${req.method} ${req.path.split('?')[0]!.slice(0, 30)} ${status}`;
          stats.set(key, (stats.get(key) ?? 0) + 1);
          if (status >= 500) failures.push(`#${i} → ${status} ${answer}\n${describeRequest(req)}`);
        }
      }));
      if (process.env.FUZZ_STATS) console.log([...stats].sort().map(([k, v]) => `${v}\t${k}`).join('\n'));
      // Nearly every request must get an HTTP answer, or the run proves little.
      assert.ok(skipped <= REQUESTS / 50, `${skipped} of ${REQUESTS} requests got no HTTP answer`);
      assert.equal(failures.length, 0, `${failures.length} requests got a 5xx; the first:\n${failures[0]}`);

      for (const line of [Buffer.from('GET /preauth/\xff\xfe\x80 HTTP/1.1', 'latin1'), Buffer.from('GET /admin/clients/\xc3\x28 HTTP/1.1', 'latin1'),
        Buffer.from('POST /providers/\x00/preauth HTTP/1.1', 'latin1'), Buffer.from(`GET /${'%'.repeat(3000)} HTTP/1.1`)]) {
        const status = await raw(port, line);
        assert.ok(status === '' || /^HTTP\/1\.1 4\d\d /.test(status), `${JSON.stringify(line.toString('latin1'))} → ${status}`);
      }

      // Still serving: discovery, and a whole valid two-step login.
      assert.equal((await fetch(`${ctx.server.issuer}/.well-known/openid-configuration`)).status, 200);
      const step1 = await grantRequest(ctx.server, ctx.rp, { provider: 'password', payload: passwordPayload('fuzz-user', 'fuzz-password') });
      assert.equal(step1.status, 200, JSON.stringify(step1.body));
      const landing = await new Browser(ctx.server.issuer).open(step1.body.preauth_url);
      assert.equal(landing.external, true);
      const tokens = await exchange(await relyingParty(ctx.server, ctx.rp), landing.url.href, {});
      assert.ok(tokens.access_token);
    });
  });
}
