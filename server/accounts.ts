/**
 * Local accounts (created by the admin API) and the partner subjects that
 * providers assert. Passwords are kept only as salted scrypt hashes.
 */
import { randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { Store } from '../adapters/store.js';
import { RecentSubjects } from './recent-subjects.js';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))));

const PARAMS = { N: 16384, r: 8, p: 1 } as const;
const KEYLEN = 32;

export type Claims = Record<string, unknown>;

export interface Account {
  sub: string;
  username: string;
  claims: Claims;
  passwordHash: string;
  createdAt: string;
}

export interface PublicAccount {
  sub: string;
  username: string;
  claims: Claims;
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function verifyHash(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: +n, r: +r, p: +p });
  return timingSafeEqual(actual, expected);
}

export const toPublic = ({ sub, username, claims }: Account): PublicAccount => ({ sub, username, claims });

const DAY = 24 * 3600 * 1000;
/**
 * A partner subject must outlive everything that can sign it in again: the
 * Session, Grant and RefreshToken lifetimes in oidc/configuration.ts (14 days).
 * Every use (step 1, findAccount) makes sure at least that much is left.
 */
const SUBJECT_IN_USE = 14 * DAY;
/** Written with a week to spare, so a subject in steady use is rewritten at most weekly. */
const SUBJECT_LIFETIME = SUBJECT_IN_USE + 7 * DAY;

interface Subject {
  claims: Claims;
}

export interface AccountsOptions {
  /** The password hash check; replaceable so tests can see how often it runs. */
  verifyHash?: (password: string, stored: string) => Promise<boolean>;
  /** How long partner subjects' claims are reused without a store read (server/recent-subjects.ts). */
  recentSubjectMs?: number;
}

export class Accounts {
  /** Hashed once so that an unknown username costs the same as a wrong password. */
  readonly #decoy = hashPassword(randomBytes(16).toString('hex'));
  readonly #verifyHash: (password: string, stored: string) => Promise<boolean>;
  readonly #recent: RecentSubjects;

  constructor(private readonly store: Store, options: AccountsOptions = {}) {
    this.#verifyHash = options.verifyHash ?? verifyHash;
    this.#recent = new RecentSubjects(options.recentSubjectMs);
  }

  /** Undefined when the username is taken. A failed creation leaves nothing behind. */
  async create(input: { username: string; password: string; claims?: Claims }): Promise<Account | undefined> {
    const sub = randomUUID();
    // Hashed before the username is reserved, so the slow part cannot fail in between.
    const passwordHash = await hashPassword(input.password);
    if (!(await this.store.insertNew('usernames', { id: input.username, data: { sub }, sub }))) return undefined;
    const account: Account = {
      sub,
      username: input.username,
      claims: input.claims ?? {},
      passwordHash,
      createdAt: new Date().toISOString(),
    };
    try {
      await this.store.put('accounts', { id: sub, data: account, sub });
    } catch (err) {
      // The reservation is ours alone (insertNew won it): release it, or the username stays taken forever.
      await this.store.delete('usernames', input.username).catch(() => {});
      throw err;
    }
    return account;
  }

  async get(sub: string): Promise<Account | undefined> {
    return (await this.store.get<Account>('accounts', sub))?.data;
  }

  async delete(sub: string): Promise<boolean> {
    const account = await this.get(sub);
    if (!account) return false;
    await this.store.delete('accounts', sub);
    await this.store.delete('usernames', account.username);
    return true;
  }

  async verifyPassword(username: string, password: string): Promise<PublicAccount | undefined> {
    const link = await this.store.get<{ sub: string }>('usernames', username);
    const account = link ? await this.get(link.data.sub) : undefined;
    // Exactly one hash check whatever the outcome, so timing tells nothing about the username.
    const ok = await this.#verifyHash(password, account?.passwordHash ?? (await this.#decoy));
    return ok && account ? toPublic(account) : undefined;
  }

  /**
   * Partner subjects are remembered with their claims so findAccount can serve
   * them. Written only when the claims changed or the record nears its end, so
   * a returning user costs a read, not a write.
   */
  async rememberSubject(sub: string, clientId: string, claims: Claims): Promise<void> {
    const current = this.#recent.get(sub) ?? await this.#readSubject(sub);
    if (current && isDeepStrictEqual(current.claims, claims) && !expiringSoon(current.expiresAt)) return;
    await this.#writeSubject(sub, clientId, claims);
  }

  /** Claims of a local account or a remembered partner subject; a subject in use is kept alive. */
  async claimsOf(sub: string): Promise<Claims | undefined> {
    // Local account subs are UUIDs; a partner subject (`<client_id>|<sub>`)
    // can never be one, so it skips the accounts read that would always miss.
    if (!isPartnerSubject(sub)) {
      const account = await this.get(sub);
      if (account) return account.claims;
    }
    const recent = this.#recent.get(sub);
    if (recent && !expiringSoon(recent.expiresAt)) return recent.claims;
    const record = await this.store.get<Subject>('subjects', sub);
    if (!record) return undefined;
    if (expiringSoon(record.expiresAt)) await this.#writeSubject(sub, record.clientId, record.data.claims);
    else this.#recent.set(sub, record.data.claims, record.expiresAt);
    return record.data.claims;
  }

  /** The partner subjects a deleted client asserted go (the store and this process's copies). */
  async forgetSubjectsOf(clientId: string): Promise<void> {
    this.#recent.forgetClient(clientId);
    await this.store.deleteBy('subjects', 'clientId', clientId);
    // Again after: a read under way across the deletion may have put one back.
    this.#recent.forgetClient(clientId);
  }

  async #readSubject(sub: string): Promise<{ claims: Claims; expiresAt: number | null | undefined } | undefined> {
    const record = await this.store.get<Subject>('subjects', sub);
    if (!record) return undefined;
    this.#recent.set(sub, record.data.claims, record.expiresAt);
    return { claims: record.data.claims, expiresAt: record.expiresAt };
  }

  async #writeSubject(sub: string, clientId: string | undefined, claims: Claims): Promise<void> {
    const expiresAt = Date.now() + SUBJECT_LIFETIME;
    await this.store.put<Subject>('subjects', { id: sub, data: { claims }, clientId, sub, expiresAt });
    this.#recent.set(sub, claims, expiresAt);
  }
}

const LOCAL_SUB = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** True for a subject that cannot be a local account (those are created with randomUUID). */
const isPartnerSubject = (sub: string) => !LOCAL_SUB.test(sub);

/** Less than a full sign-in lifetime left (or none set, as records from before expiry had). */
function expiringSoon(expiresAt: number | null | undefined): boolean {
  return expiresAt == null || expiresAt - Date.now() < SUBJECT_IN_USE;
}
