/**
 * A Store that counts its calls, for `npm run bench`: with
 * HANDOFF_STORE_OPS_FILE set, the standalone server wraps its store in this,
 * and SIGUSR2 writes the counts so far (by operation and collection, e.g.
 * `get oidc_Client`) to that file as JSON.
 * `<file>.pid` names the process to signal (a launcher may sit above it).
 * Counting on the server side is exact whatever the client does; it is off
 * (no wrapper at all) unless the variable is set.
 */
import { writeFileSync } from 'node:fs';
import type { Store } from './store.js';

/** The store with every call counted into `counts`, by operation and collection (e.g. `get oidc_Client`). */
export function countCalls(store: Store, counts: Record<string, number>): Store {
  return new Proxy(store, {
    get(target, name, receiver) {
      const value = Reflect.get(target, name, receiver);
      if (typeof value !== 'function' || typeof name !== 'string') return value;
      return (...args: unknown[]) => {
        const key = typeof args[0] === 'string' ? `${name} ${args[0]}` : name;
        counts[key] = (counts[key] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}

export function countingStore(store: Store, file: string): Store {
  const counts: Record<string, number> = {};
  process.on('SIGUSR2', () => writeFileSync(file, JSON.stringify(counts)));
  writeFileSync(`${file}.pid`, String(process.pid));
  return countCalls(store, counts);
}
