/**
 * Conformance details independent clients rely on (contract §2), over real
 * HTTP with openid-client and jose: unauthorized_client for a grant type the
 * client is not registered for, WWW-Authenticate on every 401, the
 * introspection and revocation auth methods in discovery, JWT userinfo,
 * refusal of client metadata the server cannot honour, and `sid` in every
 * ID token.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import * as jose from 'jose';
import { Browser, parseForms } from './support/browser.js';
import { interactiveLogin, preauthLogin, silentLogin } from './support/login.js';
import { basic, createAccount, registerClient, relyingParty, REDIRECT_URI, type RegisteredClient } from './support/preauth.js';
import { startServer, type TestServer } from './support/server.js';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** openid-client reports a 401 with its WWW-Authenticate challenge (the header is always there now). */
const invalidClient = (err: any) =>
  err.status === 401 && (err.error ?? err.cause?.[0]?.parameters?.error) === 'invalid_client';

describe('standards conformance', () => {
  let server: TestServer;
  let discovery: Record<string, any>;
  let user: { sub: string; username: string; password: string };

  before(async () => {
    server = await startServer({ kind: 'sqlite' });
    discovery = await (await fetch(`${server.issuer}/.well-known/openid-configuration`)).json() as Record<string, any>;
    user = { ...(await createAccount(server, 'erin', 'erin-password', { email: 'erin@example.com' })), password: 'erin-password' };
  });
  after(async () => {
    await server.close();
  });

  const form = (params: Record<string, string>) => ({ 'content-type': 'application/x-www-form-urlencoded', body: new URLSearchParams(params) });
  async function post(url: string, params: Record<string, string>, headers: Record<string, string> = {}) {
    const { body, ...type } = form(params);
    const res = await fetch(url, { method: 'POST', headers: { ...type, ...headers }, body });
    return { status: res.status, headers: res.headers, body: await res.json() as Record<string, any> };
  }

  describe('error codes and headers', () => {
    it('answers unauthorized_client for a grant type the client is not registered for', async () => {
      const rp = await registerClient(server, { grant_types: ['authorization_code'], preauth_providers: [] });
      const config = await relyingParty(server, rp);
      await assert.rejects(client.clientCredentialsGrant(config), (err: any) => {
        assert.equal(err.error, 'unauthorized_client');
        assert.equal(err.status, 400);
        return true;
      });
      for (const grant_type of ['urn:handoff:grant-type:preauth', TOKEN_EXCHANGE, 'refresh_token']) {
        const res = await post(discovery.token_endpoint, { grant_type, refresh_token: 'x', provider: 'password', payload: 'x' }, { authorization: basic(rp.client_id, rp.client_secret) });
        assert.equal(res.status, 400, grant_type);
        assert.equal(res.body.error, 'unauthorized_client', grant_type);
      }
      // A grant type the server does not know at all stays unsupported_grant_type.
      const unknown = await post(discovery.token_endpoint, { grant_type: 'urn:example:nope' }, { authorization: basic(rp.client_id, rp.client_secret) });
      assert.equal(unknown.body.error, 'unsupported_grant_type');
      // A registered grant type with a bad parameter keeps its own error.
      const registered = await registerClient(server);
      const bad = await post(discovery.token_endpoint, { grant_type: 'refresh_token', refresh_token: 'nope' }, { authorization: basic(registered.client_id, registered.client_secret) });
      assert.equal(bad.body.error, 'invalid_grant');
    });

    it('sends WWW-Authenticate with every 401 at the client-authenticated endpoints, whatever the method', async () => {
      const rp = await registerClient(server, { token_endpoint_auth_method: 'client_secret_post' });
      const endpoints = {
        token: [discovery.token_endpoint, { grant_type: 'client_credentials' }],
        introspection: [discovery.introspection_endpoint, { token: 'x' }],
        revocation: [discovery.revocation_endpoint, { token: 'x' }],
        par: [discovery.pushed_authorization_request_endpoint, { response_type: 'code', redirect_uri: REDIRECT_URI, scope: 'openid' }],
      } as const;
      for (const [name, [url, params]] of Object.entries(endpoints)) {
        for (const [how, extra, headers] of [
          ['client_secret_post, wrong secret', { client_id: rp.client_id, client_secret: 'wrong' }, {}],
          ['client_secret_post, unknown client', { client_id: 'nobody', client_secret: 'wrong' }, {}],
          ['Basic, wrong secret', {}, { authorization: basic(rp.client_id, 'wrong') }],
          ['client_assertion, unknown client', {
            client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
            client_assertion: await new jose.SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('nobody').setIssuer('nobody')
              .setAudience(server.issuer).setIssuedAt().setExpirationTime('1m').setJti(crypto.randomUUID()).sign(new TextEncoder().encode('x'.repeat(32))),
          }, {}],
        ] as const) {
          const res = await post(url, { ...params, ...extra }, headers);
          assert.equal(res.status, 401, `${name}, ${how}`);
          assert.equal(res.body.error, 'invalid_client', `${name}, ${how}`);
          const challenge = res.headers.get('www-authenticate') ?? '';
          assert.match(challenge, /^Basic realm="[^"]+"/, `${name}, ${how}: ${challenge}`);
          assert.match(challenge, /error="invalid_client"/);
        }
      }
    });

    it('sends WWW-Authenticate with the bearer-protected 401s too', async () => {
      for (const [url, init] of [
        [discovery.userinfo_endpoint, { headers: { authorization: 'Bearer nope' } }],
        [discovery.userinfo_endpoint, {}],
        [`${server.issuer}/handoff`, { headers: { authorization: 'Bearer nope' } }],
        [`${server.issuer}/handoff`, {}],
        [`${server.issuer}/admin/clients`, {}],
        [`${server.issuer}/admin/clients`, { headers: { authorization: 'Bearer nope' } }],
      ] as const) {
        const res = await fetch(url, init);
        assert.ok([400, 401].includes(res.status), `${url}: ${res.status}`);
        if (res.status === 401) assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /, url);
      }
      // The login page answers a wrong password with a 401 page: it carries a challenge too.
      const config = await relyingParty(server, await registerClient(server));
      const browser = new Browser(server.issuer);
      const landing = await browser.open(client.buildAuthorizationUrl(config, {
        redirect_uri: REDIRECT_URI, scope: 'openid', code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
      }));
      assert.equal(landing.external, false);
      const loginForm = parseForms((landing as any).body, landing.url).find((f) => f.action.endsWith('/login'))!;
      const wrong = await browser.post(loginForm.action, { ...loginForm.fields, username: user.username, password: 'wrong' });
      if (wrong.status === 401) assert.ok(wrong.headers.get('www-authenticate'), 'a 401 login page has a challenge');
      else assert.equal(wrong.status, 200);
    });
  });

  describe('discovery tells the truth', () => {
    it('lists the same client authentication methods for introspection and revocation as for the token endpoint', () => {
      assert.deepEqual(discovery.introspection_endpoint_auth_methods_supported, discovery.token_endpoint_auth_methods_supported);
      assert.deepEqual(discovery.revocation_endpoint_auth_methods_supported, discovery.token_endpoint_auth_methods_supported);
      assert.deepEqual([...discovery.introspection_endpoint_auth_methods_supported].sort(),
        ['client_secret_basic', 'client_secret_jwt', 'client_secret_post', 'none', 'private_key_jwt']);
      // RFC 8414: with JWT methods listed, their algorithms must be too.
      assert.deepEqual(discovery.introspection_endpoint_auth_signing_alg_values_supported, discovery.token_endpoint_auth_signing_alg_values_supported);
      assert.deepEqual(discovery.revocation_endpoint_auth_signing_alg_values_supported, discovery.token_endpoint_auth_signing_alg_values_supported);
    });

    it('accepts every listed method at introspection and revocation', async () => {
      const { privateKey, publicKey } = await jose.generateKeyPair('ES256', { extractable: true });
      const publicJwk = { ...(await jose.exportJWK(publicKey)), alg: 'ES256', use: 'sig', kid: 'rp-key' };
      const auth: Record<string, (rp: RegisteredClient) => client.ClientAuth> = {
        client_secret_basic: (rp) => client.ClientSecretBasic(rp.client_secret),
        client_secret_post: (rp) => client.ClientSecretPost(rp.client_secret),
        client_secret_jwt: (rp) => client.ClientSecretJwt(rp.client_secret),
        private_key_jwt: () => client.PrivateKeyJwt({ key: privateKey, kid: 'rp-key' }),
        none: () => client.None(),
      };
      for (const method of discovery.introspection_endpoint_auth_methods_supported as string[]) {
        const rp = await registerClient(server, {
          token_endpoint_auth_method: method,
          grant_types: ['authorization_code'],
          preauth_providers: [],
          ...(method === 'private_key_jwt' ? { jwks: { keys: [publicJwk] } } : {}),
        });
        const config = await client.discovery(new URL(server.issuer), rp.client_id, undefined, auth[method]!(rp), { execute: [client.allowInsecureRequests] });
        const introspected = await client.tokenIntrospection(config, 'not-a-token');
        assert.equal(introspected.active, false, method);
        await client.tokenRevocation(config, 'not-a-token');
        // and a wrong credential is refused, so the method was really checked
        if (method !== 'none') {
          const wrong = await client.discovery(new URL(server.issuer), rp.client_id, undefined,
            method === 'private_key_jwt' ? client.PrivateKeyJwt({ key: (await jose.generateKeyPair('ES256')).privateKey, kid: 'rp-key' }) : auth[method]!({ ...rp, client_secret: 'wrong-secret' }),
            { execute: [client.allowInsecureRequests] });
          await assert.rejects(client.tokenIntrospection(wrong, 'not-a-token'), invalidClient, method);
          await assert.rejects(client.tokenRevocation(wrong, 'not-a-token'), invalidClient, method);
        }
      }
    });

    it('refuses clients registered for an unlisted method, and other authentication schemes', async () => {
      const jwk = { ...(await jose.exportJWK((await jose.generateKeyPair('ES256', { extractable: true })).publicKey)), kid: 'k' };
      for (const method of ['tls_client_auth', 'self_signed_tls_client_auth', 'attest_jwt_client_auth', 'client_secret_magic']) {
        const res = await server.admin('POST', '/admin/clients', { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: method, jwks: { keys: [jwk] } });
        assert.equal(res.status, 400, method);
        assert.equal(res.body.error, 'invalid_client_metadata', method);
        assert.deepEqual(res.body.details.map((d: any) => d.field), ['token_endpoint_auth_method'], method);
      }
      const rp = await registerClient(server);
      for (const url of [discovery.introspection_endpoint, discovery.revocation_endpoint]) {
        const bearer = await post(url, { token: 'x' }, { authorization: `Bearer ${rp.client_secret}` });
        assert.equal(bearer.status, 400);
        assert.equal(bearer.body.error, 'invalid_request');
      }
    });

    it('advertises userinfo signing algorithms that the JWKS can sign with', async () => {
      const algs = discovery.userinfo_signing_alg_values_supported as string[];
      assert.ok(algs.includes('ES256') && algs.includes('RS256'), JSON.stringify(algs));
      const { keys } = await (await fetch(discovery.jwks_uri)).json() as { keys: { alg: string }[] };
      for (const alg of [...algs, ...discovery.id_token_signing_alg_values_supported]) {
        assert.ok(keys.some((k) => k.alg === alg), `a key for ${alg}`);
      }
    });
  });

  describe('JWT userinfo', () => {
    for (const alg of ['ES256', 'RS256']) {
      it(`answers a client registered with userinfo_signed_response_alg ${alg} with a signed JWT`, async () => {
        const rp = await registerClient(server, { userinfo_signed_response_alg: alg });
        const stored = await server.admin('GET', `/admin/clients/${rp.client_id}`);
        assert.equal(stored.body.userinfo_signed_response_alg, alg);
        const config = await relyingParty(server, rp);
        const tokens = await preauthLogin(server, new Browser(server.issuer), rp, config, user);
        const res = await fetch(discovery.userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
        assert.equal(res.status, 200);
        assert.match(res.headers.get('content-type') ?? '', /^application\/jwt/);
        const jwt = await res.text();
        const { payload, protectedHeader } = await jose.jwtVerify(jwt, jose.createRemoteJWKSet(new URL(discovery.jwks_uri)), {
          issuer: server.issuer, audience: rp.client_id, algorithms: [alg],
        });
        assert.equal(protectedHeader.alg, alg);
        assert.equal(payload.sub, user.sub);
        assert.equal(payload.email, 'erin@example.com');
      });
    }

    it('still answers plain JSON to clients that did not ask for a JWT', async () => {
      const rp = await registerClient(server);
      const config = await relyingParty(server, rp);
      const tokens = await preauthLogin(server, new Browser(server.issuer), rp, config, user);
      const info = await client.fetchUserInfo(config, tokens.access_token, user.sub);
      assert.equal(info.email, 'erin@example.com');
    });
  });

  describe('client metadata the server cannot honour', () => {
    for (const [field, value] of [
      ['id_token_encrypted_response_alg', 'RSA-OAEP'],
      ['userinfo_encrypted_response_alg', 'RSA-OAEP'],
      ['request_uris', ['https://rp.example/request']],
      ['software_statement', 'eyJhbGciOiJub25lIn0.e30.'],
      ['frobnicate', true],
      ['userinfo_signed_response_alg', 'EdDSA'],
      ['id_token_signed_response_alg', 'PS512'],
      ['backchannel_logout_uri', 'http://rp.example/logout'],
    ] as const) {
      it(`refuses ${field}: ${JSON.stringify(value)} with invalid_client_metadata and stores nothing`, async () => {
        const clientId = `refused-${field}`;
        const res = await server.admin('POST', '/admin/clients', { client_id: clientId, redirect_uris: [REDIRECT_URI], [field]: value });
        assert.equal(res.status, 400);
        assert.equal(res.body.error, 'invalid_client_metadata');
        assert.equal(typeof res.body.error_description, 'string');
        assert.deepEqual(res.body.details.map((d: any) => d.field), [field]);
        assert.equal((await server.admin('GET', `/admin/clients/${clientId}`)).status, 404);
      });
    }

    it('refuses unknown properties in a PATCH too, and keeps the client as it was', async () => {
      const rp = await registerClient(server);
      const res = await server.admin('PATCH', `/admin/clients/${rp.client_id}`, { id_token_encrypted_response_alg: 'RSA-OAEP', client_name: 'renamed' });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_client_metadata');
      const stored = await server.admin('GET', `/admin/clients/${rp.client_id}`);
      assert.equal('id_token_encrypted_response_alg' in stored.body, false);
      assert.notEqual(stored.body.client_name, 'renamed');
    });

    it('reports every unknown property with the library\'s own complaint, and malformed bodies as invalid_request', async () => {
      const res = await server.admin('POST', '/admin/clients', { redirect_uris: [], frobnicate: 1, wibble: 2 });
      assert.equal(res.status, 400);
      assert.equal(res.body.error, 'invalid_client_metadata');
      assert.deepEqual(res.body.details.map((d: any) => d.field).sort(), ['frobnicate', 'redirect_uris', 'wibble']);
      const malformed = await server.admin('POST', '/admin/clients', { redirect_uris: 'nope', frobnicate: 1 });
      assert.equal(malformed.body.error, 'invalid_request');
      assert.deepEqual(malformed.body.details.map((d: any) => d.field).sort(), ['frobnicate', 'redirect_uris']);
    });

    it('accepts the standard metadata it honours', async () => {
      const res = await server.admin('POST', '/admin/clients', {
        redirect_uris: [REDIRECT_URI], client_name: 'ok', client_uri: 'https://rp.example', logo_uri: 'https://rp.example/logo.png',
        contacts: ['ops@rp.example'], default_max_age: 3600, require_auth_time: true, id_token_signed_response_alg: 'ES256',
        userinfo_signed_response_alg: 'RS256', backchannel_logout_uri: 'http://127.0.0.1:9/logout', backchannel_logout_session_required: true,
        post_logout_redirect_uris: ['https://rp.example/bye'], application_type: 'web', subject_type: 'public',
      });
      assert.equal(res.status, 201, JSON.stringify(res.body));
    });
  });

  describe('sid in every ID token', () => {
    it('interactive, SSO prompt=none, pre-auth and refreshed ID tokens all carry sid', async () => {
      const rp = await registerClient(server, { first_party: true });
      const config = await relyingParty(server, rp);
      const browser = new Browser(server.issuer);

      const interactive = await interactiveLogin(browser, config, user);
      const sid = interactive.claims()?.sid;
      assert.equal(typeof sid, 'string', 'interactive login');

      const sso = await silentLogin(browser, config);
      assert.equal(sso.claims()?.sid, sid, 'SSO login: same session, same sid');

      const other = await relyingParty(server, await registerClient(server, { first_party: true }));
      const ssoOther = await silentLogin(browser, other);
      assert.equal(typeof ssoOther.claims()?.sid, 'string', 'SSO login at another client');

      const pre = await preauthLogin(server, new Browser(server.issuer), rp, config, user);
      assert.equal(typeof pre.claims()?.sid, 'string', 'pre-auth login');
      assert.notEqual(pre.claims()?.sid, sid, 'another browser, another session');

      const refreshed = await client.refreshTokenGrant(config, (await interactiveLogin(new Browser(server.issuer), config, user, { scope: 'openid offline_access', prompt: 'consent' })).refresh_token!);
      assert.equal(typeof refreshed.claims()?.sid, 'string', 'refreshed ID token');
    });

    it('also for a third-party client after the consent page', async () => {
      const rp = await registerClient(server);
      const tokens = await interactiveLogin(new Browser(server.issuer), await relyingParty(server, rp), user);
      assert.equal(typeof tokens.claims()?.sid, 'string');
    });
  });
});
