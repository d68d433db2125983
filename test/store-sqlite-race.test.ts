/**
 * The audit found the 25-way redemption race could only catch a get-then-put
 * bug on MongoDB: better-sqlite3 calls are synchronous, so within one process
 * SQLite calls never interleave. Here several worker threads, each with its
 * own connection to one SQLite file, race for the same records for real, so
 * a consume or insertNew that is not atomic in SQL would let two win.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { createSqliteStore } from '../adapters/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'handoff-race-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Workers do not inherit the test runner's TypeScript loader: each registers tsx, then loads the contender. */
const WORKER = new URL('./fixtures/sqlite-race-worker.ts', import.meta.url).href;
const BOOT = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then(({ register }) => { register(); return import(${JSON.stringify(WORKER)}); })`;
const WORKERS = 4;
const IDS = Array.from({ length: 200 }, (_, i) => `id-${i}`);

/** Starts the workers, releases them together, and returns what each won. */
async function race(file: string, op: 'consume' | 'insertNew'): Promise<string[][]> {
  const gate = new SharedArrayBuffer(4 * (IDS.length + 1));
  const workers = Array.from({ length: WORKERS }, (_, me) =>
    new Worker(BOOT, { eval: true, workerData: { file, op, ids: IDS, gate, me, workers: WORKERS } }));
  const results = workers.map((w) => new Promise<string[]>((resolve, reject) => {
    let ready = false;
    w.on('message', (m) => {
      if (m === 'ready') ready = true;
      else resolve(m as string[]);
    });
    w.once('error', reject);
    w.once('exit', (code) => (ready && code === 0 ? undefined : reject(new Error(`worker exited with ${code}`))));
  }));
  const readies = workers.map((w) => new Promise<void>((resolve) => w.once('message', () => resolve())));
  await Promise.all(readies);
  const flag = new Int32Array(gate);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
  return Promise.all(results);
}

function assertOneWinnerEach(won: string[][]): void {
  const count = new Map<string, number>();
  for (const list of won) for (const id of list) count.set(id, (count.get(id) ?? 0) + 1);
  const doubles = [...count].filter(([, n]) => n > 1);
  assert.deepEqual(doubles, [], 'an id won by more than one connection');
  assert.equal(count.size, IDS.length, 'every id has a winner');
  assert.ok(won.filter((list) => list.length > 0).length >= 2, 'the connections did contend (more than one won something)');
}

describe('sqlite atomicity across connections', () => {
  it('audit weak tests: concurrent consume from several connections, exactly one winner per record', { timeout: 60_000 }, async () => {
    const file = join(dir, 'consume.sqlite');
    const setup = createSqliteStore({ file });
    await setup.init();
    for (const id of IDS) await setup.put('race', { id, data: id, expiresAt: Date.now() + 60_000 });
    await setup.close();
    assertOneWinnerEach(await race(file, 'consume'));
  });

  it('audit weak tests: concurrent insertNew from several connections, exactly one winner per id', { timeout: 60_000 }, async () => {
    const file = join(dir, 'insert.sqlite');
    const setup = createSqliteStore({ file });
    await setup.init();
    await setup.close();
    assertOneWinnerEach(await race(file, 'insertNew'));
  });
});
