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
import { failureCounter } from './window.js';

export function loginFailureLimit(deps: { store: Store; events: Events }, max: number) {
  const counter = failureCounter(deps, 'login-failures', FAILURE_WINDOW, max, 'too many failed sign-ins for this username; try again later');
  return {
    /** Throws the 429 when the username is over the limit. */
    check: (username: string, clientId: string) => counter.check(username, { client_id: clientId }),
    failed: (username: string) => counter.failed(username),
  };
}
