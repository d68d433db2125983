/**
 * The client pages. Every save goes through the admin API's own functions
 * (server/admin/clients.ts), so the form is judged exactly as a JSON call
 * would be, and its `details` land beside the fields they name.
 */
import { createClient, deleteClient, getClient, listClients, updateClient } from '../admin/clients.js';
import { HttpError, type ErrorDetail } from '../errors.js';
import { bodyFromState, clientFieldSets, stateFromForm, stateFromMetadata } from './client-fields.js';
import { changing, viewing, type Ui } from './guard.js';
import { sendHtml, seeOther } from './respond.js';
import { clientFormPage } from './views/client-form.js';
import { clientCreatedPage, clientListPage, deleteClientPage } from './views/clients.js';
import { adminUrl } from './views/shell.js';

/** A refused save: the API's details, or its description as one entry. */
function detailsOf(err: HttpError, fallbackField: string): ErrorDetail[] {
  return err.details?.length ? err.details : [{ field: fallbackField, message: err.description ?? err.error }];
}

const refusedSave = (err: unknown): err is HttpError => err instanceof HttpError && (err.status === 400 || err.status === 409);

const query = (value: unknown) => (typeof value === 'string' ? value : undefined);

export function clientPages(ui: Ui) {
  const { deps } = ui;
  return {
    list: viewing(ui, async (ctx, shell) => {
      sendHtml(ctx, 200, clientListPage(shell, await listClients(deps), { notice: query(ctx.query.notice), name: query(ctx.query.name) }));
    }),

    newForm: viewing(ui, async (ctx, shell) => {
      const sets = clientFieldSets(deps.providerIds, true);
      // What a new client gets when nothing is changed: the API's own defaults.
      const state = stateFromMetadata(sets, {
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope: 'openid email profile',
        require_pkce: true,
        preauth_redemption: 'get',
      });
      sendHtml(ctx, 200, clientFormPage(shell, { sets, state }));
    }),

    create: changing(ui, async (ctx, shell, form) => {
      const sets = clientFieldSets(deps.providerIds, true);
      const state = stateFromForm(sets, form);
      const { body, details } = bodyFromState(sets, state, true);
      if (details.length) return sendHtml(ctx, 400, clientFormPage(shell, { sets, state, details }));
      try {
        const { client } = await createClient(deps, body);
        sendHtml(ctx, 201, clientCreatedPage(shell, client));
      } catch (err) {
        if (!refusedSave(err)) throw err;
        sendHtml(ctx, err.status, clientFormPage(shell, { sets, state, details: detailsOf(err, 'client_id') }));
      }
    }),

    editForm: viewing(ui, async (ctx, shell) => {
      const client = await getClient(deps, ctx.params.id!);
      const sets = clientFieldSets(deps.providerIds, false);
      sendHtml(ctx, 200, clientFormPage(shell, { sets, state: stateFromMetadata(sets, client), clientId: String(client.client_id) }));
    }),

    update: changing(ui, async (ctx, shell, form) => {
      const id = ctx.params.id!;
      const sets = clientFieldSets(deps.providerIds, false);
      const state = stateFromForm(sets, form);
      const { body, details } = bodyFromState(sets, state, false);
      if (details.length) return sendHtml(ctx, 400, clientFormPage(shell, { sets, state, details, clientId: id }));
      try {
        await updateClient(deps, id, body);
      } catch (err) {
        if (!refusedSave(err)) throw err;
        return sendHtml(ctx, err.status, clientFormPage(shell, { sets, state, details: detailsOf(err, 'metadata'), clientId: id }));
      }
      seeOther(ctx, `${adminUrl(ui.base)}?notice=client-updated&name=${encodeURIComponent(id)}`);
    }),

    confirmDelete: viewing(ui, async (ctx, shell) => {
      sendHtml(ctx, 200, deleteClientPage(shell, await getClient(deps, ctx.params.id!)));
    }),

    remove: changing(ui, async (ctx, _shell) => {
      const id = ctx.params.id!;
      await deleteClient(deps, id);
      seeOther(ctx, `${adminUrl(ui.base)}?notice=client-deleted&name=${encodeURIComponent(id)}`);
    }),
  };
}
