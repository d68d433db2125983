/**
 * Unredeemed handoffs (list, revoke one, revoke all of a client) and key
 * rotation, through the same Handoffs operations and `rotateKeys` as the
 * admin API. A revoked pre-auth URL then fails like an unknown one.
 */
import { HttpError, notFound } from '../errors.js';
import { changing, viewing, type Ui } from './guard.js';
import { sendHtml, seeOther } from './respond.js';
import { handoffsPage } from './views/handoffs.js';
import { keysPage } from './views/keys.js';
import { uiUrl } from './views/shell.js';

const text = (value: unknown) => (typeof value === 'string' ? value.trim() : '');

/** The list page again, with the filters it had. */
function listUrl(ui: Ui, clientId: string, sub: string, extra: Record<string, string>): string {
  const params = new URLSearchParams({ ...(clientId ? { client_id: clientId } : {}), ...(sub ? { sub } : {}), ...extra });
  return `${uiUrl(ui.base, '/handoffs')}?${params}`;
}

export function handoffPages(ui: Ui) {
  const { handoffs, events } = ui.deps;
  return {
    list: viewing(ui, async (ctx, shell) => {
      const clientId = text(ctx.query.client_id);
      const sub = text(ctx.query.sub);
      const revoked = /^\d+$/.test(text(ctx.query.revoked)) ? Number(ctx.query.revoked) : undefined;
      const list = await handoffs.listPending({ ...(clientId ? { clientId } : {}), ...(sub ? { sub } : {}) });
      sendHtml(ctx, 200, handoffsPage(shell, { clientId, sub, handoffs: list, notice: text(ctx.query.notice) || undefined, revoked }));
    }),

    revoke: changing(ui, async (ctx, _shell, form) => {
      const id = ctx.params.id!;
      // Handoffs.revoke reports the handoff.revoked event itself.
      const revoked = await handoffs.revoke(id);
      seeOther(ctx, listUrl(ui, text(form.get('client_id')), text(form.get('sub')), { notice: revoked ? 'handoff-revoked' : 'handoff-gone' }));
    }),

    revokeAll: changing(ui, async (ctx, _shell, form) => {
      const clientId = text(form.get('client_id'));
      const sub = text(form.get('sub'));
      if (!clientId) throw new HttpError(400, 'invalid_request', 'Revoking all handoffs needs a client ID.');
      const count = await handoffs.revokeAll({ clientId, ...(sub ? { sub } : {}) });
      seeOther(ctx, listUrl(ui, clientId, sub, { revoked: String(count) }));
    }),

    keys: viewing(ui, async (ctx, shell) => {
      if (!ui.deps.rotateKeys) throw notFound('key rotation is not available on this server');
      sendHtml(ctx, 200, keysPage(shell));
    }),

    rotate: changing(ui, async (ctx, shell) => {
      if (!ui.deps.rotateKeys) throw notFound('key rotation is not available on this server');
      // rotateKeys reports the keys.rotated event itself.
      const kids = await ui.deps.rotateKeys();
      sendHtml(ctx, 201, keysPage(shell, kids));
    }),
  };
}
