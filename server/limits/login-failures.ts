/**
 * The login page's share of `RATE_LIMIT_FAILURES`: failed password sign-ins
 * per username per 15 minutes, whatever the client or the address. Step 1
 * counts per client and user; an interactive sign-in has no authenticated
 * client to count against, so the username alone is the key.
 *
 * Checked before the password hash, so that once over the limit even the
 * right password is refused (guessing gains nothing) and a locked username
 * costs no hashing. Unknown usernames count like known ones: the answers
 * tell nothing about which exist.
 */
import type { Store } from '../../adapters/store.js';
import type { Events } from '../events.js';
import { FAILURE_WINDOW } from './settings.js';
import { COUNTERS, refuse, windowOf } from './window.js';

export function loginFailureLimit(deps: { store: Store; events: Events }, max: number) {
  const windowFor = (username: string) => windowOf('login-failures', username, FAILURE_WINDOW);
  return {
    /** Throws the 429 when the username is over the limit. */
    async check(username: string, clientId: string): Promise<void> {
      const window = windowFor(username);
      if (await deps.store.hit(COUNTERS, window.id, window.endsAt, 0) >= max) {
        refuse(deps.events, 'login-failures', window.endsAt, { client_id: clientId },
          'too many failed sign-ins for this username; try again later');
      }
    },
    async failed(username: string): Promise<void> {
      const window = windowFor(username);
      await deps.store.hit(COUNTERS, window.id, window.endsAt);
    },
  };
}
