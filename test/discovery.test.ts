/**
 * The discovery document and JWKS: every standards endpoint is listed, PKCE
 * is S256 only, the custom grant is advertised, keys are public only, and no
 * development helper of oidc-provider is in use.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { startServer, type TestServer } from './support/server.js';

describe('discovery', () => {
  let server: TestServer;
  let metadata: Record<string, any>;

  before(async () => {
    server = await startServer({ kind: 'sqlite' });
    const res = await fetch(`${server.issuer}/.well-known/openid-configuration`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    metadata = (await res.json()) as Record<string, any>;
  });

  after(async () => {
    await server?.close();
  });

  it('names the server issuer', () => {
    assert.equal(metadata.issuer, server.issuer);
  });

  it('lists every standards endpoint under the issuer', () => {
    for (const name of [
      'authorization_endpoint',
      'token_endpoint',
      'userinfo_endpoint',
      'jwks_uri',
      'introspection_endpoint',
      'revocation_endpoint',
      'end_session_endpoint',
      'pushed_authorization_request_endpoint',
    ]) {
      assert.equal(typeof metadata[name], 'string', `${name} is listed`);
      assert.ok(metadata[name].startsWith(`${server.issuer}/`), `${name} is under the issuer`);
    }
  });

  it('supports PKCE with S256 only', () => {
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
  });

  it('lists the grant types, the custom preauth grant included', () => {
    for (const grant of ['authorization_code', 'refresh_token', 'client_credentials', 'urn:handoff:grant-type:preauth']) {
      assert.ok(metadata.grant_types_supported.includes(grant), `${grant} is supported`);
    }
  });

  it('signs ID tokens with ES256 and RS256', () => {
    assert.ok(metadata.id_token_signing_alg_values_supported.includes('ES256'));
    assert.ok(metadata.id_token_signing_alg_values_supported.includes('RS256'));
  });

  it('lists the supported acr values', () => {
    assert.ok(Array.isArray(metadata.acr_values_supported));
    assert.ok(metadata.acr_values_supported.includes('urn:handoff:password'));
  });

  it('publishes an EC P-256 and an RSA public key with kids and no private parts', async () => {
    const res = await fetch(metadata.jwks_uri);
    assert.equal(res.status, 200);
    const { keys } = (await res.json()) as { keys: Record<string, unknown>[] };
    assert.ok(keys.some((k) => k.kty === 'EC' && k.crv === 'P-256'), 'an EC P-256 key');
    assert.ok(keys.some((k) => k.kty === 'RSA'), 'an RSA key');
    for (const key of keys) {
      assert.equal(typeof key.kid, 'string', 'every key has a kid');
      assert.ok((key.kid as string).length > 0);
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
        assert.equal(key[secret], undefined, `no private part "${secret}" in ${key.kid}`);
      }
    }
    assert.equal(new Set(keys.map((k) => k.kid)).size, keys.length, 'kids are unique');
  });

  it('has no development interactions', async () => {
    const res = await fetch(`${server.issuer}/interaction/whatever`, { redirect: 'manual' });
    const body = await res.text();
    assert.ok(res.status >= 400 && res.status < 500, `an error page, got ${res.status}`);
    assert.doesNotMatch(body, /devInteractions|dev interactions|any login will work|oidc-provider/i);
    assert.doesNotMatch(body, /<form[^>]*login/i, 'no login form for an unknown interaction');
    assert.match(res.headers.get('content-type') ?? '', /text\/html/);
  });

  it('is accepted by openid-client', async () => {
    const config = await client.discovery(new URL(server.issuer), 'any-client', 'any-secret', undefined, {
      execute: [client.allowInsecureRequests],
    });
    const discovered = config.serverMetadata();
    assert.equal(discovered.issuer, server.issuer);
    assert.equal(discovered.token_endpoint, metadata.token_endpoint);
    assert.equal(discovered.pushed_authorization_request_endpoint, metadata.pushed_authorization_request_endpoint);
  });
});
