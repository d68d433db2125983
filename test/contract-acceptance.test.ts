/**
 * Contract points found off by an outside-style sweep of the running server,
 * each pinned over real HTTP (both stores where storage is involved).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createAccount, grantRequest, nativeRequest, passwordPayload, registerClient } from './support/preauth.js';
import { closeMongo, startServer, type StoreKind } from './support/server.js';

const FORM = 'application/x-www-form-urlencoded';

/** An hmac-form body signed exactly as contract §5 spells the canonical string. */
function signForm(fields: Record<string, string>, secret: string): string {
  const canonical = Object.keys(fields).sort().map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(fields[k]!)}`).join('&');
  return new URLSearchParams({ ...fields, sig: createHmac('sha256', secret).update(canonical).digest('hex') }).toString();
}

after(closeMongo);

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`contract sweep (${kind})`, () => {
    it('an admin body with invalid UTF-8 gets 400 invalid_request and stores nothing', async () => {
      const server = await startServer({ kind });
      try {
        const post = (path: string, json: string) => fetch(`${server.issuer}${path}`, {
          method: 'POST',
          headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
          // \xff\xfe are never valid UTF-8; a lenient decoder would store U+FFFD instead.
          body: Buffer.concat([Buffer.from(json.split('@')[0]!), Buffer.from([0xff, 0xfe]), Buffer.from(json.split('@')[1]!)]),
        });
        const client = await post('/admin/clients', '{"client_id":"utf8-client","redirect_uris":["https://rp.example/cb"],"client_name":"@"}');
        assert.equal(client.status, 400);
        assert.equal((await client.json() as { error: string }).error, 'invalid_request');
        assert.equal((await server.admin('GET', '/admin/clients/utf8-client')).status, 404);
        const account = await post('/admin/accounts', '{"username":"@","password":"pw-utf8"}');
        assert.equal(account.status, 400);
        assert.equal((await account.json() as { error: string }).error, 'invalid_request');
        // Nothing was stored under the replacement characters a lenient decoder makes of those bytes.
        const same = await server.admin('POST', '/admin/accounts', { username: '\ufffd\ufffd', password: 'pw-utf8' });
        assert.equal(same.status, 201);
      } finally {
        await server.close();
      }
    });

    it('client metadata missing a required field or with a non-URI is a validation failure: invalid_request with details, nothing stored', async () => {
      const server = await startServer({ kind });
      try {
        for (const [clientId, body, field] of [
          ['no-redirects', {}, 'redirect_uris'],
          ['bad-redirect', { redirect_uris: ['not a uri'] }, 'redirect_uris'],
          ['no-keys', { redirect_uris: ['https://rp.example/cb'], token_endpoint_auth_method: 'private_key_jwt' }, 'jwks'],
        ] as const) {
          const res = await server.admin('POST', '/admin/clients', { client_id: clientId, ...body });
          assert.equal(res.status, 400, clientId);
          assert.equal(res.body.error, 'invalid_request', clientId);
          assert.equal(typeof res.body.error_description, 'string');
          assert.deepEqual(res.body.details.map((d: { field: string }) => d.field), [field], clientId);
          assert.equal((await server.admin('GET', `/admin/clients/${clientId}`)).status, 404);
        }
        // Well-formed but not honoured stays invalid_client_metadata.
        const unhonoured = await server.admin('POST', '/admin/clients', { redirect_uris: ['https://rp.example/cb'], response_types: ['token'] });
        assert.equal(unhonoured.status, 400);
        assert.equal(unhonoured.body.error, 'invalid_client_metadata');
      } finally {
        await server.close();
      }
    });

    it('hmac-form accepts any non-empty nonce, once; a schema failure names the field in the form answer', async () => {
      const server = await startServer({ kind });
      try {
        const rp = await registerClient(server);
        const ts = String(Math.floor(Date.now() / 1000));
        const body = signForm({ client_id: rp.client_id, sub: 'bob', ts, nonce: 'n1', 'order id': 'a&b é' }, rp.client_secret);
        const ok = await nativeRequest(server, 'hmac-form', body, FORM);
        assert.equal(ok.status, 200, ok.text);
        assert.match(new URLSearchParams(ok.text).get('preauth_url') ?? '', /\/preauth\//);
        const again = await nativeRequest(server, 'hmac-form', body, FORM);
        assert.equal(again.status, 400);
        assert.equal(new URLSearchParams(again.text).get('error'), 'invalid_grant');

        const missing = await nativeRequest(server, 'hmac-form', signForm({ client_id: rp.client_id, ts, nonce: 'n2' }, rp.client_secret), FORM);
        assert.equal(missing.status, 400);
        assert.match(missing.type, /^application\/x-www-form-urlencoded/);
        const answer = new URLSearchParams(missing.text);
        assert.equal(answer.get('error'), 'invalid_request');
        assert.match(answer.get('error_description') ?? '', /\bsub\b/);
      } finally {
        await server.close();
      }
    });
  });
}

describe('contract sweep: metrics', () => {
  it('handoff_preauth_requests_total labels only registered provider ids, whatever the caller names', async () => {
    const server = await startServer();
    try {
      const rp = await registerClient(server);
      await createAccount(server, 'mia', 'pw-mia');
      const made = await grantRequest(server, rp, { provider: 'made-up-name', payload: 'x' });
      assert.equal(made.status, 400);
      assert.equal(made.body.error, 'unauthorized_client');
      const te = { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token_type: 'urn:handoff:provider:password' };
      const ok = await grantRequest(server, rp, { ...te, subject_token: passwordPayload('mia', 'pw-mia') });
      assert.equal(ok.status, 200);
      const bad = await grantRequest(server, rp, { ...te, subject_token: passwordPayload('mia', 'wrong') });
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error, 'invalid_grant');
      const other = await grantRequest(server, rp, { ...te, subject_token_type: 'urn:x:some-other-type', subject_token: 'x' });
      assert.equal(other.status, 400);
      assert.equal(other.body.error, 'invalid_request');

      const res = await fetch(`${server.issuer}/metrics`, { headers: { authorization: `Bearer ${server.adminToken}` } });
      assert.equal(res.status, 200);
      const lines = (await res.text()).split('\n').filter((l) => l.startsWith('handoff_preauth_requests_total{'));
      const providers = new Set(lines.map((l) => /provider="([^"]*)"/.exec(l)?.[1]));
      assert.deepEqual([...providers].sort(), ['password', 'unknown']);
      assert.ok(lines.some((l) => l.includes('provider="password"') && l.includes('outcome="ok"')));
      assert.ok(lines.some((l) => l.includes('provider="password"') && l.includes('outcome="invalid_grant"')));
    } finally {
      await server.close();
    }
  });
});

describe('contract sweep: invalid UTF-8 in parameters', () => {
  it('percent-escaped or raw invalid UTF-8 in step 1 and /auth parameters gets 400 invalid_request; valid non-ASCII passes', async () => {
    const server = await startServer();
    try {
      const rp = await registerClient(server);
      await createAccount(server, 'uma', 'pw-uma');
      const auth = `Basic ${Buffer.from(`${rp.client_id}:${rp.client_secret}`).toString('base64')}`;
      const grant = (body: string | Buffer) => fetch(`${server.issuer}/token`, {
        method: 'POST', headers: { authorization: auth, 'content-type': FORM }, body,
      });
      const base = `grant_type=urn%3Ahandoff%3Agrant-type%3Apreauth&provider=password&payload=${encodeURIComponent(passwordPayload('uma', 'pw-uma'))}`;
      for (const body of [`${base}&state=%FF%FE`, Buffer.concat([Buffer.from(`${base}&state=`), Buffer.from([0xff])])]) {
        const res = await grant(body);
        assert.equal(res.status, 400);
        assert.equal((await res.json() as { error: string }).error, 'invalid_request');
      }
      const ok = await grant(`${base}&state=${encodeURIComponent('café ✓')}`);
      assert.equal(ok.status, 200);

      const native = await nativeRequest(server, 'password', passwordPayload('uma', 'pw-uma'), 'application/json', { auth });
      assert.equal(native.status, 200, native.text);
      const nativeBad = await fetch(`${server.issuer}/providers/password/preauth?state=%C3%28`, {
        method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: passwordPayload('uma', 'pw-uma'),
      });
      assert.equal(nativeBad.status, 400);
      assert.equal((await nativeBad.json() as { error: string }).error, 'invalid_request');

      const authorize = await fetch(`${server.issuer}/auth?client_id=${rp.client_id}&response_type=code&scope=openid&state=%FF`, { redirect: 'manual', headers: { accept: 'application/json' } });
      assert.equal(authorize.status, 400);
      assert.equal((await authorize.json() as { error: string }).error, 'invalid_request');
    } finally {
      await server.close();
    }
  });
});

describe('contract sweep: native 401 challenge', () => {
  it('the password endpoint answers a failed HTTP Basic client authentication with a Basic challenge, same for an unknown client', async () => {
    const server = await startServer();
    try {
      const rp = await registerClient(server);
      for (const auth of [`Basic ${Buffer.from(`${rp.client_id}:wrong`).toString('base64')}`, `Basic ${Buffer.from('no-such-client:wrong').toString('base64')}`]) {
        const res = await fetch(`${server.issuer}/providers/password/preauth`, {
          method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: passwordPayload('x', 'y'),
        });
        assert.equal(res.status, 401);
        assert.match(res.headers.get('www-authenticate') ?? '', /^Basic /);
        assert.deepEqual(await res.json(), { error: 'invalid_client', error_description: 'client authentication failed' });
      }
    } finally {
      await server.close();
    }
  });
});
