/**
 * `npm run bench -- --soak`: 100,000 complete two-step logins (BENCH_SOAK_LOGINS)
 * against one server, with its resident memory at the start (after warm-up),
 * the middle and the end, to see whether anything grows with use.
 */
import { twoStepTarget } from './flows.js';
import { drive } from './load.js';
import { startHandoff, startStore, type StoreKind } from './processes.js';
import { treeCpuMs, treePeakRssMb, treeRssMb } from './proc.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LOGINS = Number(process.env.BENCH_SOAK_LOGINS ?? 100_000);
const CHUNK = 1000;

export async function soak(kind: StoreKind): Promise<void> {
  const store = await startStore(kind);
  const handoff = await startHandoff({ mongodbUri: store.mongodbUri });
  try {
    const target = await twoStepTarget(handoff.issuer);
    const warmEnd = performance.now() + 10_000;
    while (performance.now() < warmEnd) await drive(target, 50, CONCURRENCY, 5000);
    const rss = { start: treeRssMb(handoff.pid), middle: NaN, end: NaN };
    console.log(`after warm-up, rss ${rss.start.toFixed(0)} MiB`);
    const cpu0 = treeCpuMs(handoff.pid);
    const began = performance.now();
    let done = 0;
    while (done < LOGINS) {
      done += (await drive(target, Math.min(CHUNK, LOGINS - done), CONCURRENCY, 600_000)).done;
      if (Number.isNaN(rss.middle) && done >= LOGINS / 2) rss.middle = treeRssMb(handoff.pid);
      if (done % 5_000 === 0) console.log(`${done} logins, rss ${treeRssMb(handoff.pid).toFixed(0)} MiB`);
    }
    rss.end = treeRssMb(handoff.pid);
    const seconds = (performance.now() - began) / 1000;
    const cpu = (treeCpuMs(handoff.pid) - cpu0) / done;
    console.log(`bench-soak: store=${kind} logins=${done} per_s=${(done / seconds).toFixed(0)} cpu_ms_per_login=${cpu.toFixed(2)} `
      + `rss_start_mb=${rss.start.toFixed(0)} rss_middle_mb=${rss.middle.toFixed(0)} rss_end_mb=${rss.end.toFixed(0)} rss_peak_mb=${treePeakRssMb(handoff.pid).toFixed(0)}`);
  } finally {
    await handoff.stop();
    await store.stop();
  }
}
