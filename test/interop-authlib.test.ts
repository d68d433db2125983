/**
 * An independent relying party: Debian's python3-authlib (with requests)
 * runs test/interop/authlib_rp.py against a real server started here. The
 * script does what an authlib RP does (discovery validation, the code flow
 * through the login and consent pages with PKCE and ID-token validation,
 * refresh, userinfo, introspection and revocation, step 1 by the custom grant
 * and by the token exchange through OAuth2Session, redemption with a cookie
 * jar, code exchange) and prints what authlib returned; the assertions are
 * made here.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createAccount, registerClient, REDIRECT_URI, type RegisteredClient } from './support/preauth.js';
import { startServer, type TestServer } from './support/server.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./interop/authlib_rp.py', import.meta.url));

function runScript(config: Record<string, string>): Promise<Record<string, any>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, JSON.stringify(config)], { timeout: 120_000, env: { PATH: process.env.PATH ?? '/usr/bin' } }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`authlib RP failed: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout));
    });
  });
}

describe('interop: authlib as relying party', () => {
  let server: TestServer;
  let rp: RegisteredClient;
  let account: { sub: string };
  let out: Record<string, any>;

  before(async () => {
    server = await startServer({ kind: 'sqlite' });
    rp = await registerClient(server, { client_name: 'authlib RP', preauth_providers: ['password'] });
    account = await createAccount(server, 'lena', 'lena-password', { email: 'lena@example.com', name: 'Lena' });
    out = await runScript({
      issuer: server.issuer, client_id: rp.client_id, client_secret: rp.client_secret, redirect_uri: REDIRECT_URI, username: 'lena', password: 'lena-password',
    });
  });
  after(async () => {
    await server?.close();
  });

  it('accepts the discovery document (OpenID and RFC 8414 metadata models)', () => {
    assert.equal(out.discovery_openid, 'valid');
    assert.equal(out.discovery_rfc8414, 'valid');
  });

  it('completes the code flow through the login and consent pages with PKCE and a valid ID token', () => {
    assert.equal(out.consent_page_status, 200);
    const callback = new URL(out.callback);
    assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI);
    assert.equal(callback.searchParams.get('iss'), server.issuer);
    assert.equal(out.code_token.token_type, 'Bearer');
    assert.equal(out.code_token.has_refresh_token, true);
    const claims = out.code_id_token;
    assert.equal(claims.iss, server.issuer);
    assert.equal(claims.aud, rp.client_id);
    assert.equal(claims.sub, account.sub);
    assert.equal(claims.nonce, out.code_nonce);
    assert.equal(claims.acr, 'urn:handoff:password');
    assert.equal(typeof claims.sid, 'string');
  });

  it('reads userinfo, refreshes with rotation, and introspects and revokes', () => {
    assert.equal(out.userinfo.sub, account.sub);
    assert.equal(out.userinfo.email, 'lena@example.com');
    assert.deepEqual(out.refreshed, { has_access_token: true, refresh_token_rotated: true });
    assert.equal(out.old_refresh_token_reuse.error, 'invalid_grant');
    assert.equal(out.introspect_before_revoke.active, true);
    assert.equal(out.introspect_before_revoke.client_id, rp.client_id);
    assert.equal(out.revoke_status, 200);
    assert.equal(out.introspect_after_revoke.active, false);
  });

  for (const form of ['custom_grant', 'token_exchange'] as const) {
    it(`runs step 1 by the ${form.replace('_', ' ')} through OAuth2Session, then redemption and code exchange`, () => {
      const step = out[form];
      assert.equal(step.response.token_type, 'N_A');
      assert.equal(step.response.issued_token_type, 'urn:handoff:token-type:preauth-code');
      assert.equal(step.response.expires_in, 120);
      assert.ok(step.response.preauth_url.startsWith(`${server.issuer}/preauth/`));
      assert.ok(step.response.preauth_url.endsWith(`/${step.response.access_token}`));
      const callback = new URL(step.callback);
      assert.equal(`${callback.origin}${callback.pathname}`, REDIRECT_URI);
      assert.equal(callback.searchParams.get('state'), step.state, 'the state sent in the body comes back');
      assert.equal(step.id_token.sub, account.sub);
      assert.equal(step.id_token.nonce, step.nonce);
      assert.equal(step.id_token.acr, 'urn:handoff:preauth:password');
      assert.equal(typeof step.id_token.sid, 'string');
      assert.deepEqual(step.handoff.payload, { username: 'lena', data: { from: 'authlib' } });
      assert.equal(step.handoff.client_id, rp.client_id);
    });
  }

  it('sees the contract errors as OAuth errors', () => {
    assert.equal(out.exchange_bad_type.error, 'invalid_request');
    assert.equal(out.grant_wrong_password.error, 'invalid_grant');
  });
});
