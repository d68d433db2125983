/**
 * Step 1 as an RFC 8693 token exchange (contract §4 c), over real HTTP on
 * both stores: openid-client 6's genericGrantRequest with no workaround gets
 * the pre-auth URL and the login completes; the errors are the custom
 * grant's, except that a subject_token_type naming no provider the client may
 * use is invalid_request.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { Browser } from './support/browser.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import {
  basic, createAccount, exchange, grantRequest, passwordPayload, pkce, readHandoff, registerClient, relyingParty,
  signedJwt, REDIRECT_URI, type RegisteredClient,
} from './support/preauth.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const PREAUTH_CODE = 'urn:handoff:token-type:preauth-code';
const providerType = (id: string) => `urn:handoff:provider:${id}`;

/** A token exchange with a plain HTTP request, to see status and body exactly. */
async function exchangeRequest(server: TestServer, rp: RegisteredClient, params: Record<string, string>) {
  const res = await fetch(`${server.issuer}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rp.client_id, rp.client_secret) },
    body: new URLSearchParams({ grant_type: TOKEN_EXCHANGE, ...params }),
  });
  return { status: res.status, body: await res.json() as Record<string, any> };
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`token exchange (${kind})`, () => {
    let server: TestServer;
    let rp: RegisteredClient;
    let config: client.Configuration;
    let carol: { sub: string };

    before(async () => {
      server = await startServer({ kind });
      rp = await registerClient(server);
      config = await relyingParty(server, rp);
      carol = await createAccount(server, 'carol', 'carol-password', { email: 'carol@example.com' });
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('openid-client genericGrantRequest gets the pre-auth URL, and the login completes', async () => {
      const { verifier, challenge } = await pkce();
      const response = await client.genericGrantRequest(config, TOKEN_EXCHANGE, {
        subject_token: passwordPayload('carol', 'carol-password', { basket: 'x' }),
        subject_token_type: providerType('password'),
        requested_token_type: PREAUTH_CODE,
        redirect_uri: REDIRECT_URI,
        scope: 'openid email',
        state: 'te-state',
        nonce: 'te-nonce',
        code_challenge: challenge,
        code_challenge_method: 'S256',
      });
      assert.equal(response.issued_token_type, PREAUTH_CODE);
      assert.equal(response.token_type, 'n_a');
      const preauthUrl = response.preauth_url as string;
      assert.ok(preauthUrl.startsWith(`${server.issuer}/preauth/`), preauthUrl);
      assert.equal(response.access_token, preauthUrl.slice(preauthUrl.lastIndexOf('/') + 1));
      assert.equal(response.expires_in, 120);

      const landing = await new Browser(server.issuer).open(preauthUrl);
      assert.equal(landing.external, true, `redirected to the client, got ${landing.status}`);
      assert.equal(landing.url.searchParams.get('state'), 'te-state');
      const tokens = await exchange(config, landing.url.href, { verifier, state: 'te-state', nonce: 'te-nonce' });
      assert.equal(tokens.claims()?.sub, carol.sub);
      assert.equal(tokens.claims()?.acr, 'urn:handoff:preauth:password');
      const handoff = await readHandoff(server, tokens.access_token);
      assert.equal(handoff.status, 200);
      assert.deepEqual(handoff.body.payload, { username: 'carol', data: { basket: 'x' } });
    });
  });
}

describe('token exchange: answers and errors like the custom grant', () => {
  let server: TestServer;
  let rp: RegisteredClient;

  before(async () => {
    server = await startServer({ kind: 'sqlite' });
    rp = await registerClient(server);
    await createAccount(server, 'dave', 'dave-password');
  });
  after(async () => {
    await server.close();
  });

  it('is advertised in discovery beside the custom grant, and given to clients with providers', async () => {
    const metadata = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, any>;
    assert.ok(metadata.grant_types_supported.includes(TOKEN_EXCHANGE));
    assert.ok(metadata.grant_types_supported.includes('urn:handoff:grant-type:preauth'));
    const created = await server.admin('POST', '/admin/clients', { redirect_uris: [REDIRECT_URI], preauth_providers: ['password'] });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body.grant_types, ['authorization_code', 'urn:handoff:grant-type:preauth', TOKEN_EXCHANGE]);
  });

  it('answers the same body as the custom grant, without requested_token_type too', async () => {
    const viaExchange = await exchangeRequest(server, rp, { subject_token: passwordPayload('dave', 'dave-password'), subject_token_type: providerType('password') });
    const viaGrant = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('dave', 'dave-password') });
    assert.equal(viaExchange.status, 200, JSON.stringify(viaExchange.body));
    assert.equal(viaGrant.status, 200);
    assert.deepEqual(Object.keys(viaExchange.body).sort(), Object.keys(viaGrant.body).sort());
    assert.equal(viaExchange.body.token_type, 'N_A');
    assert.equal(viaExchange.body.issued_token_type, PREAUTH_CODE);
  });

  it('signed-jwt works through the exchange too', async () => {
    const jwt = await signedJwt(server, rp, { sub: 'partner-user-1', plan: 'gold' });
    const res = await exchangeRequest(server, rp, { subject_token: jwt, subject_token_type: providerType('signed-jwt') });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    // replay: the custom grant's invalid_grant
    const again = await exchangeRequest(server, rp, { subject_token: jwt, subject_token_type: providerType('signed-jwt') });
    assert.equal(again.status, 400);
    assert.equal(again.body.error, 'invalid_grant');
  });

  it('refuses another requested_token_type with invalid_request', async () => {
    const res = await exchangeRequest(server, rp, {
      subject_token: passwordPayload('dave', 'dave-password'),
      subject_token_type: providerType('password'),
      requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.error, 'invalid_request');
    assert.match(res.body.error_description, /requested_token_type/);
  });

  it('refuses a subject_token_type naming no provider the client may use with invalid_request', async () => {
    const onlyPassword = await registerClient(server, { preauth_providers: ['password'] });
    for (const [who, type] of [
      [onlyPassword, providerType('signed-jwt')],
      [rp, providerType('carrier-pigeon')],
      [rp, 'urn:ietf:params:oauth:token-type:jwt'],
    ] as const) {
      const res = await exchangeRequest(server, who, { subject_token: 'whatever', subject_token_type: type });
      assert.equal(res.status, 400, type);
      assert.equal(res.body.error, 'invalid_request', type);
    }
    const missing = await exchangeRequest(server, rp, { subject_token: 'whatever' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error, 'invalid_request');
  });

  it('gives the custom grant\'s errors for bad payloads and credentials', async () => {
    const wrong = await exchangeRequest(server, rp, { subject_token: passwordPayload('dave', 'nope'), subject_token_type: providerType('password') });
    assert.equal(wrong.status, 400);
    assert.equal(wrong.body.error, 'invalid_grant');
    const schema = await exchangeRequest(server, rp, { subject_token: JSON.stringify({ username: 7 }), subject_token_type: providerType('password') });
    assert.equal(schema.status, 400);
    assert.equal(schema.body.error, 'invalid_request');
    assert.ok(Array.isArray(schema.body.details), 'schema failures carry details');
    const empty = await exchangeRequest(server, rp, { subject_token_type: providerType('password') });
    assert.equal(empty.status, 400);
    assert.equal(empty.body.error, 'invalid_request');
    assert.match(empty.body.error_description, /subject_token/);
    const nativeOnly = await exchangeRequest(server, rp, { subject_token: 'a=b', subject_token_type: providerType('hmac-form') });
    assert.equal(nativeOnly.status, 400);
    assert.equal(nativeOnly.body.error, 'invalid_request');
    const badRedirect = await exchangeRequest(server, rp, {
      subject_token: passwordPayload('dave', 'dave-password'), subject_token_type: providerType('password'), redirect_uri: 'https://evil.example/cb',
    });
    assert.equal(badRedirect.status, 400);
    assert.equal(badRedirect.body.error, 'invalid_request');
  });
});
