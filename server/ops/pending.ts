/**
 * The count behind the `handoff_pending_handoffs` gauge, read at scrape time.
 * A store that does not answer must not fail the whole scrape: the process
 * metrics matter most during an outage. The gauge then reads NaN ("unknown"),
 * never a made-up 0.
 */
import type { Logger } from 'pino';
import type { Handoffs } from '../handoffs.js';

export function pendingHandoffs(handoffs: Pick<Handoffs, 'countPending'>, log: Logger): () => Promise<number> {
  return async () => {
    try {
      return await handoffs.countPending();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'pending handoffs not counted: the store did not answer');
      return Number.NaN;
    }
  };
}
