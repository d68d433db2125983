/**
 * Who may see and change what: every page needs a live admin session (else
 * the sign-in page), and every change needs that session's CSRF token in
 * its form (else 403, before anything is touched).
 */
import type { Context } from 'koa';
import type { AdminDeps } from '../admin/deps.js';
import { AdminSessions, csrfMatches, type AdminSession } from './session.js';
import { fromElsewhere, readForm, sendHtml, seeOther } from './respond.js';
import { adminUrl, type Shell } from './views/shell.js';
import { problemPage } from './views/sign-in.js';

export interface AdminUiDeps extends AdminDeps {
  /** The issuer identifier as configured: origin plus optional path prefix. */
  issuer: string;
}

/** What every admin page handler gets. */
export interface Ui {
  deps: AdminUiDeps;
  /** The issuer's path: '' or '/prefix'. */
  base: string;
  origin: string;
  sessions: AdminSessions;
}

export function uiOf(deps: AdminUiDeps): Ui {
  const url = new URL(deps.issuer);
  const base = url.pathname.replace(/\/+$/, '');
  return {
    deps,
    base,
    origin: url.origin,
    sessions: new AdminSessions(deps.store, `${base}/admin`, url.protocol === 'https:'),
  };
}

export const shellOf = (ui: Ui, session: AdminSession): Shell => ({ base: ui.base, csrf: session.csrf, keys: !!ui.deps.rotateKeys });

type Ctx = Context & { params: Record<string, string> };

/** A page to look at: without a session, the browser is sent to sign in. */
export function viewing(ui: Ui, handler: (ctx: Ctx, shell: Shell) => Promise<void>) {
  return async (ctx: Ctx): Promise<void> => {
    const session = await ui.sessions.current(ctx);
    if (!session) return seeOther(ctx, adminUrl(ui.base));
    await handler(ctx, shellOf(ui, session));
  };
}

/** A change: refused (403, nothing done) without the session and its CSRF token. */
export function changing(ui: Ui, handler: (ctx: Ctx, shell: Shell, form: URLSearchParams) => Promise<void>) {
  return async (ctx: Ctx): Promise<void> => {
    const refuse = (message: string) =>
      sendHtml(ctx, 403, problemPage(undefined, ui.base, 'Change refused', message, 'access_denied'));
    if (fromElsewhere(ctx, ui.origin)) return refuse('This change did not come from the admin page itself.');
    const session = await ui.sessions.current(ctx);
    if (!session) return refuse('Your admin session has ended. Sign in again and repeat the change.');
    const form = await readForm(ctx);
    if (!csrfMatches(session, form.get('csrf'))) {
      return refuse('This form is out of date or did not come from the admin page. Reload the page and try again.');
    }
    await handler(ctx, shellOf(ui, session), form);
  };
}
