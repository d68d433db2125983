/**
 * Partner subjects' claims as this process last wrote or read them, for at
 * most RECENT_SUBJECT_MS. A login reads a subject's claims three times (step
 * 1 compares them, the redemption signs in, the code exchange builds the ID
 * token), and within a login they do not change: only a later step 1 for the
 * same subject writes new ones.
 *
 * Invalidation is honest for this process: every write of `subjects` goes
 * through Accounts, which updates the entry, and a client's deletion drops
 * its subjects. Another instance's newer claims for the same subject are
 * seen once the entry is older than the TTL (README "Running several
 * instances"), as for client metadata.
 */
/** Claims as a provider asserted them (the same shape as accounts' Claims). */
type Claims = Record<string, unknown>;

export const RECENT_SUBJECT_MS = 3000;
/** Bounded: a flood of distinct subjects cannot grow memory. */
const MAX_ENTRIES = 5000;

interface Entry {
  /** Parsed for each caller: nobody can change what another one got. */
  json: string;
  /** When the stored record expires (epoch ms). */
  expiresAt: number | null | undefined;
  until: number;
}

export class RecentSubjects {
  readonly #entries = new Map<string, Entry>();

  constructor(private readonly ttlMs = RECENT_SUBJECT_MS) {}

  /** The claims and the stored record's expiry, while the entry is fresh. */
  get(sub: string): { claims: Claims; expiresAt: number | null | undefined } | undefined {
    const entry = this.#entries.get(sub);
    if (!entry) return undefined;
    const now = Date.now();
    if (entry.until <= now || (entry.expiresAt != null && entry.expiresAt <= now)) {
      this.#entries.delete(sub);
      return undefined;
    }
    return { claims: JSON.parse(entry.json) as Claims, expiresAt: entry.expiresAt };
  }

  set(sub: string, claims: Claims, expiresAt: number | null | undefined): void {
    this.#entries.delete(sub);
    if (this.#entries.size >= MAX_ENTRIES) this.#entries.delete(this.#entries.keys().next().value!);
    this.#entries.set(sub, { json: JSON.stringify(claims), expiresAt, until: Date.now() + this.ttlMs });
  }

  /** Drops the subjects a deleted client asserted (`<client_id>|…`). */
  forgetClient(clientId: string): void {
    const prefix = `${clientId}|`;
    for (const sub of this.#entries.keys()) if (sub.startsWith(prefix)) this.#entries.delete(sub);
  }

  clear(): void {
    this.#entries.clear();
  }
}
