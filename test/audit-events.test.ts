/**
 * Audit events (contract §8): one `info` log line per event with an `event`
 * field and who it concerns, never a secret, code or payload. The log of a
 * real server is captured from its pino stream.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';
import { basic, createAccount, grantRequest, hmacBody, nativeRequest, passwordPayload, registerClient, signedJwt } from './support/preauth.js';

after(closeMongo);

function captureLog() {
  const lines: Record<string, any>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines, raw };
}

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`audit events on ${kind}`, () => {
    let server: TestServer;
    after(() => server?.close());

    it('each event is one info line with its fields, and no line holds a secret, code or payload', async () => {
      const log = captureLog();
      server = await startServer({ kind, logger: log.logger, limits: { failures: 1 } });
      const rp = await registerClient(server);
      const account = await createAccount(server, 'audrey', 'audrey-secret-password');
      const secretData = 'payload-marker-7f3a';

      const ok = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('audrey', 'audrey-secret-password', { secretData }) });
      assert.equal(ok.status, 200);
      const code = ok.body.access_token as string;

      const wrong = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('audrey', 'wrong-password-x') });
      assert.equal(wrong.status, 400);
      const limited = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload('audrey', 'audrey-secret-password') });
      assert.equal(limited.status, 429);

      const jws = await signedJwt(server, rp, { sub: 'partner-7', secretData });
      assert.equal((await grantRequest(server, rp, { provider: 'signed-jwt', payload: jws })).status, 200);
      assert.equal((await grantRequest(server, rp, { provider: 'signed-jwt', payload: jws })).status, 400);

      const body = hmacBody(rp, { sub: 'h-user', secretData });
      assert.equal((await nativeRequest(server, 'hmac-form', body, 'application/x-www-form-urlencoded')).status, 200);
      const badSig = await nativeRequest(server, 'password', passwordPayload('audrey', 'audrey-secret-password'), 'application/json', { auth: basic(rp.client_id, 'not-the-secret') });
      assert.equal(badSig.status, 401);

      const push = await fetch(`${server.issuer}/request`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(rp.client_id, rp.client_secret) },
        body: new URLSearchParams({
          client_id: rp.client_id, response_type: 'code', scope: 'openid', redirect_uri: 'https://rp.example/cb',
          preauth_provider: 'hmac-form', preauth_payload: body,
        }),
      });
      assert.equal(push.status, 400, 'hmac-form is native-only, also for PAR');

      assert.equal((await server.admin('POST', '/admin/keys/rotate')).status, 201);

      const events = log.lines.filter((l) => l.event);
      const find = (event: string, match: Record<string, unknown> = {}) =>
        events.find((l) => l.event === event && Object.entries(match).every(([k, v]) => l[k] === v));
      for (const line of events) {
        assert.equal(line.level, 30, `${line.event} at info`);
        assert.equal(line.msg, line.event);
      }

      assert.ok(find('client.created', { client_id: rp.client_id }));
      assert.ok(find('account.created', { sub: account.sub }));
      assert.ok(find('handoff.created', { client_id: rp.client_id, provider: 'password', sub: account.sub }));
      assert.ok(find('handoff.created', { client_id: rp.client_id, provider: 'signed-jwt', sub: `${rp.client_id}|partner-7` }));
      assert.ok(find('preauth.refused', { client_id: rp.client_id, provider: 'password', error: 'invalid_grant' }));
      assert.ok(find('preauth.refused', { client_id: rp.client_id, provider: 'password', error: 'too_many_requests' }));
      assert.ok(find('preauth.refused', { client_id: rp.client_id, provider: 'password', error: 'invalid_client' }), 'native channel');
      assert.ok(find('ratelimit.hit', { client_id: rp.client_id, provider: 'password', reason: 'failures' }));
      assert.ok(find('replay.blocked', { client_id: rp.client_id, provider: 'signed-jwt', kind: 'jti' }));
      assert.ok(find('preauth.refused', { client_id: rp.client_id, provider: 'signed-jwt', error: 'invalid_grant' }));
      assert.ok(find('preauth.refused', { client_id: rp.client_id, provider: 'hmac-form', error: 'invalid_request' }), 'PAR channel');
      const rotated = find('keys.rotated');
      assert.ok(rotated && typeof rotated.kids === 'string' && rotated.kids.split(' ').length === 2);
      assert.equal(events.filter((l) => l.event === 'replay.blocked').length, 1, 'one line per event');

      const secrets = [rp.client_secret, server.adminToken, 'audrey-secret-password', 'wrong-password-x', 'not-the-secret', code, jws, secretData];
      for (const line of log.raw) {
        for (const secret of secrets) assert.ok(!line.includes(secret), `a log line holds a secret: ${line.slice(0, 200)}`);
      }
    });
  });
}
