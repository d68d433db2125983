/**
 * Drives a target at a fixed concurrency for a bounded count and time, and
 * keeps per-target totals over interleaved rounds: wall time, the serving
 * process tree's CPU (from /proc), store operations (counted in the server)
 * and HTTP requests.
 */
import type { Target } from './flows.js';
import type { Served } from './processes.js';
import { treeCpuMs } from './proc.js';

export async function drive(target: Target, count: number, concurrency: number, maxMs: number) {
  let started = 0;
  let done = 0;
  const keyMs: number[] = [];
  const began = performance.now();
  const deadline = began + maxMs;
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (started < count && performance.now() < deadline) {
      started += 1;
      const sample = await target.one();
      if (sample && Number.isFinite(sample.keyMs)) keyMs.push(sample.keyMs);
      done += 1;
    }
  }));
  return { done, ms: performance.now() - began, keyMs };
}

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);
/**
 * Rate-limit counters (the `ratelimits` collection) are counted apart: the
 * issue's store-operation target leaves them out, as long as each limit costs
 * at most one atomic operation.
 */
const isCounter = (name: string) => name.endsWith(' ratelimits');
const counters = (counts: Record<string, number>) => sum(Object.fromEntries(Object.entries(counts).filter(([name]) => isCounter(name))));

export function percentile(values: number[], p: number): number {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export class Tally {
  done = 0;
  wallMs = 0;
  cpuMs = 0;
  /** Store operations other than rate-limit counters. */
  storeOps = 0;
  counterOps = 0;
  requests = 0;
  readonly keyMs: number[] = [];
  /** Store operations by name, over all rounds. */
  readonly opsByName: Record<string, number> = {};

  constructor(readonly target: Target, readonly server: Served, readonly concurrency: number) {}

  async round(count: number, maxMs: number): Promise<void> {
    const before = await this.server.storeOps();
    const req0 = this.target.requests;
    const cpu0 = treeCpuMs(this.server.pid);
    const r = await drive(this.target, count, this.concurrency, maxMs);
    this.cpuMs += treeCpuMs(this.server.pid) - cpu0;
    const after = await this.server.storeOps();
    const counted = counters(after) - counters(before);
    this.counterOps += counted;
    this.storeOps += sum(after) - sum(before) - counted;
    for (const [name, n] of Object.entries(after)) this.opsByName[name] = (this.opsByName[name] ?? 0) + n - (before[name] ?? 0);
    this.requests += this.target.requests - req0;
    this.done += r.done;
    this.wallMs += r.ms;
    this.keyMs.push(...r.keyMs);
  }

  get perSecond() { return this.done / (this.wallMs / 1000); }
  get cpuPerUnit() { return this.cpuMs / this.done; }
  get opsPerUnit() { return this.storeOps / this.done; }
  get counterOpsPerUnit() { return this.counterOps / this.done; }
  get requestsPerUnit() { return this.requests / this.done; }
  /** e.g. "put 9, get 12, consume 2" per unit. */
  get opsBreakdown() {
    return Object.entries(this.opsByName).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1])
      .map(([name, n]) => `${name} ${(n / this.done).toFixed(1)}`).join(', ');
  }
}
