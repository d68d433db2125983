/**
 * Unit tests of the built-in providers, called directly with a fake context.
 * `run` mirrors the pipeline: decode → ajv against the provider schema → authenticate.
 * The end-to-end HTTP behaviour is covered by the pipeline's own tests.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import * as jose from 'jose';
import { HttpError, type AuthenticateContext, type NativeRequest, type PreauthClient, type Provider } from '../providers/define.js';
import { password } from '../providers/password.js';
import { signedJwt } from '../providers/signed-jwt.js';
import { canonicalString, hmacForm, hmacFormSignature } from '../providers/hmac-form.js';

const ISSUER = 'https://op.example';
const NOW = 1_900_000_000;
const ajv = new Ajv({ allErrors: true });

/**
 * A fake context whose markUsed behaves like Store.insertNew: a marker is
 * single-use until its expiry (epoch seconds), a free id again afterwards,
 * and one that is already expired when written is refused (fails closed).
 */
function context(client: PreauthClient, used = new Map<string, number>(), clock = { now: NOW }): AuthenticateContext & { used: Map<string, number>; clock: { now: number } } {
  return {
    used,
    clock,
    client,
    issuer: ISSUER,
    channel: 'grant',
    clientAuthenticated: true,
    now: () => clock.now,
    async markUsed(kind, value, expiresAt) {
      const key = `${client.clientId}\n${kind}\n${value}`;
      if (expiresAt <= clock.now) return false;
      const live = used.get(key);
      if (live !== undefined && live > clock.now) return false;
      used.set(key, expiresAt);
      return true;
    },
    async verifyPassword(username, pw) {
      return username === 'alice' && pw === 'correct horse' ? { sub: 'acc-1', claims: { email: 'alice@example.com' } } : undefined;
    },
  };
}

function validate(provider: Provider, payload: unknown) {
  const check = ajv.compile(provider.schema);
  return check(payload) ? [] : check.errors!.map((e) => `${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
}

/** Decode, validate, authenticate, as the grant channel does; a schema failure throws. */
async function run(provider: Provider, decoded: unknown, ctx: AuthenticateContext) {
  const errors = validate(provider, decoded);
  if (errors.length) throw new Error(`schema: ${errors.join('; ')}`);
  return provider.authenticate(decoded, ctx);
}

async function rejects(promise: Promise<unknown>, description: string | RegExp) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof HttpError, `expected HttpError, got ${String(err)}`);
    assert.equal(err.error, 'invalid_grant');
    assert.equal(err.status, 400);
    if (typeof description === 'string') assert.equal(err.description, description);
    else assert.match(err.description ?? '', description);
    return true;
  });
}

/** A failed client authentication: what a wrong hmac-form signature is (contract §4b). */
async function rejectsClient(promise: Promise<unknown>) {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof HttpError, `expected HttpError, got ${String(err)}`);
    assert.equal(err.error, 'invalid_client');
    assert.equal(err.status, 401);
    return true;
  });
}

const nativeRequest = (body: string, contentType: string, headers: NativeRequest['headers'] = {}): NativeRequest =>
  ({ body: Buffer.from(body, 'utf8'), contentType, headers });

describe('password provider', () => {
  const client = { clientId: 'web', clientSecret: 'web-secret' };

  it('accepts a correct password and never returns it', async () => {
    const decoded = password.fromGrant!(JSON.stringify({ username: 'alice', password: 'correct horse', data: { cart: [1, 2] } }));
    const result = await run(password, decoded, context(client));
    assert.equal(password.subjects, 'account');
    assert.deepEqual(result, {
      sub: 'acc-1', claims: { email: 'alice@example.com' }, amr: ['pwd'],
      payload: { username: 'alice', data: { cart: [1, 2] } },
    });
    assert.ok(!JSON.stringify(result).includes('correct horse'));
  });

  it('gives data: null when no data was sent', async () => {
    const result = await run(password, { username: 'alice', password: 'correct horse' }, context(client));
    assert.deepEqual(result.payload, { username: 'alice', data: null });
  });

  it('answers the same for a wrong password and an unknown user', async () => {
    await rejects(run(password, { username: 'alice', password: 'wrong' }, context(client)), 'invalid username or password');
    await rejects(run(password, { username: 'mallory', password: 'correct horse' }, context(client)), 'invalid username or password');
  });

  it('schema: requires username and password, refuses other fields and empty values', () => {
    assert.deepEqual(validate(password, { username: 'a', password: 'b', data: null }), []);
    assert.match(validate(password, { username: 'a' }).join(), /password/);
    assert.match(validate(password, { username: 'a', password: 'b', admin: true }).join(), /additionalProperty.*admin/);
    assert.match(validate(password, { username: '', password: 'b' }).join(), /\/username/);
    assert.match(validate(password, { username: 'a', password: 'x'.repeat(1025) }).join(), /\/password/);
  });

  it('fromGrant: only JSON objects, and parse errors do not echo the payload', () => {
    for (const text of ['[]', 'null', '"alice"', '42']) assert.throws(() => password.fromGrant!(text), /JSON object/);
    assert.throws(() => password.fromGrant!('{"username":"a","password":"hunter2'), (err: Error) => {
      assert.ok(!err.message.includes('hunter2'), err.message);
      return /not valid JSON/.test(err.message);
    });
  });

  it('native: JSON body, HTTP Basic client, JSON answer', () => {
    const basic = `Basic ${Buffer.from('web:web%3Asecret').toString('base64')}`;
    const req = nativeRequest('{"username":"alice","password":"pw"}', 'application/json', { authorization: basic });
    assert.deepEqual(password.native.parse(req), { username: 'alice', password: 'pw' });
    assert.deepEqual(password.native.identify(req, password.native.parse(req)), { clientId: 'web', secret: 'web:secret' });
    assert.equal(password.native.identify(nativeRequest('{}', 'application/json'), {} as never), undefined);
    assert.deepEqual(password.native.respond({ preauth_url: `${ISSUER}/preauth/x`, expires_in: 120 }),
      { type: 'application/json', body: `{"preauth_url":"${ISSUER}/preauth/x","expires_in":120}` });
    assert.throws(() => password.native.parse({ ...req, body: Buffer.from([0x7b, 0xff, 0x7d]) }), /UTF-8/);
  });
});

describe('signed-jwt provider', async () => {
  const keys = new Map<string, jose.CryptoKey>();
  const jwks: jose.JWK[] = [];
  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA']) {
    const { privateKey, publicKey } = await jose.generateKeyPair(alg, { extractable: true });
    keys.set(alg, privateKey);
    jwks.push({ ...(await jose.exportJWK(publicKey)), kid: `key-${alg}`, alg });
  }
  const client: PreauthClient = {
    clientId: 'partner-1', clientSecret: 'a shared secret of enough length!', jwks: { keys: jwks }, tokenEndpointAuthMethod: 'client_secret_basic',
  };
  const hmacKey = new TextEncoder().encode(client.clientSecret);
  let counter = 0;

  function sign(alg: string, claims: jose.JWTPayload = {}, header: Partial<jose.JWTHeaderParameters> = {}, key?: jose.CryptoKey | Uint8Array) {
    const body = { iss: 'partner-1', aud: ISSUER, sub: 'user-7', iat: NOW, exp: NOW + 120, jti: `jti-${++counter}`, ...claims };
    for (const name of Object.keys(body) as (keyof typeof body)[]) if (body[name] === undefined) delete body[name];
    return new jose.SignJWT(body)
      .setProtectedHeader({ alg, ...(alg === 'HS256' ? {} : { kid: `key-${alg}` }), ...header })
      .sign(key ?? (alg === 'HS256' ? hmacKey : keys.get(alg)!));
  }
  const verify = async (jws: string, ctx = context(client)) => run(signedJwt, signedJwt.fromGrant!(jws), ctx);

  for (const alg of ['RS256', 'PS256', 'ES256', 'EdDSA', 'HS256']) {
    it(`accepts ${alg}`, async () => {
      const jws = await sign(alg, { email: 'u7@partner.example', email_verified: true, name: 42, cart: 'abc' });
      const result = await verify(jws);
      assert.equal(result.sub, 'user-7');
      assert.deepEqual(result.amr, ['pop']);
      // Only well-typed profile claims reach the ID token; `name: 42` is dropped.
      assert.deepEqual(result.claims, { email: 'u7@partner.example', email_verified: true });
      assert.deepEqual(result.payload, jose.decodeJwt(jws));
      assert.equal((result.payload as jose.JWTPayload).cart, 'abc');
    });
  }

  it('native: application/jwt body (trimmed), identified by iss without a secret', async () => {
    const jws = await sign('ES256');
    const req = nativeRequest(`${jws}\r\n`, 'application/jwt');
    const decoded = signedJwt.native.parse(req);
    assert.equal(decoded.jws, jws);
    assert.deepEqual(signedJwt.native.identify(req, decoded), { clientId: 'partner-1' });
    assert.equal(signedJwt.native.identify(req, { ...decoded, claims: { iss: 7 } as never }), undefined);
    assert.equal(signedJwt.subjects, 'partner');
  });

  it('malformed tokens throw at decode without echoing them', () => {
    for (const text of ['', 'abc', 'a.b.c', 'eyJhbGciOiJIUzI1NiJ9.bm90IGpzb24.sig']) {
      assert.throws(() => signedJwt.fromGrant!(text), (err: Error) => /compact JWS/.test(err.message) && !err.message.includes(text || '\0'));
    }
  });

  it('refuses alg none', async () => {
    const jws = new jose.UnsecuredJWT({ iss: 'partner-1', aud: ISSUER, sub: 'user-7', iat: NOW, exp: NOW + 60, jti: 'none-1' }).encode();
    assert.equal(signedJwt.fromGrant!(jws).header.alg, 'none');
    await rejects(verify(jws), 'JWS algorithm not allowed');
  });

  it('refuses algorithms outside the list even with a valid signature', async () => {
    await rejects(verify(await sign('HS512', {}, {}, hmacKey)), 'JWS algorithm not allowed');
  });

  it('refuses a wrong aud', async () => {
    await rejects(verify(await sign('RS256', { aud: 'https://other.example' })), 'the "aud" claim is not acceptable');
  });

  it('refuses a JWT issued by another client', async () => {
    const other = { clientId: 'partner-2', clientSecret: client.clientSecret, jwks: client.jwks };
    await rejects(verify(await sign('HS256'), context(other)), 'iss does not match the client');
  });

  it('refuses an expired JWT (beyond the 30 s tolerance) and accepts inside it', async () => {
    await rejects(verify(await sign('ES256', { iat: NOW - 200, exp: NOW - 31 })), 'the JWT has expired');
    await verify(await sign('ES256', { iat: NOW - 200, exp: NOW - 29 }));
  });

  it('refuses exp more than 5 minutes ahead', async () => {
    await rejects(verify(await sign('ES256', { exp: NOW + 331 })), /at most 300 seconds/);
    await rejects(verify(await sign('ES256', { exp: NOW + 3600 })), /at most 300 seconds/);
    await verify(await sign('ES256', { exp: NOW + 300 }));
  });

  it('refuses iat in the future', async () => {
    await rejects(verify(await sign('ES256', { iat: NOW + 60 })), 'iat is in the future');
  });

  it('schema refuses a JWT without jti (and other required claims)', async () => {
    const errors = validate(signedJwt, signedJwt.fromGrant!(await sign('ES256', { jti: undefined, sub: undefined })));
    assert.equal(errors.length, 2, errors.join('; '));
    assert.ok(errors.some((e) => e.includes('"jti"')) && errors.some((e) => e.includes('"sub"')));
    assert.deepEqual(validate(signedJwt, signedJwt.fromGrant!(await sign('ES256'))), []);
    assert.match(validate(signedJwt, signedJwt.fromGrant!(await sign('ES256', { exp: 'soon' as never }))).join(), /\/claims\/exp/);
  });

  it('refuses a replayed jti, per client', async () => {
    const ctx = context(client);
    const jws = await sign('EdDSA', { jti: 'once' });
    await verify(jws, ctx);
    await rejects(verify(jws, ctx), 'jti was already used');
    await rejects(verify(await sign('RS256', { jti: 'once' }), ctx), 'jti was already used');
    assert.ok(ctx.used.has('partner-1\njti\nonce'));
  });

  it('refuses a wrong key, and a forged JWT does not burn its jti', async () => {
    const ctx = context(client);
    const { privateKey } = await jose.generateKeyPair('ES256');
    await rejects(verify(await sign('ES256', { jti: 'forged' }, {}, privateKey), ctx), 'JWS signature verification failed');
    await rejects(verify(await sign('HS256', { jti: 'forged' }, {}, new TextEncoder().encode('not the secret')), ctx),
      'JWS signature verification failed');
    await rejects(verify(await sign('ES256', {}, { kid: 'unknown' }), ctx), 'no key of the client jwks matches the JWS header');
    assert.equal(ctx.used.size, 0);
    await verify(await sign('ES256', { jti: 'forged' }), ctx);
  });

  it('refuses HS256 for a client without a secret and asymmetric algs for one without jwks', async () => {
    await rejects(verify(await sign('HS256'), context({ clientId: 'partner-1', jwks: client.jwks })), /client secret/);
    await rejects(verify(await sign('RS256'), context({ clientId: 'partner-1', clientSecret: 'x' })), /no jwks/);
  });

  it('audit #7: refuses a JWT whose sub equals its iss (a client assertion)', async () => {
    await rejects(verify(await sign('ES256', { sub: 'partner-1' })), /sub must not equal iss/);
    await rejects(verify(await sign('HS256', { sub: 'partner-1' })), /sub must not equal iss/);
  });

  it('audit #7: HS256 only from clients that authenticate with their secret, never from private_key_jwt', async () => {
    for (const method of ['client_secret_basic', 'client_secret_post', 'client_secret_jwt']) {
      await verify(await sign('HS256'), context({ ...client, tokenEndpointAuthMethod: method }));
    }
    for (const method of ['private_key_jwt', 'none', 'tls_client_auth']) {
      await rejects(verify(await sign('HS256'), context({ ...client, tokenEndpointAuthMethod: method })), /only from clients that authenticate with a client secret/);
    }
    // The asymmetric algorithms still work for a key-based client.
    await verify(await sign('ES256'), context({ ...client, tokenEndpointAuthMethod: 'private_key_jwt' }));
  });

  it('error descriptions never contain the token', async () => {
    const jws = await sign('ES256', { aud: 'https://other.example' });
    await assert.rejects(verify(jws), (err: HttpError) => !JSON.stringify(err.body()).includes(jws.split('.')[1]));
  });
});

describe('hmac-form provider', () => {
  const client: PreauthClient = { clientId: 'partner-1', clientSecret: 'partner-1 secret ü' };
  const known = { client_id: 'partner-1', sub: 'user 42', ts: '1900000000', nonce: 'n0nce-abc', note: 'a&b=c ü €', Zeta: 'z' };

  it('canonical string of a known fixture, and its signature', () => {
    const expected = 'Zeta=z&client_id=partner-1&nonce=n0nce-abc&note=a%26b%3Dc%20%C3%BC%20%E2%82%AC&sub=user%2042&ts=1900000000';
    assert.equal(canonicalString({ ...known, sig: 'ignored' }), expected);
    // Computed independently with `openssl dgst -sha256 -hmac 'partner-1 secret ü'`.
    assert.equal(hmacFormSignature(known, client.clientSecret!), '75654a2ba4fbff149b97d2f9d84af29aca6160cb763e7366043aad9696763561');
  });

  it('sorts names by UTF-16 code units, not code points', () => {
    // U+1F600 is the surrogate pair D83D DE00, which sorts before U+FF46 in UTF-16 (but after it by code point).
    assert.equal(canonicalString({ '\uFF46': '1', '\u{1F600}': '2', a: '3' }), 'a=3&%F0%9F%98%80=2&%EF%BD%86=1');
  });

  function body(fields: Record<string, string>, secret = client.clientSecret!) {
    return new URLSearchParams({ ...fields, sig: hmacFormSignature(fields, secret) }).toString();
  }
  const fresh = (extra: Record<string, string> = {}) =>
    ({ client_id: 'partner-1', sub: 'user 42', ts: String(NOW), nonce: `nonce-${Math.random()}`, note: 'a&b=c ü', ...extra });
  async function submit(text: string, ctx = context(client)) {
    const req = nativeRequest(text, 'application/x-www-form-urlencoded');
    const fields = hmacForm.native.parse(req);
    assert.deepEqual(hmacForm.native.identify(req, fields), { clientId: 'partner-1' });
    return run(hmacForm, fields, ctx);
  }

  it('accepts a signed request; payload is every field but sig', async () => {
    const fields = fresh({ extra: '' });
    const result = await submit(body(fields));
    assert.deepEqual(result, { sub: 'user 42', claims: {}, amr: ['pop'], payload: fields });
    assert.equal(hmacForm.fromGrant, undefined);
    assert.equal(hmacForm.subjects, 'partner');
  });

  it('accepts + as space, as form encoding allows', async () => {
    const fields = fresh();
    await submit(body(fields).replace(/%20/g, '+'));
  });

  it('refuses a bad signature', async () => {
    const fields = fresh();
    const good = hmacFormSignature(fields, client.clientSecret!);
    const bad = (good[0] === '0' ? '1' : '0') + good.slice(1);
    await rejectsClient(submit(new URLSearchParams({ ...fields, sig: bad }).toString()));
    await rejectsClient(submit(body(fields, 'another secret')));
    await rejectsClient(submit(body({ ...fields, sub: 'admin' }).replace('admin', 'user+42')));
  });

  it('refuses ts outside ±300 s and accepts the edges', async () => {
    await rejects(submit(body(fresh({ ts: String(NOW - 301) }))), /ts is not within 300 seconds/);
    await rejects(submit(body(fresh({ ts: String(NOW + 301) }))), /ts is not within 300 seconds/);
    await submit(body(fresh({ ts: String(NOW - 300) })));
    await submit(body(fresh({ ts: String(NOW + 300) })));
  });

  it('refuses a replayed nonce', async () => {
    const ctx = context(client);
    const text = body(fresh({ nonce: 'replayed-nonce' }));
    await submit(text, ctx);
    await rejects(submit(text, ctx), 'nonce was already used');
    await rejects(submit(body(fresh({ nonce: 'replayed-nonce', ts: String(NOW - 10) })), ctx), 'nonce was already used');
  });

  it('audit #3 hmac-form nonce replay at the window edge: refused in that second and for minutes after', async () => {
    const ctx = context(client);
    const text = body(fresh({ nonce: 'edge-nonce', ts: String(NOW - 300) }));
    await submit(text, ctx);
    await rejects(submit(text, ctx), 'nonce was already used');
    // the same nonce with a fresh ts, minutes later, is still a replay
    ctx.clock.now = NOW + 240;
    await rejects(submit(body(fresh({ nonce: 'edge-nonce', ts: String(NOW + 240) })), ctx), 'nonce was already used');
    // and the marker does go away eventually, so the memory stays bounded
    const expiresAt = ctx.used.get('partner-1\nnonce\nedge-nonce')!;
    assert.ok(expiresAt >= NOW + 300 && expiresAt <= NOW + 3600, `marker expiry ${expiresAt - NOW} s after now`);
  });

  it('a forged request does not burn the nonce', async () => {
    const ctx = context(client);
    const fields = fresh({ nonce: 'precious-nonce' });
    await rejectsClient(submit(body(fields, 'forger'), ctx));
    assert.equal(ctx.used.size, 0);
    await submit(body(fields), ctx);
  });

  it('refuses a client without a secret', async () => {
    await rejectsClient(submit(body(fresh()), context({ clientId: 'partner-1' })));
  });

  it('parse refuses a repeated field; schema checks the required fields', () => {
    assert.throws(() => hmacForm.native.parse(nativeRequest('sub=a&sub=b', 'application/x-www-form-urlencoded')), /more than once/);
    const fields = { ...fresh(), sig: 'a'.repeat(64) };
    assert.deepEqual(validate(hmacForm, fields), []);
    assert.match(validate(hmacForm, { ...fields, sig: 'A'.repeat(64) }).join(), /\/sig/);
    assert.match(validate(hmacForm, { ...fields, ts: '-5' }).join(), /\/ts/);
    assert.match(validate(hmacForm, { ...fields, nonce: '' }).join(), /\/nonce/);
    const { nonce: _n, ...noNonce } = fields;
    assert.match(validate(hmacForm, noNonce).join(), /"nonce"/);
  });

  it('answers and errors form-encoded', () => {
    assert.deepEqual(hmacForm.native.respond({ preauth_url: `${ISSUER}/preauth/a b`, expires_in: 120 }), {
      type: 'application/x-www-form-urlencoded', body: 'preauth_url=https%3A%2F%2Fop.example%2Fpreauth%2Fa+b&expires_in=120',
    });
    assert.deepEqual(hmacForm.native.respondError!({ error: 'invalid_grant', error_description: 'signature mismatch', details: [] }, 400), {
      type: 'application/x-www-form-urlencoded', body: 'error=invalid_grant&error_description=signature+mismatch',
    });
  });

  it('the HMAC helper matches a plain createHmac over the canonical string', () => {
    const fields = fresh();
    assert.equal(hmacFormSignature(fields, 's'), createHmac('sha256', 's').update(canonicalString(fields)).digest('hex'));
  });
});
