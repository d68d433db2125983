/**
 * `npm run bench`: whole two-step logins per second on each store, and what a
 * large payload costs relative to a small one. Figures are only comparable
 * within one run on one machine, so the summary prints ratios.
 *
 * A login here is: step 1 (hmac-form, natively), step 2 in a fresh browser,
 * the code exchange, and GET /handoff.
 */
import * as client from 'openid-client';
import { Browser } from '../test/support/browser.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from '../test/support/server.js';
import {
  createAccount, exchange, grantRequest, hmacBody, nativeRequest, passwordPayload, readHandoff, registerClient, relyingParty, type RegisteredClient,
} from '../test/support/preauth.js';

const LOGINS = Number(process.env.BENCH_LOGINS ?? 200);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LARGE = 512 * 1024;

async function login(server: TestServer, rp: RegisteredClient, config: client.Configuration, extra: Record<string, string> = {}) {
  const step1 = await nativeRequest(server, 'hmac-form', hmacBody(rp, { sub: 'bench-user', ...extra }), 'application/x-www-form-urlencoded');
  if (step1.status !== 200) throw new Error(`step 1: ${step1.status} ${step1.text}`);
  const landing = await new Browser(server.issuer).open(new URLSearchParams(step1.text).get('preauth_url')!);
  if (!landing.external) throw new Error(`step 2 ended at ${landing.url} (${landing.status})`);
  const tokens = await exchange(config, landing.url.href, {});
  const handoff = await readHandoff(server, tokens.access_token);
  if (handoff.status !== 200) throw new Error(`/handoff: ${handoff.status}`);
}

async function timed(count: number, concurrency: number, one: () => Promise<void>): Promise<number> {
  let next = 0;
  const started = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next += 1;
      await one();
    }
  }));
  return Number(process.hrtime.bigint() - started) / 1e6;
}

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

async function benchStore(kind: StoreKind) {
  const server = await startServer({ kind });
  try {
    const rp = await registerClient(server, { preauth_providers: ['hmac-form'] });
    const config = await relyingParty(server, rp);
    await timed(20, 4, () => login(server, rp, config)); // warm-up
    const sequentialMs = await timed(LOGINS / 2, 1, () => login(server, rp, config));
    const parallelMs = await timed(LOGINS, CONCURRENCY, () => login(server, rp, config));
    const blob = 'x'.repeat(LARGE);
    const smallMs = await timed(40, 1, () => login(server, rp, config, { blob: 'x' }));
    const largeMs = await timed(40, 1, () => login(server, rp, config, { blob }));
    const rss = process.memoryUsage().rss;
    return {
      kind,
      perLoginMs: sequentialMs / (LOGINS / 2),
      loginsPerSecond: LOGINS / (parallelMs / 1000),
      largeOverSmall: largeMs / smallMs,
      rss,
    };
  } finally {
    await server.close();
  }
}

/**
 * The password provider must not tell an unknown user from a wrong password
 * by its timing: both pay one scrypt. Reported as a ratio of mean latencies.
 */
async function passwordTiming() {
  const server = await startServer({ kind: 'sqlite' });
  try {
    const rp = await registerClient(server, { preauth_providers: ['password'] });
    await createAccount(server, 'timing', 'timing-password');
    const attempt = (username: string) => async () => {
      const res = await grantRequest(server, rp, { provider: 'password', payload: passwordPayload(username, 'wrong-password') });
      if (res.body.error !== 'invalid_grant') throw new Error(`expected invalid_grant, got ${JSON.stringify(res.body)}`);
    };
    await timed(10, 1, attempt('timing'));
    // Interleaved rounds, so drift on a noisy machine hits both sides alike.
    let wrong = 0;
    let unknown = 0;
    for (let round = 0; round < 10; round++) {
      wrong += await timed(5, 1, attempt('timing'));
      unknown += await timed(5, 1, attempt('nobody'));
    }
    return { wrongMs: wrong / 50, unknownMs: unknown / 50 };
  } finally {
    await server.close();
  }
}

const timing = await passwordTiming();
console.log(`password  wrong password ${timing.wrongMs.toFixed(1)} ms, unknown user ${timing.unknownMs.toFixed(1)} ms: ratio ${(timing.unknownMs / timing.wrongMs).toFixed(2)}`);

const results = [];
for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  const r = await benchStore(kind);
  results.push(r);
  console.log(`${kind.padEnd(8)} ${r.perLoginMs.toFixed(1)} ms/login sequential, ${r.loginsPerSecond.toFixed(0)} logins/s at concurrency ${CONCURRENCY}, `
    + `${(LARGE / 1024).toFixed(0)} KiB payload login = ${r.largeOverSmall.toFixed(2)}x a small one, RSS ${mib(r.rss)} MiB`);
}
await closeMongo();
const [sqlite, mongodb] = results;
console.log(`ratio mongodb-wire/sqlite throughput: ${(mongodb.loginsPerSecond / sqlite.loginsPerSecond).toFixed(2)}`);
