/**
 * Every limit of contract §1 and §3 in one object for app.ts to hand out:
 * the step-1 guards go into the pre-auth pipeline, the redemption limit is a
 * middleware in front of `/preauth`, the pending count watches the
 * handoffs' store for redemptions, and the login page counts its failed
 * sign-ins against `RATE_LIMIT_FAILURES` too.
 */
import type { Store } from '../../adapters/store.js';
import type { Events } from '../events.js';
import { failureLimit } from './failures.js';
import { loginFailureLimit } from './login-failures.js';
import { pendingLimit } from './max-pending.js';
import { preauthRate } from './preauth-rate.js';
import { redeemRate } from './redeem-rate.js';
import { DEFAULT_LIMITS, type LimitSettings } from './settings.js';

export { DEFAULT_LIMITS, type LimitSettings } from './settings.js';

export function createLimits(deps: { store: Store; events: Events }, settings: Partial<LimitSettings> = {}) {
  const max = { ...DEFAULT_LIMITS, ...settings };
  const failures = failureLimit(deps, max.failures);
  const pending = pendingLimit(deps);
  return {
    /** For the pre-auth pipeline (PreauthGuards). */
    guards: {
      admit: preauthRate(deps, max.preauth),
      checkFailures: failures.check,
      failed: failures.failed,
      reservePending: pending.reserve,
    },
    redeem: redeemRate(deps, max.redeem),
    /** For the interactive login page. */
    login: loginFailureLimit(deps, max.failures),
    countRedemptions: pending.countRedemptions,
  };
}
