/**
 * `npm run bench`: what a complete two-step login costs the server, against
 * a fixed anchor (plain oidc-provider, bench/anchor.ts) and a yardstick
 * (client_credentials grants), on the same machine in one run with the
 * rounds interleaved, so machine drift and load from elsewhere hit all three
 * alike. Server CPU comes from /proc, store operations are counted inside the
 * servers. It is a benchmark, never a test: it asserts nothing about speed.
 *
 *   npm run bench [-- --store sqlite|mongodb] [--anchor-store memory|sqlite] [--scale | --soak | --profile | --password-timing]
 *
 * Env knobs: BENCH_ROUNDS (6), BENCH_LOGINS per round (150), BENCH_CC per
 * round (300), BENCH_WARMUP_S (10), BENCH_CONCURRENCY (8).
 */
import { parseArgs } from 'node:util';
import { anchorTarget, clientCredentialsTarget, twoStepTarget, USERS } from './flows.js';
import { drive, percentile, Tally } from './load.js';
import { startAnchor, startHandoff, startStore, type StoreKind } from './processes.js';
import { peakRssMb, treeCpuMs, treePeakRssMb } from './proc.js';

const { values: opts } = parseArgs({
  options: {
    store: { type: 'string', default: 'sqlite' },
    'anchor-store': { type: 'string', default: 'memory' },
    scale: { type: 'boolean', default: false },
    soak: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
    'password-timing': { type: 'boolean', default: false },
  },
});
const kind = opts.store as StoreKind;
if (kind !== 'sqlite' && kind !== 'mongodb') throw new Error('--store must be sqlite or mongodb');
const anchorStore = opts['anchor-store'] as 'memory' | 'sqlite';
if (anchorStore !== 'memory' && anchorStore !== 'sqlite') throw new Error('--anchor-store must be memory or sqlite');

const num = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
export const CONCURRENCY = num('BENCH_CONCURRENCY', 8);
const ROUNDS = num('BENCH_ROUNDS', 6);
const LOGINS = num('BENCH_LOGINS', 150);
const GRANTS = num('BENCH_CC', 300);
const WARMUP_MS = num('BENCH_WARMUP_S', 10) * 1000;
const ROUND_MAX_MS = 20_000;

const f = (x: number, digits = 2) => (Number.isFinite(x) ? x.toFixed(digits) : 'nan');

async function compare(): Promise<void> {
  const store = await startStore(kind);
  const handoff = await startHandoff({ mongodbUri: store.mongodbUri });
  const anchor = await startAnchor(anchorStore);
  try {
    const a = new Tally(await twoStepTarget(handoff.issuer), handoff, CONCURRENCY);
    const b = new Tally(await anchorTarget(anchor.issuer), anchor, CONCURRENCY);
    const c = new Tally(await clientCredentialsTarget(handoff.issuer), handoff, CONCURRENCY);

    const warmEnd = performance.now() + WARMUP_MS;
    // Also until every bench user has logged in once: the measured logins are
    // then all returning users, whatever the machine's speed (a first login
    // also writes the partner subject).
    let warmLogins = 0;
    while (performance.now() < warmEnd || warmLogins < USERS) {
      warmLogins += (await drive(a.target, 40, CONCURRENCY, 5000)).done;
      await drive(b.target, 40, CONCURRENCY, 5000);
      await drive(c.target, 80, CONCURRENCY, 5000);
    }
    const dbCpu0 = store.pid ? treeCpuMs(store.pid) : 0;

    // Rotating the order each round, so no target always follows the same one.
    const order = [a, b, c];
    for (let round = 0; round < ROUNDS; round++) {
      for (const t of order) await t.round(t === c ? GRANTS : LOGINS, ROUND_MAX_MS);
      order.push(order.shift()!);
    }
    const dbCpuMs = store.pid ? treeCpuMs(store.pid) - dbCpu0 : NaN;

    const rssA = treePeakRssMb(handoff.pid);
    // The anchor's own process only: tsx's esbuild helper beside it is a loader artefact.
    const rssB = peakRssMb(anchor.pid);
    const row = (label: string, t: Tally, rss: number) => console.log(
      `${label.padEnd(20)} ${String(t.done).padStart(6)}  ${f(t.perSecond, 1).padStart(8)}/s  cpu ${f(t.cpuPerUnit).padStart(6)} ms  `
      + `key p50 ${f(percentile(t.keyMs, 50)).padStart(6)} ms  p99 ${f(percentile(t.keyMs, 99)).padStart(6)} ms  `
      + `store ops ${f(t.opsPerUnit, 1).padStart(5)} (+${f(t.counterOpsPerUnit, 1)} counters)  http ${f(t.requestsPerUnit, 1).padStart(4)}  peak rss ${Number.isFinite(rss) ? f(rss, 0) : '-'} MiB`,
    );
    console.log(`store ${kind} (anchor: ${anchorStore === 'memory' ? 'Map' : 'SQLite'}), concurrency ${CONCURRENCY}, ${ROUNDS} interleaved rounds after ${WARMUP_MS / 1000} s warm-up; cpu = server process tree per unit`);
    row('A two-step login', a, rssA);
    row('B anchor login', b, rssB);
    row('C client_credentials', c, NaN);
    console.log(`store ops per unit, A: ${a.opsBreakdown}`);
    console.log(`B: ${b.opsBreakdown}; C: ${c.opsBreakdown}`);
    console.log('key request: A = GET /preauth/<code> (the redemption); B = GET /auth/<uid> (the request that issues the code)');
    if (store.pid) console.log(`wire test server (MongoDB stand-in) cpu: ${f(dbCpuMs / (a.done + c.done))} ms per A or C unit (not included above)`);
    console.log(`bench: store=${kind} twostep_per_s=${f(a.perSecond, 0)} anchor_per_s=${f(b.perSecond, 0)} cpu_ms_per_login=${f(a.cpuPerUnit)} `
      + `anchor_cpu_ms=${f(b.cpuPerUnit)} cpu_ratio_anchor=${f(a.cpuPerUnit / b.cpuPerUnit)} cpu_ratio_cc=${f(a.cpuPerUnit / c.cpuPerUnit)} `
      + `store_ops=${f(a.opsPerUnit, 0)} http_requests=${f(a.requestsPerUnit, 0)} redeem_p99_ms=${f(percentile(a.keyMs, 99))} rss_mb=${f(rssA, 0)}`);
  } finally {
    await anchor.stop();
    await handoff.stop();
    await store.stop();
  }
}

if (opts.scale) await (await import('./scale.js')).scale(kind);
else if (opts.soak) await (await import('./soak.js')).soak(kind);
else if (opts.profile) await (await import('./profile.js')).profile(kind);
else if (opts['password-timing']) await (await import('./password-timing.js')).passwordTiming();
else await compare();
