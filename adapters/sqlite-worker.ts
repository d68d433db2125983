/**
 * A second connection to the database file, on a worker thread, for the
 * work that must not run on the event loop: WAL checkpoints, and counts that
 * read a whole table.
 *
 * Checkpoints. The store's own connection never checkpoints
 * (`wal_autocheckpoint = 0`), so no request pays for one inside a commit;
 * the worker runs a PASSIVE checkpoint (it never waits for readers or
 * writers) at an interval. Copying a busy second's WAL back into the
 * database took tens of ms, all of it on the main thread before.
 * The WAL only starts over from its beginning when a write finds every frame
 * checkpointed, and under steady load the main thread keeps appending while
 * the worker copies, so the worker alone never gets to the end and the WAL
 * (and its index, mapped into memory) grows without bound. So after each of
 * the worker's checkpoints the main thread checkpoints too: only the frames
 * written meanwhile are left to copy, a short step, after which the next
 * write restarts the WAL.
 *
 * Counts. better-sqlite3 runs every statement synchronously, so counting a
 * million pending handoffs for the metrics gauge held the event loop for
 * about half a second per scrape. The worker's connection reads its own
 * snapshot of the WAL, so the count is as consistent as on the main thread.
 *
 * The worker is evaluated from source rather than loaded from a file: it
 * then runs alike from dist/ (compiled) and from TypeScript under tsx,
 * whose loader a worker does not inherit. It loads the same better-sqlite3
 * the store uses, by resolved path, whatever the current directory.
 */
import { createRequire } from 'node:module';
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
db.pragma('busy_timeout = 5000');
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ checkpointed: true });
  } catch {
    // retried at the next tick; until then the WAL just grows
  }
}, workerData.intervalMs);
const statements = new Map();
parentPort.on('message', (message) => {
  if (message === 'stop') {
    clearInterval(timer);
    db.close();
    parentPort.close();
    return;
  }
  const { id, sql, params } = message;
  try {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, statement = db.prepare(sql).pluck());
    parentPort.postMessage({ id, value: statement.get(...params) });
  } catch (err) {
    parentPort.postMessage({ id, error: { message: String(err && err.message), code: err && err.code } });
  }
});
`;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

export interface SqliteWorker {
  /**
   * The single value a read-only statement selects, read on the worker's
   * connection; undefined when there is no worker (the caller then reads on
   * its own connection).
   */
  read(sql: string, params: unknown[]): Promise<unknown> | undefined;
  stop(): Promise<void>;
}

/** An error of the worker's statement, with SQLite's code kept so the store can tell an outage. */
export class WorkerReadError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

/**
 * Starts the worker on `file`, checkpointing every `intervalMs`. Should it
 * fail (no thread, the driver will not load), `checkpointHere` checkpoints on
 * this thread instead, as before, rather than let the WAL grow without
 * bound, and reads are left to the caller.
 */
export function startSqliteWorker(file: string, intervalMs: number, checkpointHere: () => void): SqliteWorker {
  let timer: NodeJS.Timeout | undefined;
  let failed = false;
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 0;
  const failAll = (why: string) => {
    for (const { reject } of pending.values()) reject(new WorkerReadError(why));
    pending.clear();
  };
  const onThisThread = () => {
    failed = true;
    failAll('the store worker stopped');
    timer ??= setInterval(checkpointHere, intervalMs).unref();
  };
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, file, intervalMs },
      // It holds a statement or two and single values: a small heap keeps the thread's memory small.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
    });
  } catch {
    onThisThread();
    return { read: () => undefined, stop: async () => clearInterval(timer) };
  }
  worker.unref();
  const exited = once(worker, 'exit').catch(() => undefined);
  worker.on('error', onThisThread);
  worker.on('message', (message: { checkpointed?: true; id?: number; value?: unknown; error?: { message: string; code?: string } }) => {
    // The tail the worker could not reach (see the header): short, on this thread.
    if (message.checkpointed) return checkpointHere();
    const waiting = pending.get(message.id!);
    if (!waiting) return;
    pending.delete(message.id!);
    if (message.error) waiting.reject(new WorkerReadError(message.error.message, message.error.code));
    else waiting.resolve(message.value);
  });
  return {
    read(sql, params) {
      if (failed) return undefined;
      const id = nextId++;
      const answer = new Promise<unknown>((resolve, reject) => pending.set(id, { resolve, reject }));
      // An unref'd worker would not keep the process alive for the answer.
      if (pending.size === 1) worker.ref();
      worker.postMessage({ id, sql, params });
      return answer.finally(() => {
        if (pending.size === 0) worker.unref();
      });
    },
    async stop() {
      clearInterval(timer);
      failed = true;
      worker.postMessage('stop');
      // A checkpoint or read in progress finishes first; the connection must
      // be closed before the store's, which then finds itself the last one
      // and folds the WAL back into the file.
      const late = setTimeout(() => void worker.terminate(), 5000);
      await exited;
      clearTimeout(late);
      failAll('the store is closed');
    },
  };
}
