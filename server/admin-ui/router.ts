/**
 * The admin web page (contract §7): server-rendered HTML at /admin and
 * /admin/ui/…, beside the JSON admin API, which keeps its bearer token.
 * `GET /admin` is the page for browsers (they ask for text/html); any other
 * caller of that path gets the API's own answer. Unknown /admin/ui paths get
 * an HTML 404 here, so the API's token check never answers a page URL.
 */
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { HttpError } from '../errors.js';
import { accountPages } from './account-pages.js';
import { ADMIN_CSS, COPY_JS } from './assets.js';
import { clientPages } from './client-pages.js';
import { changing, shellOf, uiOf, type AdminUiDeps, type Ui } from './guard.js';
import { handoffPages } from './handoff-pages.js';
import { fromElsewhere, readForm, securityHeaders, sendHtml, seeOther } from './respond.js';
import { adminUrl } from './views/shell.js';
import { problemPage, signInPage } from './views/sign-in.js';

export type { AdminUiDeps } from './guard.js';

const TITLES: Record<number, string> = { 400: 'That did not work', 404: 'Not found', 413: 'Too large', 415: 'Not a form', 503: 'Temporarily unavailable' };

/** The page's own failures (unknown client, a store that is down, …) as pages, not JSON. */
function htmlErrors(ui: Ui) {
  return async function adminPageErrors(ctx: Context, next: Next): Promise<void> {
    try {
      await next();
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      const session = await ui.sessions.current(ctx).catch(() => undefined);
      ctx.set(err.headers);
      const description = err.description ?? err.error;
      const message = description.charAt(0).toUpperCase() + description.slice(1);
      sendHtml(ctx, err.status, problemPage(session && shellOf(ui, session), ui.base, TITLES[err.status] ?? 'That did not work', message, err.error));
    }
  };
}

function asset(type: string, body: string) {
  return (ctx: Context): void => {
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Cache-Control', 'no-cache');
    ctx.type = type;
    ctx.body = body;
  };
}

export function adminUiRouter(deps: AdminUiDeps): Router {
  const ui = uiOf(deps);
  const router = new Router();
  const clients = clientPages(ui);
  const accounts = accountPages(ui);
  const handoffs = handoffPages(ui);

  router.get('/admin', async (ctx, next) => {
    if (!ctx.get('accept').includes('text/html')) return next();
    await htmlErrors(ui)(ctx, async () => {
      const session = await ui.sessions.current(ctx);
      const notice = typeof ctx.query.notice === 'string' ? ctx.query.notice : undefined;
      if (!session) return sendHtml(ctx, 200, signInPage(ui.base, { notice }));
      await clients.list(ctx as never);
    });
  });

  router.use('/admin/ui', htmlErrors(ui));
  router.get('/admin/ui/style.css', asset('text/css; charset=utf-8', ADMIN_CSS));
  router.get('/admin/ui/copy.js', asset('text/javascript; charset=utf-8', COPY_JS));

  router.post('/admin/ui/sign-in', async (ctx) => {
    if (fromElsewhere(ctx, ui.origin)) return sendHtml(ctx, 403, problemPage(undefined, ui.base, 'Sign-in refused', 'This sign-in did not come from the admin page itself.', 'access_denied'));
    const form = await readForm(ctx);
    const token = form.get('token') ?? '';
    if (!deps.checkToken(token)) return sendHtml(ctx, 401, signInPage(ui.base, { failed: true }));
    await ui.sessions.start(ctx);
    seeOther(ctx, adminUrl(ui.base));
  });
  router.post('/admin/ui/sign-out', changing(ui, async (ctx) => {
    await ui.sessions.end(ctx);
    seeOther(ctx, `${adminUrl(ui.base)}?notice=signedout`);
  }));

  router.get('/admin/ui/clients/new', clients.newForm);
  router.post('/admin/ui/clients', clients.create);
  router.get('/admin/ui/clients/:id', clients.editForm);
  router.post('/admin/ui/clients/:id', clients.update);
  router.get('/admin/ui/clients/:id/delete', clients.confirmDelete);
  router.post('/admin/ui/clients/:id/delete', clients.remove);

  router.get('/admin/ui/accounts', accounts.show);
  router.post('/admin/ui/accounts', accounts.create);
  router.post('/admin/ui/accounts/:sub/delete', accounts.remove);

  router.get('/admin/ui/handoffs', handoffs.list);
  router.post('/admin/ui/handoffs/revoke-all', handoffs.revokeAll);
  router.post('/admin/ui/handoffs/:id/revoke', handoffs.revoke);

  router.get('/admin/ui/keys', handoffs.keys);
  router.post('/admin/ui/keys/rotate', handoffs.rotate);

  router.all('/admin/ui{/*rest}', (ctx) => {
    securityHeaders(ctx);
    throw new HttpError(404, 'not_found', 'There is no such admin page.');
  });
  return router;
}
