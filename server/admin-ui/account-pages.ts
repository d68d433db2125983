/** The account pages, through the admin API's own account functions. */
import { createAccount, deleteAccount, getAccount } from '../admin/accounts.js';
import { HttpError, type ErrorDetail } from '../errors.js';
import { changing, viewing, type Ui } from './guard.js';
import { sendHtml, seeOther } from './respond.js';
import { accountsPage } from './views/accounts.js';
import { uiUrl } from './views/shell.js';

const text = (value: unknown) => (typeof value === 'string' ? value : '');

export function accountPages(ui: Ui) {
  const { deps } = ui;
  return {
    show: viewing(ui, async (ctx, shell) => {
      const sub = text(ctx.query.sub).trim();
      const view = { notice: text(ctx.query.notice) || undefined, name: text(ctx.query.name) };
      if (!sub) return sendHtml(ctx, 200, accountsPage(shell, view));
      try {
        sendHtml(ctx, 200, accountsPage(shell, { ...view, found: await getAccount(deps, sub) }));
      } catch (err) {
        if (!(err instanceof HttpError) || err.status !== 404) throw err;
        sendHtml(ctx, 404, accountsPage(shell, { ...view, missing: sub }));
      }
    }),

    create: changing(ui, async (ctx, shell, form) => {
      const username = form.get('username') ?? '';
      const claimsText = (form.get('claims') ?? '').trim();
      const draft = { username, claims: form.get('claims') ?? '' };
      let claims: unknown;
      if (claimsText) {
        try {
          claims = JSON.parse(claimsText);
        } catch {
          return sendHtml(ctx, 400, accountsPage(shell, { draft, details: [{ field: 'claims', message: 'is not valid JSON' }] }));
        }
      }
      try {
        const account = await createAccount(deps, { username, password: form.get('password') ?? '', ...(claims === undefined ? {} : { claims }) });
        sendHtml(ctx, 201, accountsPage(shell, { found: account, created: true }));
      } catch (err) {
        if (!(err instanceof HttpError) || (err.status !== 400 && err.status !== 409)) throw err;
        const details: ErrorDetail[] = err.details?.length ? err.details : [{ field: 'username', message: err.description ?? err.error }];
        sendHtml(ctx, err.status, accountsPage(shell, { draft, details }));
      }
    }),

    remove: changing(ui, async (ctx) => {
      const sub = ctx.params.sub!;
      await deleteAccount(deps, sub);
      seeOther(ctx, `${uiUrl(ui.base, '/accounts')}?notice=account-deleted&name=${encodeURIComponent(sub)}`);
    }),
  };
}
