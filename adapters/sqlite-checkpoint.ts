/**
 * WAL checkpoints off the event loop. The store's own connection never
 * checkpoints (`wal_autocheckpoint = 0`), so no request pays for one inside
 * a commit; a worker thread with its own connection to the same file runs a
 * PASSIVE checkpoint (it never waits for readers or writers) at an interval.
 * Copying a busy second's WAL back into the database took tens of ms, all
 * of it on the main thread before.
 *
 * The WAL only starts over from its beginning when a write finds every frame
 * checkpointed, and under steady load the main thread keeps appending while
 * the worker copies, so the worker alone never gets to the end and the WAL
 * (and its index, mapped into memory) grows without bound. So after each of
 * the worker's checkpoints the main thread checkpoints too: only the frames
 * written meanwhile are left to copy, a short step, after which the next
 * write restarts the WAL.
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
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage('checkpointed');
  } catch {
    // retried at the next tick; until then the WAL just grows
  }
}, workerData.intervalMs);
parentPort.once('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

const driver = createRequire(import.meta.url).resolve('better-sqlite3');

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `file` every `intervalMs`. Should the worker fail
 * (no thread, the driver will not load), `fallback` checkpoints on this
 * thread instead, as before, rather than let the WAL grow without bound.
 */
export function startCheckpointer(file: string, intervalMs: number, fallback: () => void): Checkpointer {
  let timer: NodeJS.Timeout | undefined;
  const onThisThread = () => {
    timer ??= setInterval(fallback, intervalMs).unref();
  };
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { driver, file, intervalMs },
      // It allocates next to nothing: a small heap keeps the thread's memory small.
      resourceLimits: { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 },
    });
  } catch {
    onThisThread();
    return { stop: async () => clearInterval(timer) };
  }
  worker.unref();
  const exited = once(worker, 'exit').catch(() => undefined);
  worker.on('error', onThisThread);
  // The tail the worker could not reach (see the header): short, on this thread.
  worker.on('message', () => fallback());
  return {
    async stop() {
      clearInterval(timer);
      worker.postMessage('stop');
      // A checkpoint in progress finishes first; the connection must be
      // closed before the store's, which then finds itself the last one
      // and folds the WAL back into the file.
      const late = setTimeout(() => void worker.terminate(), 5000);
      await exited;
      clearTimeout(late);
    },
  };
}
