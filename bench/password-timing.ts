/**
 * `npm run bench -- --password-timing`: the password provider must not tell
 * an unknown user from a wrong password by its timing (both pay one scrypt).
 * Interleaved rounds against the standalone server; the ratio of mean
 * latencies should be close to 1.
 */
import { BENCH_ADMIN_TOKEN, startHandoff } from './processes.js';

const ROUNDS = 10;
const PER_ROUND = 5;

async function admin(issuer: string, path: string, body: unknown): Promise<Record<string, any>> {
  const res = await fetch(`${issuer}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${BENCH_ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
  return res.json() as Promise<Record<string, any>>;
}

export async function passwordTiming(): Promise<void> {
  const handoff = await startHandoff();
  try {
    const { issuer } = handoff;
    const rp = await admin(issuer, '/admin/clients', { redirect_uris: ['https://rp.example/cb'], preauth_providers: ['password'] });
    await admin(issuer, '/admin/accounts', { username: 'timing', password: 'timing-password-0123456789' });
    const auth = `Basic ${Buffer.from(`${encodeURIComponent(rp.client_id)}:${encodeURIComponent(rp.client_secret)}`).toString('base64')}`;
    const attempt = async (username: string) => {
      const began = performance.now();
      const res = await fetch(`${issuer}/providers/password/preauth`, {
        method: 'POST',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: 'wrong-password' }),
      });
      const body = await res.json() as { error?: string };
      if (body.error !== 'invalid_grant') throw new Error(`expected invalid_grant, got ${res.status} ${JSON.stringify(body)}`);
      return performance.now() - began;
    };
    for (let i = 0; i < 10; i++) await attempt(i % 2 ? 'timing' : 'nobody');
    let wrong = 0;
    let unknown = 0;
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < PER_ROUND; i++) wrong += await attempt('timing');
      for (let i = 0; i < PER_ROUND; i++) unknown += await attempt('nobody');
    }
    const n = ROUNDS * PER_ROUND;
    console.log(`password: wrong password ${(wrong / n).toFixed(1)} ms, unknown user ${(unknown / n).toFixed(1)} ms: ratio ${(unknown / wrong).toFixed(2)}`);
  } finally {
    await handoff.stop();
  }
}
