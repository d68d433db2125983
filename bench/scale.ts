/**
 * `npm run bench -- --scale`: the redemption's cost with 10³, 10⁵ and 10⁶
 * pending handoffs in the store (bulk-loaded directly, see bulk-load.ts).
 * At each size, step 1 runs for a batch first; then only the redemptions
 * (GET /preauth/<code> and its same-origin hop) run, so the server CPU read
 * around them is theirs alone; then the codes are exchanged.
 * BENCH_SCALE_SIZES overrides the sizes (comma-separated).
 */
import { twoStepClient } from './flows.js';
import { bulkLoad } from './bulk-load.js';
import { percentile } from './load.js';
import { startHandoff, startStore, type StoreKind } from './processes.js';
import { treeCpuMs } from './proc.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const BATCH = Number(process.env.BENCH_SCALE_LOGINS ?? 400);
const SIZES = (process.env.BENCH_SCALE_SIZES ?? '1000,100000,1000000').split(',').map(Number);

async function pool<T, R>(items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  }));
  return out;
}

export async function scale(kind: StoreKind): Promise<void> {
  const store = await startStore(kind);
  const handoff = await startHandoff({ mongodbUri: store.mongodbUri });
  try {
    const steps = await twoStepClient(handoff.issuer);
    const batch = async (n: number) => {
      const firsts = await pool(Array.from({ length: n }, (_, i) => i), () => steps.step1());
      const cpu0 = treeCpuMs(handoff.pid);
      const began = performance.now();
      const redeemed = await pool(firsts, (f) => steps.redeem(f.url));
      const wallMs = performance.now() - began;
      const cpuMs = treeCpuMs(handoff.pid) - cpu0;
      await pool(redeemed.map((r, i) => ({ r, c: firsts[i].checks })), ({ r, c }) => steps.exchange(r.callback, c));
      return { cpuMs: cpuMs / n, perSecond: n / (wallMs / 1000), keyMs: redeemed.map((r) => r.keyMs) };
    };

    const results: { size: number; cpuMs: number; p50: number; p99: number; perSecond: number; loadS: number }[] = [];
    let loaded = 0;
    for (const size of SIZES) {
      const began = performance.now();
      await bulkLoad(kind, { dataDir: handoff.dataDir, mongodbUri: store.mongodbUri }, loaded, size - loaded);
      const loadS = (performance.now() - began) / 1000;
      loaded = size;
      await batch(100); // warm the server's caches after the load
      const r = await batch(BATCH);
      results.push({ size, cpuMs: r.cpuMs, p50: percentile(r.keyMs, 50), p99: percentile(r.keyMs, 99), perSecond: r.perSecond, loadS });
      const last = results.at(-1)!;
      console.log(`${String(size).padStart(8)} pending (loaded in ${last.loadS.toFixed(1)} s): redemption cpu ${last.cpuMs.toFixed(2)} ms, `
        + `GET /preauth p50 ${last.p50.toFixed(2)} ms p99 ${last.p99.toFixed(2)} ms, ${last.perSecond.toFixed(0)} redemptions/s`);
    }
    const first = results[0];
    const last = results.at(-1)!;
    console.log(`bench-scale: store=${kind} sizes=${SIZES.join(',')} cpu_ratio=${(last.cpuMs / first.cpuMs).toFixed(2)} `
      + `p50_ratio=${(last.p50 / first.p50).toFixed(2)} p99_ratio=${(last.p99 / first.p99).toFixed(2)}`);
  } finally {
    await handoff.stop();
    await store.stop();
  }
}
