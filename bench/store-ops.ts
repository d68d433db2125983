/**
 * `npx tsx bench/store-ops.ts`: what each operation of the embedded SQLite
 * store costs, in µs per call through the Store interface, on a temporary
 * on-disk database with records shaped like a login's (oidc-provider's
 * Session, Grant, AuthorizationCode, AccessToken, Interaction; handoffs,
 * tombstones, replay markers, rate-limit counters), ids hashed to 64 hex as
 * the server stores them. It also reports the WAL bytes one put writes and
 * how long one PASSIVE checkpoint of that WAL takes (the server runs it off
 * the main thread), and the longest event-loop stall while N expired
 * records are swept. A benchmark for choosing the layout, never a test.
 *
 * Env knobs: STORE_OPS_N (operations per kind, 4000), STORE_OPS_PREFILL
 * (records already in the store, 20000), STORE_OPS_REPEAT (best of, 3).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import Database from 'better-sqlite3';
import { createSqliteStore } from '../adapters/sqlite.js';
import type { Store, StoredRecord } from '../adapters/store.js';

const N = Number(process.env.STORE_OPS_N ?? 4000);
const PREFILL = Number(process.env.STORE_OPS_PREFILL ?? 20_000);
const REPEAT = Number(process.env.STORE_OPS_REPEAT ?? 3);
// replaces, consumes and deletes each pick distinct prefilled records
if (PREFILL < 4 * N) throw new Error('STORE_OPS_PREFILL must be at least 4 × STORE_OPS_N');

const hex = (s: string) => createHash('sha256').update(s).digest('hex');
const filler = (bytes: number) => randomBytes(Math.ceil(bytes * 0.75)).toString('base64url').slice(0, bytes);
const hour = () => Date.now() + 3_600_000;

/** One record of each kind a login writes: collection, JSON size and the index fields its writer sets. */
const KINDS: { collection: string; bytes: number; fields: (n: number) => Partial<StoredRecord> }[] = [
  { collection: 'oidc_Session', bytes: 700, fields: (n) => ({ uid: hex(`u${n}`).slice(0, 21), sub: `client-${n % 20}|user-${n}` }) },
  { collection: 'oidc_Grant', bytes: 500, fields: (n) => ({ sub: `client-${n % 20}|user-${n}`, clientId: `client-${n % 20}` }) },
  { collection: 'oidc_AuthorizationCode', bytes: 1100, fields: (n) => ({ grantId: hex(`g${n}`).slice(0, 43), clientId: `client-${n % 20}` }) },
  { collection: 'oidc_AccessToken', bytes: 800, fields: (n) => ({ grantId: hex(`g${n}`).slice(0, 43), clientId: `client-${n % 20}` }) },
  { collection: 'oidc_Interaction', bytes: 2000, fields: (n) => ({ uid: hex(`i${n}`).slice(0, 21) }) },
  { collection: 'handoffs', bytes: 1400, fields: (n) => ({ clientId: `client-${n % 20}`, sub: `client-${n % 20}|user-${n}`, userCode: hex(`h${n}`).slice(0, 36) }) },
  { collection: 'handoff_tombstones', bytes: 300, fields: () => ({}) },
];

/** Record number n; its kind follows from n, so any n below the count written can be found again. */
function record(n: number): [string, StoredRecord] {
  const k = KINDS[n % KINDS.length];
  return [k.collection, { id: hex(`${k.collection}:${n}`), data: { n, blob: filler(k.bytes) }, expiresAt: hour(), ...k.fields(n) }];
}

function key(n: number): [string, string] {
  const [collection, r] = record(n);
  return [collection, r.id];
}

/** µs per call; the arguments are built before the clock starts, so only the store is timed. */
async function time<A extends unknown[]>(n: number, args: (i: number) => A, op: (...a: A) => Promise<unknown>): Promise<number> {
  const all = Array.from({ length: n }, (_, i) => args(i));
  const began = process.hrtime.bigint();
  for (const a of all) await op(...a);
  return Number(process.hrtime.bigint() - began) / 1000 / n;
}

async function once(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-store-ops-'));
  const file = join(dir, 'bench.sqlite');
  // No checkpoint during the run: the WAL then shows what the puts wrote.
  const store: Store = createSqliteStore({ file, sweepIntervalMs: 3_600_000, checkpointIntervalMs: 3_600_000 });
  const side = () => new Database(file);
  try {
    await store.init();
    for (let n = 0; n < PREFILL; n++) await store.put(...record(n));
    const cp = side();
    cp.pragma('wal_checkpoint(TRUNCATE)');
    cp.close();

    const out: Record<string, number> = {};
    const walBefore = statSync(`${file}-wal`).size;
    out.put = await time(N, (i) => record(PREFILL + i), (c, r) => store.put(c, r));
    out.walBytesPerPut = (statSync(`${file}-wal`).size - walBefore) / N;
    // What checkpointing those puts costs whoever runs it (the server: every second).
    const db = side();
    const began = process.hrtime.bigint();
    db.pragma('wal_checkpoint(PASSIVE)');
    out.checkpointMsPer1000Puts = Number(process.hrtime.bigint() - began) / 1e6 / (N / 1000);
    db.close();
    // Replacing a record (attachGrant, consumed codes, session updates).
    out.putReplace = await time(N, (i) => record(PREFILL - 1 - i * 3), (c, r) => store.put(c, r));
    out.get = await time(N, (i) => key((i * 13) % PREFILL), (c, id) => store.get(c, id));
    out.getMissing = await time(N, (i) => ['handoffs', hex(`nope${i}`)] as const, (c, id) => store.get(c, id));
    // Six counters per login, each a new window now and then.
    out.hit = await time(N, (i) => ['ratelimits', `limit-${i % 6}:${hex(`k${i % 300}`).slice(0, 43)}:${Math.floor(i / 600)}`, hour()] as const,
      (c, id, ends) => store.hit(c, id, ends));
    // Codes and handoffs are what gets consumed.
    out.consume = await time(N, (i) => key(7 * (i >> 1) + (i & 1 ? 5 : 2)), (c, id) => store.consume(c, id));
    out.insertNew = await time(N, (i) => ['replay', { id: hex(`jti${i}`), data: {}, expiresAt: hour(), clientId: `client-${i % 20}` }] as const,
      (c, r) => store.insertNew(c, r));
    out.findBy = await time(N, (i) => ['handoffs', hex(`h${7 * (i % 2800) + 5}`).slice(0, 36)] as const, (c, v) => store.findBy(c, 'userCode', v));
    out.delete = await time(N, (i) => key(i * 3 + 1), (c, id) => store.delete(c, id));
    // A minute's expired records at a busy time: the longest the event loop waits while they are swept.
    for (let i = 0; i < N; i++) {
      const [c, r] = record(PREFILL + N + i);
      await store.put(c, { ...r, expiresAt: Date.now() - 1 });
    }
    const longestStall = async (during: () => Promise<unknown>) => {
      const loop = monitorEventLoopDelay({ resolution: 1 });
      loop.enable();
      await sleep(20);
      await during();
      await sleep(20);
      loop.disable();
      return loop.max / 1e6;
    };
    let removed = 0;
    out.sweepLongestStallMs = await longestStall(async () => {
      const began = process.hrtime.bigint();
      removed = await store.sweep();
      out.sweepPerRow = Number(process.hrtime.bigint() - began) / 1000 / removed;
    });
    // The same measure over as long a pause with nothing to do: the floor the machine itself sets.
    out.idleLongestStallMs = await longestStall(() => sleep(removed * out.sweepPerRow / 1000));
    return out;
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const runs: Record<string, number>[] = [];
for (let r = 0; r < REPEAT; r++) runs.push(await once());
console.log(`store-ops: N=${N} per kind, ${PREFILL} records prefilled, best of ${REPEAT}`);
const lines: string[] = [];
for (const key of Object.keys(runs[0])) {
  const best = Math.min(...runs.map((r) => r[key]));
  const unit = key === 'walBytesPerPut' ? 'B' : key.includes('Ms') ? 'ms' : 'µs/op';
  console.log(`${key.padEnd(24)} ${best.toFixed(1).padStart(10)} ${unit}`);
  lines.push(`${key}=${best.toFixed(1)}`);
}
console.log(`store-ops: ${lines.join(' ')}`);
