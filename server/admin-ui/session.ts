/**
 * Admin web page sessions. Signing in with the admin token makes a random
 * session id; the browser keeps only that id, in an HttpOnly, SameSite=Strict
 * cookie scoped to the admin path (Secure when the issuer is https). The
 * store keeps the id's SHA-256 (a store dump opens no session), the CSRF
 * token bound to the session, and the expiry, so sessions work across
 * instances sharing a store and end on sign-out for every instance at once.
 * The admin token itself is never put in the cookie.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context } from 'koa';
import type { Store } from '../../adapters/store.js';

const COLLECTION = 'admin_sessions';
export const SESSION_COOKIE = 'handoff_admin';
/** Absolute lifetime: a forgotten tab does not stay signed in for days. */
export const SESSION_TTL_SECONDS = 8 * 3600;
const ID = /^[A-Za-z0-9_-]{43}$/;

export interface AdminSession {
  /** Synchronizer token: every change must carry it. */
  csrf: string;
  createdAt: string;
}

const hash = (value: string) => createHash('sha256').update(value).digest('hex');

function readCookie(ctx: Context, name: string): string | undefined {
  for (const part of (ctx.get('cookie') ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export class AdminSessions {
  constructor(
    private readonly store: Store,
    /** The cookie's Path: the admin page and nothing else of the issuer. */
    private readonly cookiePath: string,
    private readonly secure: boolean,
  ) {}

  #cookie(value: string, maxAge: number): string {
    return `${SESSION_COOKIE}=${value}; Path=${this.cookiePath}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${this.secure ? '; Secure' : ''}`;
  }

  /** Starts a session (ending one the browser had) and sets its cookie. */
  async start(ctx: Context): Promise<AdminSession> {
    const previous = readCookie(ctx, SESSION_COOKIE);
    if (previous && ID.test(previous)) await this.store.delete(COLLECTION, hash(previous));
    const id = randomBytes(32).toString('base64url');
    const session: AdminSession = { csrf: randomBytes(32).toString('base64url'), createdAt: new Date().toISOString() };
    await this.store.put(COLLECTION, { id: hash(id), data: session, expiresAt: Date.now() + SESSION_TTL_SECONDS * 1000 });
    ctx.append('Set-Cookie', this.#cookie(id, SESSION_TTL_SECONDS));
    return session;
  }

  /** The live session the request's cookie names, if any. */
  async current(ctx: Context): Promise<AdminSession | undefined> {
    const id = readCookie(ctx, SESSION_COOKIE);
    if (!id || !ID.test(id)) return undefined;
    return (await this.store.get<AdminSession>(COLLECTION, hash(id)))?.data;
  }

  /** Ends the request's session (if any) and expires its cookie. */
  async end(ctx: Context): Promise<void> {
    const id = readCookie(ctx, SESSION_COOKIE);
    if (id && ID.test(id)) await this.store.delete(COLLECTION, hash(id));
    ctx.append('Set-Cookie', this.#cookie('', 0));
  }
}

/** Constant-time comparison of the form's CSRF token with the session's. */
export function csrfMatches(session: AdminSession, presented: string | null | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(hash(presented), 'hex');
  const b = Buffer.from(hash(session.csrf), 'hex');
  return timingSafeEqual(a, b);
}
