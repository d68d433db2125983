/**
 * `preauth_max_pending` on both stores, with the clock held still: a step 1
 * costs one counter operation once the previous window's figure is known,
 * and that kept figure (which can only be too high, since an ended window
 * only loses places) never refuses a URL that a fresh read would admit.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { countCalls } from '../adapters/count-ops.js';
import type { Store } from '../adapters/store.js';
import type { Events } from '../server/events.js';
import { HttpError } from '../server/errors.js';
import { pendingLimit } from '../server/limits/max-pending.js';
import { COUNTERS, windowOf } from '../server/limits/window.js';
import { bareStores, closeMongo, type StoreKind } from './support/server.js';

const TTL = 10;
const WINDOW = TTL * 1000;
/** 5 s into a window: the previous one has long settled. */
const NOW = 1_800_000_000_000 + WINDOW / 2;

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`preauth_max_pending counting (${kind})`, () => {
    let store: Store;
    const events = { emit() {} } as unknown as Events;
    before(async () => {
      store = await bareStores[kind]();
      mock.timers.enable({ apis: ['Date'], now: NOW });
    });
    after(async () => {
      mock.timers.reset();
      await store?.close();
      if (kind === 'mongodb') await closeMongo();
    });
    const counts: Record<string, number> = {};
    const counted = () => countCalls(store, counts);
    const refused = async (p: Promise<void>) => {
      try {
        await p;
        return false;
      } catch (err) {
        if (err instanceof HttpError && err.status === 429) return true;
        throw err;
      }
    };

    it('one counter operation per step 1 once the previous window is known', async () => {
      const limit = pendingLimit({ store: counted(), events });
      delete counts['hit ratelimits'];
      for (let i = 0; i < 5; i++) await limit.reserve('one-op', 'signed-jwt', TTL, 100);
      assert.equal(counts['hit ratelimits'], 6, 'the first reads the previous window too, the other four count only');
    });

    it('a kept figure that went stale (a place given back) is read again before refusing', async () => {
      const limit = pendingLimit({ store: counted(), events });
      const client = 'stale';
      // Two URLs in the previous window.
      mock.timers.setTime(NOW - WINDOW);
      await limit.reserve(client, 'signed-jwt', TTL, 3);
      await limit.reserve(client, 'signed-jwt', TTL, 3);
      mock.timers.setTime(NOW);
      assert.equal(await refused(limit.reserve(client, 'signed-jwt', TTL, 3)), false, '1 + 2 of 3');
      // One of the older URLs is redeemed: its window gives the place back.
      const older = windowOf('pending', client, WINDOW, NOW - WINDOW);
      await store.hit(COUNTERS, older.id, older.endsAt + WINDOW, -1);
      assert.equal(await refused(limit.reserve(client, 'signed-jwt', TTL, 3)), false, '2 + 1 of 3: admitted on a fresh read');
      assert.equal(await refused(limit.reserve(client, 'signed-jwt', TTL, 3)), true, '3 + 1 of 3: refused');
    });
  });
}
