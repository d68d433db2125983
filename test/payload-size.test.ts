/**
 * At the default PREAUTH_MAX_PAYLOAD (2 MiB of request body) a 1 MiB payload
 * passes through every channel: a signed JWT with 1 MiB of claims (the JWS is
 * a third larger) through the custom grant, the native endpoint and the
 * token exchange, and a password payload with 1 MiB of `data` through the
 * custom grant, the native endpoint and the token exchange. Each one is
 * redeemed and read back whole from /handoff.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as client from 'openid-client';
import { Browser } from './support/browser.js';
import {
  basic, createAccount, exchange, grantRequest, nativeRequest, passwordPayload, pkce, readHandoff, registerClient, relyingParty,
  signedJwt, type RegisteredClient,
} from './support/preauth.js';
import { startServer, type TestServer } from './support/server.js';

const MIB = 1024 * 1024;
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const blob = (seed: string) => `${seed}:${'x'.repeat(MIB)}`;

describe('1 MiB payloads at the default limit', () => {
  let server: TestServer;
  let rp: RegisteredClient;
  let config: client.Configuration;

  before(async () => {
    server = await startServer({ kind: 'sqlite' });
    rp = await registerClient(server);
    config = await relyingParty(server, rp);
    await createAccount(server, 'kim', 'kim-password');
  });
  after(async () => {
    await server.close();
  });

  /** Redeems the URL and reads the payload back. */
  async function payloadBehind(preauthUrl: string, verifier: string) {
    const landing = await new Browser(server.issuer).open(preauthUrl);
    assert.equal(landing.external, true, `redirected to the client, got ${landing.status}`);
    const tokens = await exchange(config, landing.url.href, { verifier });
    const handoff = await readHandoff(server, tokens.access_token);
    assert.equal(handoff.status, 200);
    return handoff.body.payload;
  }

  async function viaGrant(params: Record<string, string>) {
    const { verifier, challenge } = await pkce();
    const res = await grantRequest(server, rp, { ...params, code_challenge: challenge, code_challenge_method: 'S256' });
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    return payloadBehind(res.body.preauth_url, verifier);
  }

  async function viaExchange(providerId: string, subjectToken: string) {
    const { verifier, challenge } = await pkce();
    const res = await client.genericGrantRequest(config, TOKEN_EXCHANGE, {
      subject_token: subjectToken, subject_token_type: `urn:handoff:provider:${providerId}`, code_challenge: challenge, code_challenge_method: 'S256',
    });
    return payloadBehind(res.preauth_url as string, verifier);
  }

  async function viaNative(providerId: string, body: string, type: string, auth?: string) {
    const { verifier, challenge } = await pkce();
    const res = await nativeRequest(server, providerId, body, type, { query: { code_challenge: challenge, code_challenge_method: 'S256' }, auth });
    assert.equal(res.status, 200, res.text.slice(0, 300));
    return payloadBehind(JSON.parse(res.text).preauth_url, verifier);
  }

  it('a signed JWT with 1 MiB of claims: custom grant, native endpoint, token exchange', async () => {
    const jwt = async (seed: string) => {
      const token = await signedJwt(server, rp, { sub: `big-${seed}`, blob: blob(seed) });
      assert.ok(token.length > 1.3 * MIB && token.length < 2 * MIB, `JWS of ${token.length} bytes`);
      return token;
    };
    assert.equal((await viaGrant({ provider: 'signed-jwt', payload: await jwt('grant') })).blob, blob('grant'));
    assert.equal((await viaNative('signed-jwt', await jwt('native'), 'application/jwt')).blob, blob('native'));
    assert.equal((await viaExchange('signed-jwt', await jwt('exchange'))).blob, blob('exchange'));
  });

  it('a password payload with 1 MiB of data: custom grant, native endpoint, token exchange', async () => {
    const payload = (seed: string) => passwordPayload('kim', 'kim-password', { blob: blob(seed) });
    assert.deepEqual(await viaGrant({ provider: 'password', payload: payload('grant') }), { username: 'kim', data: { blob: blob('grant') } });
    assert.deepEqual(await viaNative('password', payload('native'), 'application/json', basic(rp.client_id, rp.client_secret)), { username: 'kim', data: { blob: blob('native') } });
    assert.deepEqual(await viaExchange('password', payload('exchange')), { username: 'kim', data: { blob: blob('exchange') } });
  });
});
