/** The configured limits (contract §1), with their defaults. */
export interface LimitSettings {
  /** Step-1 requests per client per minute (`RATE_LIMIT_PREAUTH`). */
  preauth: number;
  /**
   * Failed step-1 authentications per client and asserted user per 15 minutes
   * (`RATE_LIMIT_FAILURES`); the login page counts failed sign-ins per username.
   */
  failures: number;
  /** Redemption attempts per client IP per minute (`RATE_LIMIT_REDEEM`). */
  redeem: number;
}

export const DEFAULT_LIMITS: LimitSettings = { preauth: 600, failures: 10, redeem: 60 };

export const MINUTE = 60_000;
export const FAILURE_WINDOW = 15 * MINUTE;
