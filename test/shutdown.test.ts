/**
 * SIGTERM and SIGINT (contract §1): the standalone server stops accepting
 * connections, lets a request in flight finish, closes the store and exits 0.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { cleanupChildren, freePort, runServer, waitForLine, within } from './support/spawn.js';
import { adminClient } from './support/server.js';
import { basic, createAccount, passwordPayload, registerClient } from './support/preauth.js';

after(cleanupChildren);

for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  describe(`${signal}`, () => {
    it('stops accepting, lets the request in flight finish, and exits 0', { timeout: 60_000 }, async () => {
      const port = await freePort();
      const adminToken = 'shutdown-admin-token-0123456789';
      const child = runServer({ PORT: String(port), ADMIN_TOKEN: adminToken, LOG_LEVEL: 'info' });
      await waitForLine(child, /"msg":"handoff listening"/);
      const issuer = `http://localhost:${port}`;
      const server = { issuer, admin: adminClient(issuer, adminToken) };
      const rp = await registerClient(server);
      await createAccount(server, 'sam', 'sam-password');

      // A step-1 request whose body is still arriving when the signal comes.
      const body = Buffer.from(passwordPayload('sam', 'sam-password'));
      const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
        const req = request(`${issuer}/providers/password/preauth`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'content-length': body.length, authorization: basic(rp.client_id, rp.client_secret) },
        }, (res) => {
          let text = '';
          res.setEncoding('utf8').on('data', (chunk: string) => { text += chunk; }).on('end', () => resolve({ status: res.statusCode!, text }));
        });
        req.on('error', reject);
        req.write(body.subarray(0, 10));
        setTimeout(() => {
          child.proc.kill(signal);
          // once it has stopped listening, the rest of the body arrives
          setTimeout(() => req.end(body.subarray(10)), 500);
        }, 200);
      });

      await sleep(450);
      await assert.rejects(fetch(`${issuer}/.well-known/openid-configuration`), 'no new connections while stopping');
      const finished = await answer;
      assert.equal(finished.status, 200, finished.text);
      assert.match(JSON.parse(finished.text).preauth_url, /\/preauth\//);
      const { code } = await within(child.exit, 15_000, 'the process to exit');
      assert.equal(code, 0, child.out.stderr);
      assert.match(child.out.stdout, /"msg":"handoff stopping"/);
    });
  });
}
