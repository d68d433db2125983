import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PREAUTH_GRANT } from '../server/oidc/client-metadata.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

async function form(server: TestServer, path: string, auth: string, fields: Record<string, string>) {
  const res = await fetch(`${server.issuer}${path}`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, body: await res.json() as any };
}

/** A client that can only do client_credentials: no redirect URIs needed. */
const machineClient = (extra: Record<string, unknown> = {}) => ({
  grant_types: ['client_credentials'],
  response_types: [],
  redirect_uris: [],
  ...extra,
});

const webClient = (extra: Record<string, unknown> = {}) => ({
  redirect_uris: ['https://rp.example/cb'],
  client_name: 'Web RP',
  ...extra,
});

after(() => closeMongo());

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`admin API CRUD on ${kind}`, () => {
    let server: TestServer;
    before(async () => {
      server = await startServer({ kind });
    });
    after(() => server?.close());

    it('creates a client with a generated id and secret, shown once', async () => {
      const created = await server.admin('POST', '/admin/clients', webClient());
      assert.equal(created.status, 201);
      assert.match(created.body.client_id, /^[A-Za-z0-9_-]{22}$/);
      assert.match(created.body.client_secret, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(typeof created.body.client_id_issued_at, 'number');
      assert.deepEqual(created.body.redirect_uris, ['https://rp.example/cb']);
      assert.deepEqual(created.body.preauth_providers, []);
      assert.equal(created.body.preauth_ttl, 120);
      assert.equal(created.body.first_party, false);

      const got = await server.admin('GET', `/admin/clients/${created.body.client_id}`);
      assert.equal(got.status, 200);
      assert.equal(got.body.client_id, created.body.client_id);
      assert.equal('client_secret' in got.body, false, 'GET never shows the secret');
      assert.equal(got.body.client_name, 'Web RP');
    });

    it('creates a client with a given id, lists, patches and deletes it', async () => {
      const created = await server.admin('POST', '/admin/clients', webClient({ client_id: `given-${kind}`, preauth_providers: ['password'] }));
      assert.equal(created.status, 201);
      assert.equal(created.body.client_id, `given-${kind}`);
      assert.ok(created.body.client_secret);
      assert.deepEqual(created.body.grant_types, ['authorization_code', PREAUTH_GRANT, 'urn:ietf:params:oauth:grant-type:token-exchange'], 'both step-1 grants are added for the caller');

      const list = await server.admin('GET', '/admin/clients');
      assert.equal(list.status, 200);
      assert.ok(Array.isArray(list.body));
      const listed = list.body.find((c: any) => c.client_id === `given-${kind}`);
      assert.ok(listed);
      assert.ok(list.body.every((c: any) => !('client_secret' in c)), 'the list never shows secrets');

      const patched = await server.admin('PATCH', `/admin/clients/given-${kind}`, {
        preauth_ttl: 300,
        redirect_uris: ['https://rp.example/cb', 'https://rp.example/cb2'],
        client_name: null,
      });
      assert.equal(patched.status, 200);
      assert.equal(patched.body.preauth_ttl, 300);
      assert.equal('client_secret' in patched.body, false);
      assert.equal('client_name' in patched.body, false, 'null removes a key');

      const got = await server.admin('GET', `/admin/clients/given-${kind}`);
      assert.equal(got.body.preauth_ttl, 300);
      assert.deepEqual(got.body.redirect_uris, ['https://rp.example/cb', 'https://rp.example/cb2']);
      assert.equal(got.body.client_id_issued_at, created.body.client_id_issued_at);
      const live = await server.handoff.oidc.Client.find(`given-${kind}`);
      assert.deepEqual(live?.redirectUris, ['https://rp.example/cb', 'https://rp.example/cb2'], 'oidc-provider sees the change at once');

      const deleted = await server.admin('DELETE', `/admin/clients/given-${kind}`);
      assert.equal(deleted.status, 204);
      assert.equal((await server.admin('GET', `/admin/clients/given-${kind}`)).status, 404);
      assert.equal(await server.handoff.oidc.Client.find(`given-${kind}`), undefined);
    });

    it('creates, reads and deletes an account', async () => {
      const created = await server.admin('POST', '/admin/accounts', {
        username: `alice-${kind}`,
        password: 'correct horse battery',
        claims: { email: 'alice@example.com', name: 'Alice' },
      });
      assert.equal(created.status, 201);
      assert.deepEqual(Object.keys(created.body).sort(), ['claims', 'sub', 'username']);
      assert.equal(created.body.username, `alice-${kind}`);
      assert.deepEqual(created.body.claims, { email: 'alice@example.com', name: 'Alice' });

      const got = await server.admin('GET', `/admin/accounts/${created.body.sub}`);
      assert.equal(got.status, 200);
      assert.deepEqual(got.body, created.body);
      assert.doesNotMatch(JSON.stringify(got.body), /correct horse|scrypt|password/i);

      assert.equal((await server.admin('DELETE', `/admin/accounts/${created.body.sub}`)).status, 204);
      assert.equal((await server.admin('GET', `/admin/accounts/${created.body.sub}`)).status, 404);
      assert.equal((await server.admin('DELETE', `/admin/accounts/${created.body.sub}`)).status, 404);
    });
  });
}

describe('admin API', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.close());

  describe('authorization', () => {
    const routes: [string, string, unknown?][] = [
      ['POST', '/admin/clients', webClient()],
      ['GET', '/admin/clients'],
      ['GET', '/admin/clients/x'],
      ['PATCH', '/admin/clients/x', { client_name: 'y' }],
      ['DELETE', '/admin/clients/x'],
      ['POST', '/admin/accounts', { username: 'u', password: 'password1' }],
      ['GET', '/admin/accounts/x'],
      ['DELETE', '/admin/accounts/x'],
      ['GET', '/admin/nothing-here'],
    ];
    for (const [method, path, body] of routes) {
      it(`${method} ${path} needs the admin token`, async () => {
        for (const authorization of [undefined, 'Bearer wrong-token-wrong-token', `Basic ${server.adminToken}`, server.adminToken]) {
          const res = await fetch(`${server.issuer}${path}`, {
            method,
            headers: {
              ...(authorization ? { authorization } : {}),
              ...(body ? { 'content-type': 'application/json' } : {}),
            },
            body: body ? JSON.stringify(body) : undefined,
          });
          assert.equal(res.status, 401, `${method} ${path} with ${authorization ?? 'no header'}`);
          assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
          assert.equal(res.headers.get('cache-control'), 'no-store');
          const answer = await res.json() as any;
          assert.equal(answer.error, 'invalid_token');
          assert.equal(typeof answer.error_description, 'string');
        }
      });
    }

    it('answers unknown admin paths with a JSON 404', async () => {
      for (const path of ['/admin', '/admin/nothing', '/admin/clients/a/b']) {
        const res = await server.admin('GET', path);
        assert.equal(res.status, 404, path);
        assert.equal(res.body.error, 'not_found');
      }
    });

    it('answers with Cache-Control: no-store', async () => {
      const res = await fetch(`${server.issuer}/admin/clients`, { headers: { authorization: `Bearer ${server.adminToken}` } });
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('cache-control'), 'no-store');
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    });
  });

  describe('client validation', () => {
    it('names each bad field once', async () => {
      const res = await server.admin('POST', '/admin/clients', {
        redirect_uris: 'https://rp.example/cb',
        preauth_ttl: 'long',
        client_secret: '',
        first_party: 'yes',
      });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_request');
      assert.equal(typeof res.body.error_description, 'string');
      const fields = res.body.details.map((d: any) => d.field).sort();
      assert.deepEqual(fields, ['client_secret', 'first_party', 'preauth_ttl', 'redirect_uris']);
      for (const detail of res.body.details) assert.equal(typeof detail.message, 'string');
    });

    it('reports one entry per field even when several items are bad', async () => {
      const res = await server.admin('POST', '/admin/clients', { redirect_uris: [1, 2], grant_types: [3] });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.details.map((d: any) => d.field).sort(), ['grant_types', 'redirect_uris']);
    });

    it("adds oidc-provider's own complaint as one more entry", async () => {
      const res = await server.admin('POST', '/admin/clients', { client_name: 7, redirect_uris: [] });
      assert.equal(res.status, 400);
      const fields = res.body.details.map((d: any) => d.field).sort();
      assert.deepEqual(fields, ['client_name', 'redirect_uris']);
      assert.match(res.body.details.find((d: any) => d.field === 'redirect_uris').message, /redirect_uris/);
    });

    it('refuses values oidc-provider does not support', async () => {
      const res = await server.admin('POST', '/admin/clients', webClient({ token_endpoint_auth_method: 'magic' }));
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.details.map((d: any) => d.field), ['token_endpoint_auth_method']);
    });

    it('refuses an unknown provider id', async () => {
      const res = await server.admin('POST', '/admin/clients', webClient({ preauth_providers: ['password', 'carrier-pigeon'] }));
      assert.equal(res.status, 400);
      assert.equal(res.body.details.length, 1);
      assert.equal(res.body.details[0].field, 'preauth_providers');
      assert.match(res.body.details[0].message, /carrier-pigeon/);
    });

    for (const ttl of [5, 601, 12.5]) {
      it(`refuses preauth_ttl ${ttl}`, async () => {
        const res = await server.admin('POST', '/admin/clients', webClient({ preauth_ttl: ttl }));
        assert.equal(res.status, 400);
        assert.deepEqual(res.body.details.map((d: any) => d.field), ['preauth_ttl']);
      });
    }

    it('accepts the preauth_ttl bounds', async () => {
      for (const ttl of [10, 600]) {
        const res = await server.admin('POST', '/admin/clients', webClient({ preauth_ttl: ttl }));
        assert.equal(res.status, 201);
        assert.equal(res.body.preauth_ttl, ttl);
      }
    });

    it('refuses a malformed client_id', async () => {
      for (const clientId of ['', 'has space', 'tab\there', 'caf\u00e9', 'x'.repeat(256)]) {
        const res = await server.admin('POST', '/admin/clients', webClient({ client_id: clientId }));
        assert.equal(res.status, 400, JSON.stringify(clientId));
        assert.deepEqual(res.body.details.map((d: any) => d.field), ['client_id']);
      }
    });

    it('refuses bodies that are not a JSON object', async () => {
      for (const body of ['not json', '[1,2]', 'null', '']) {
        const res = await fetch(`${server.issuer}/admin/clients`, {
          method: 'POST',
          headers: { authorization: `Bearer ${server.adminToken}`, 'content-type': 'application/json' },
          body,
        });
        assert.equal(res.status, 400, body);
        assert.equal((await res.json() as any).error, 'invalid_request');
      }
    });

    it('keeps the grant types the caller listed and adds the preauth grant', async () => {
      const res = await server.admin('POST', '/admin/clients', webClient({
        grant_types: ['authorization_code', 'refresh_token'],
        preauth_providers: ['signed-jwt'],
      }));
      assert.equal(res.status, 201);
      assert.deepEqual(res.body.grant_types, ['authorization_code', 'refresh_token', PREAUTH_GRANT, 'urn:ietf:params:oauth:grant-type:token-exchange']);
    });

    it('gives a public client no secret', async () => {
      const res = await server.admin('POST', '/admin/clients', webClient({ token_endpoint_auth_method: 'none' }));
      assert.equal(res.status, 201);
      assert.equal('client_secret' in res.body, false);
    });

    it('answers 409 for a duplicate client_id', async () => {
      assert.equal((await server.admin('POST', '/admin/clients', webClient({ client_id: 'twice' }))).status, 201);
      const again = await server.admin('POST', '/admin/clients', webClient({ client_id: 'twice' }));
      assert.equal(again.status, 409);
      assert.deepEqual(again.body, { error: 'invalid_request', error_description: 'client_id already exists' });
    });

    it('validates PATCH like POST and never changes client_id', async () => {
      assert.equal((await server.admin('POST', '/admin/clients', webClient({ client_id: 'patchme' }))).status, 201);
      const bad = await server.admin('PATCH', '/admin/clients/patchme', { preauth_ttl: 5, redirect_uris: 'x', preauth_providers: ['nope'] });
      assert.equal(bad.status, 400);
      assert.deepEqual(bad.body.details.map((d: any) => d.field).sort(), ['preauth_providers', 'preauth_ttl', 'redirect_uris']);
      const renamed = await server.admin('PATCH', '/admin/clients/patchme', { client_id: 'other' });
      assert.equal(renamed.status, 400);
      assert.equal(renamed.body.details[0].field, 'client_id');
      const same = await server.admin('PATCH', '/admin/clients/patchme', { client_id: 'patchme', preauth_providers: ['password'] });
      assert.equal(same.status, 200);
      assert.ok(same.body.grant_types.includes(PREAUTH_GRANT));
      const reset = await server.admin('PATCH', '/admin/clients/patchme', { preauth_ttl: null });
      assert.equal(reset.body.preauth_ttl, 120, 'a removed extension falls back to its default');
      assert.equal((await server.admin('GET', '/admin/clients/patchme')).body.preauth_ttl, 120);
    });

    it('answers 404 for an unknown client id', async () => {
      assert.equal((await server.admin('GET', '/admin/clients/unknown')).status, 404);
      assert.equal((await server.admin('PATCH', '/admin/clients/unknown', { client_name: 'x' })).status, 404);
      assert.equal((await server.admin('DELETE', '/admin/clients/unknown')).status, 404);
    });
  });

  describe('client deletion', () => {
    it("makes the client's tokens stop working", async () => {
      const doomed = (await server.admin('POST', '/admin/clients', machineClient())).body;
      const witness = (await server.admin('POST', '/admin/clients', machineClient())).body;
      assert.ok(doomed.client_secret && witness.client_secret);

      const token = await form(server, '/token', basic(doomed.client_id, doomed.client_secret), { grant_type: 'client_credentials' });
      assert.equal(token.status, 200, JSON.stringify(token.body));
      const accessToken = token.body.access_token as string;

      const before = await form(server, '/token/introspection', basic(witness.client_id, witness.client_secret), { token: accessToken });
      assert.equal(before.status, 200);
      assert.equal(before.body.active, true);
      assert.equal(before.body.client_id, doomed.client_id);

      assert.equal((await server.admin('DELETE', `/admin/clients/${doomed.client_id}`)).status, 204);

      const afterwards = await form(server, '/token/introspection', basic(witness.client_id, witness.client_secret), { token: accessToken });
      assert.equal(afterwards.status, 200);
      assert.equal(afterwards.body.active, false);

      const refused = await form(server, '/token', basic(doomed.client_id, doomed.client_secret), { grant_type: 'client_credentials' });
      assert.equal(refused.status, 401);
      assert.equal(refused.body.error, 'invalid_client');
    });

    it("removes the client's records from the store", async () => {
      const doomed = (await server.admin('POST', '/admin/clients', machineClient())).body;
      const token = await form(server, '/token', basic(doomed.client_id, doomed.client_secret), { grant_type: 'client_credentials' });
      assert.equal(token.status, 200);
      await server.store.put('replay', { id: `jti:${doomed.client_id}:x`, data: {}, clientId: doomed.client_id });
      assert.equal((await server.store.findBy('oidc_ClientCredentials', 'clientId', doomed.client_id)).length, 1);

      assert.equal((await server.admin('DELETE', `/admin/clients/${doomed.client_id}`)).status, 204);
      assert.equal((await server.store.findBy('oidc_ClientCredentials', 'clientId', doomed.client_id)).length, 0);
      assert.equal((await server.store.findBy('replay', 'clientId', doomed.client_id)).length, 0);
    });

    it('lets a new client reuse the id with a clean slate', async () => {
      const first = (await server.admin('POST', '/admin/clients', machineClient({ client_id: 'reused' }))).body;
      const token = await form(server, '/token', basic('reused', first.client_secret), { grant_type: 'client_credentials' });
      assert.equal(token.status, 200);
      assert.equal((await server.admin('DELETE', '/admin/clients/reused')).status, 204);
      const second = await server.admin('POST', '/admin/clients', machineClient({ client_id: 'reused' }));
      assert.equal(second.status, 201);
      assert.notEqual(second.body.client_secret, first.client_secret);
      const old = await form(server, '/token', basic('reused', first.client_secret), { grant_type: 'client_credentials' });
      assert.equal(old.status, 401, 'the old secret is gone with the old client');
      const introspected = await form(server, '/token/introspection', basic('reused', second.body.client_secret), { token: token.body.access_token });
      assert.equal(introspected.body.active, false, "the old client's token is not revived");
    });
  });

  describe('accounts', () => {
    it('answers 409 for a taken username', async () => {
      assert.equal((await server.admin('POST', '/admin/accounts', { username: 'bob', password: 'password-1' })).status, 201);
      const again = await server.admin('POST', '/admin/accounts', { username: 'bob', password: 'password-2' });
      assert.equal(again.status, 409);
      assert.equal(again.body.error, 'invalid_request');
    });

    it('defaults claims to an empty object', async () => {
      const res = await server.admin('POST', '/admin/accounts', { username: 'carol', password: 'password-1' });
      assert.equal(res.status, 201);
      assert.deepEqual(res.body.claims, {});
    });

    it('refuses an empty or non-string password with details', async () => {
      const res = await server.admin('POST', '/admin/accounts', { username: 'dave', password: '' });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.details.map((d: any) => d.field), ['password']);
      const numeric = await server.admin('POST', '/admin/accounts', { username: 'dave', password: 12345678 });
      assert.equal(numeric.status, 400);
      assert.deepEqual(numeric.body.details.map((d: any) => d.field), ['password']);
    });

    it('accepts a short password: no policy beyond non-empty', async () => {
      const res = await server.admin('POST', '/admin/accounts', { username: 'erin', password: 'pw' });
      assert.equal(res.status, 201);
    });

    it('keeps the refusal shape for a bad password', async () => {
      const res = await server.admin('POST', '/admin/accounts', { username: 'dave', password: '' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_request');
      assert.deepEqual(res.body.details.map((d: any) => d.field), ['password']);
    });

    it('names every bad field', async () => {
      const res = await server.admin('POST', '/admin/accounts', { username: '', claims: { sub: 'me' }, email: 'x@example.com' });
      assert.equal(res.status, 400);
      assert.deepEqual(res.body.details.map((d: any) => d.field).sort(), ['claims.sub', 'email', 'password', 'username']);
    });

    it('answers 404 for an unknown sub', async () => {
      assert.equal((await server.admin('GET', '/admin/accounts/nobody')).status, 404);
      assert.equal((await server.admin('DELETE', '/admin/accounts/nobody')).status, 404);
    });
  });
});
