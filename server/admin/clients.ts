/**
 * /admin/clients: client metadata lives in the store collection that
 * oidc-provider's adapter reads clients from, so a stored client is live at
 * once and a changed one takes effect on the next request (oidc-provider
 * caches clients by a hash of their metadata).
 */
import type { Context } from 'koa';
import { oidcCollection } from '../../adapters/oidc-adapter.js';
import { HttpError, invalidRequest, notFound } from '../errors.js';
import { applyDefaults, withCredentials, withoutSecret, withoutServerManaged } from './client-defaults.js';
import { clientShapeSchema } from './client-schema.js';
import { purgeClient } from './purge-client.js';
import { readJsonObject, type JsonObject } from './read-json.js';
import type { AdminDeps } from './deps.js';
import { checkClient, clientCheckError } from './validate-client.js';

const CLIENTS = oidcCollection('Client');

/** In a new client's body, `null` means the same as leaving the key out. */
const withoutNulls = (input: JsonObject): JsonObject =>
  Object.fromEntries(Object.entries(input).filter(([, value]) => value !== null));

export function clientRoutes(deps: AdminDeps) {
  const { store, oidc, providerIds, events } = deps;
  const schema = clientShapeSchema(providerIds);

  async function check(metadata: JsonObject): Promise<void> {
    const error = clientCheckError(await checkClient(oidc, schema, providerIds, metadata));
    if (error) throw error;
  }

  async function stored(ctx: Context): Promise<JsonObject> {
    const record = await store.get<JsonObject>(CLIENTS, ctx.params.id);
    if (!record) throw notFound('unknown client');
    return record.data;
  }

  return {
    async create(ctx: Context): Promise<void> {
      const metadata = withCredentials(applyDefaults(withoutServerManaged(withoutNulls(await readJsonObject(ctx)))));
      await check(metadata);
      const id = metadata.client_id as string;
      // insertNew is atomic: of two creations with one id exactly one wins.
      if (!(await store.insertNew(CLIENTS, { id, data: metadata, clientId: id }))) {
        throw new HttpError(409, 'invalid_request', 'client_id already exists');
      }
      events.emit('client.created', { client_id: id });
      ctx.status = 201;
      ctx.set('Location', `/admin/clients/${encodeURIComponent(id)}`);
      ctx.body = metadata;
    },

    async list(ctx: Context): Promise<void> {
      ctx.body = (await store.list<JsonObject>(CLIENTS)).map((record) => withoutSecret(record.data));
    },

    async get(ctx: Context): Promise<void> {
      ctx.body = withoutSecret(await stored(ctx));
    },

    async update(ctx: Context): Promise<void> {
      const current = await stored(ctx);
      const patch = withoutServerManaged(await readJsonObject(ctx));
      const id = current.client_id as string;
      if ('client_id' in patch && patch.client_id !== id) {
        throw invalidRequest('client_id cannot change', [{ field: 'client_id', message: 'cannot change' }]);
      }
      const merged: JsonObject = { ...current };
      for (const [key, value] of Object.entries(patch)) {
        if (value === null) delete merged[key];
        else merged[key] = value;
      }
      applyDefaults(merged);
      await check(merged);
      await store.put(CLIENTS, { id, data: merged, clientId: id });
      events.emit('client.updated', { client_id: id });
      ctx.body = withoutSecret(merged);
    },

    async remove(ctx: Context): Promise<void> {
      const id = ctx.params.id;
      // The client goes first, so nothing new is issued to it while its
      // records are purged.
      if (!(await store.delete(CLIENTS, id))) throw notFound('unknown client');
      await purgeClient(deps, id);
      events.emit('client.deleted', { client_id: id });
      ctx.status = 204;
    },
  };
}
