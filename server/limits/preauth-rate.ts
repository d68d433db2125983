/**
 * `RATE_LIMIT_PREAUTH`: step-1 requests per client per minute, counted for
 * every channel as soon as the client is known, before any provider work.
 */
import type { Store } from '../../adapters/store.js';
import type { Events } from '../events.js';
import { MINUTE } from './settings.js';
import { countOrRefuse } from './window.js';

export function preauthRate(deps: { store: Store; events: Events }, max: number) {
  return (clientId: string, provider: string) =>
    countOrRefuse(deps, 'preauth', clientId, MINUTE, max, { client_id: clientId, provider },
      `more than ${max} step-1 requests per minute for this client`);
}
