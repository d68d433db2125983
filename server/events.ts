/**
 * Audit events and the metrics that count them, in one place: every outcome
 * is reported once, where it is decided, as `events.emit(name, fields)`. That
 * writes one `info` log line with an `event` field (contract §8) and bumps the
 * matching Prometheus series (contract §7), so the log and the metrics can
 * never disagree. Fields name who and what, never a secret, code or payload.
 */
import type { Logger } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export type AuditEvent =
  | 'handoff.created'
  | 'handoff.redeemed'
  | 'handoff.rejected'
  | 'handoff.revoked'
  | 'preauth.refused'
  | 'replay.blocked'
  | 'ratelimit.hit'
  | 'keys.rotated'
  | 'client.created'
  | 'client.updated'
  | 'client.deleted'
  | 'account.created'
  | 'account.deleted';

export interface AuditFields {
  client_id?: string;
  provider?: string;
  sub?: string;
  /** Redemption failure reason (`unknown`, `expired`, `used`, `ip_mismatch`, `not_allowed`) or limit name. */
  reason?: string;
  /** The OAuth `error` of a refused step 1. */
  error?: string;
  [field: string]: string | number | boolean | undefined;
}

export interface Events {
  /** Prometheus registry of this instance: the default process metrics and handoff's own. */
  readonly registry: Registry;
  emit(event: AuditEvent, fields?: AuditFields): void;
  /** Starts timing a redemption request; call the result once it has answered. */
  timeRedemption(): () => void;
}

export interface EventsOptions {
  /** Counts unredeemed handoffs for the `handoff_pending_handoffs` gauge, read at scrape time. */
  pendingHandoffs?: () => Promise<number>;
  /**
   * The registered provider ids. A refused request may name any provider, and
   * a label per made-up name would grow the metrics without bound: names not
   * listed here are counted as `unknown` (the log line keeps what was sent).
   */
  providerIds?: readonly string[];
}

export function createEvents(log: Logger, options: EventsOptions = {}): Events {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const preauthRequests = new Counter({
    name: 'handoff_preauth_requests_total',
    help: 'Step-1 requests by provider and outcome (ok, or the OAuth error)',
    labelNames: ['provider', 'outcome'] as const,
    registers: [registry],
  });
  const redemptions = new Counter({
    name: 'handoff_redemptions_total',
    help: 'Redemption attempts by outcome (ok, or the failure reason)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const redemptionDuration = new Histogram({
    name: 'handoff_redemption_duration_seconds',
    help: 'Time to answer a redemption request',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'handoff_pending_handoffs',
    help: 'Unredeemed, unexpired pre-auth URLs',
    registers: [registry],
    async collect() {
      if (options.pendingHandoffs) this.set(await options.pendingHandoffs());
    },
  });

  const known = new Set(options.providerIds ?? []);
  const providerLabel = (provider: string | undefined) => (provider !== undefined && known.has(provider) ? provider : 'unknown');

  return {
    registry,
    emit(event, fields = {}) {
      log.info({ event, ...fields }, event);
      switch (event) {
        case 'handoff.created':
          preauthRequests.inc({ provider: providerLabel(fields.provider), outcome: 'ok' });
          break;
        case 'preauth.refused':
          preauthRequests.inc({ provider: providerLabel(fields.provider), outcome: fields.error ?? 'error' });
          break;
        case 'handoff.redeemed':
          redemptions.inc({ outcome: 'ok' });
          break;
        case 'handoff.rejected':
          redemptions.inc({ outcome: fields.reason ?? 'unknown' });
          break;
        default:
      }
    },
    timeRedemption: () => redemptionDuration.startTimer(),
  };
}
