/**
 * Local accounts (created by the admin API) and the partner subjects that
 * providers assert. Passwords are kept only as salted scrypt hashes.
 */
import { randomBytes, randomUUID, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Store } from '../adapters/store.js';

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

export class Accounts {
  /** Hashed once so that an unknown username costs the same as a wrong password. */
  readonly #decoy = hashPassword(randomBytes(16).toString('hex'));

  constructor(private readonly store: Store) {}

  /** Undefined when the username is taken. */
  async create(input: { username: string; password: string; claims?: Claims }): Promise<Account | undefined> {
    const sub = randomUUID();
    if (!(await this.store.insertNew('usernames', { id: input.username, data: { sub }, sub }))) return undefined;
    const account: Account = {
      sub,
      username: input.username,
      claims: input.claims ?? {},
      passwordHash: await hashPassword(input.password),
      createdAt: new Date().toISOString(),
    };
    await this.store.put('accounts', { id: sub, data: account, sub });
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
    const ok = await verifyHash(password, account?.passwordHash ?? (await this.#decoy));
    return ok && account ? toPublic(account) : undefined;
  }

  /** Partner subjects are remembered with their claims so findAccount can serve them. */
  async rememberSubject(sub: string, clientId: string, claims: Claims): Promise<void> {
    await this.store.put('subjects', { id: sub, data: { claims }, clientId, sub });
  }

  /** Claims of a local account or a remembered partner subject. */
  async claimsOf(sub: string): Promise<Claims | undefined> {
    const account = await this.get(sub);
    if (account) return account.claims;
    return (await this.store.get<{ claims: Claims }>('subjects', sub))?.data.claims;
  }
}
