/**
 * Contract points found off by an outside-style sweep of the running server,
 * each pinned over real HTTP (both stores where storage is involved).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { nativeRequest, registerClient } from './support/preauth.js';
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
