/**
 * /admin/clients: client metadata lives in the store collection that
 * oidc-provider's adapter reads clients from, so a stored client is live at
 * once and a changed one takes effect on the next request (oidc-provider
 * caches clients by a hash of their metadata).
 *
 * Each operation is a plain function (the admin web page calls the same
 * ones); the routes only read the request and write the answer.
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

/** One compiled shape schema per provider list (ajv compiles by object identity). */
const schemas = new WeakMap<string[], object>();
function schemaFor(providerIds: string[]): object {
  let schema = schemas.get(providerIds);
  if (!schema) schemas.set(providerIds, (schema = clientShapeSchema(providerIds)));
  return schema;
}

async function check(deps: AdminDeps, metadata: JsonObject): Promise<void> {
  const error = clientCheckError(await checkClient(deps.oidc, schemaFor(deps.providerIds), deps.providerIds, metadata));
  if (error) throw error;
}

async function stored(deps: AdminDeps, id: string): Promise<JsonObject> {
  const record = await deps.store.get<JsonObject>(CLIENTS, id);
  if (!record) throw notFound('unknown client');
  return record.data;
}

/** The stored metadata, `client_secret` included (this answer only). */
export async function createClient(deps: AdminDeps, body: JsonObject): Promise<{ client: JsonObject }> {
  const metadata = withCredentials(applyDefaults(withoutServerManaged(withoutNulls(body))));
  await check(deps, metadata);
  const id = metadata.client_id as string;
  // insertNew is atomic: of two creations with one id exactly one wins.
  if (!(await deps.store.insertNew(CLIENTS, { id, data: metadata, clientId: id }))) {
    throw new HttpError(409, 'invalid_request', 'client_id already exists');
  }
  deps.events.emit('client.created', { client_id: id });
  return { client: metadata };
}

export async function listClients(deps: AdminDeps): Promise<JsonObject[]> {
  return (await deps.store.list<JsonObject>(CLIENTS)).map((record) => withoutSecret(record.data));
}

export async function getClient(deps: AdminDeps, id: string): Promise<JsonObject> {
  return withoutSecret(await stored(deps, id));
}

/** Partial metadata: `null` removes a key. */
export async function updateClient(deps: AdminDeps, id: string, body: JsonObject): Promise<{ client: JsonObject }> {
  const current = await stored(deps, id);
  const patch = withoutServerManaged(body);
  const clientId = current.client_id as string;
  if ('client_id' in patch && patch.client_id !== clientId) {
    throw invalidRequest('client_id cannot change', [{ field: 'client_id', message: 'cannot change' }]);
  }
  const merged: JsonObject = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete merged[key];
    else merged[key] = value;
  }
  applyDefaults(merged);
  await check(deps, merged);
  await deps.store.put(CLIENTS, { id: clientId, data: merged, clientId });
  deps.events.emit('client.updated', { client_id: clientId });
  return { client: withoutSecret(merged) };
}

export async function deleteClient(deps: AdminDeps, id: string): Promise<void> {
  // The client goes first, so nothing new is issued to it while its
  // records are purged.
  if (!(await deps.store.delete(CLIENTS, id))) throw notFound('unknown client');
  await purgeClient(deps, id);
  deps.events.emit('client.deleted', { client_id: id });
}

export function clientRoutes(deps: AdminDeps) {
  return {
    async create(ctx: Context): Promise<void> {
      const { client } = await createClient(deps, await readJsonObject(ctx));
      ctx.status = 201;
      ctx.set('Location', `${deps.oidc.issuer}/admin/clients/${encodeURIComponent(client.client_id as string)}`);
      ctx.body = client;
    },

    async list(ctx: Context): Promise<void> {
      ctx.body = await listClients(deps);
    },

    async get(ctx: Context): Promise<void> {
      ctx.body = await getClient(deps, ctx.params.id);
    },

    async update(ctx: Context): Promise<void> {
      const { client } = await updateClient(deps, ctx.params.id, await readJsonObject(ctx));
      ctx.body = client;
    },

    async remove(ctx: Context): Promise<void> {
      await deleteClient(deps, ctx.params.id);
      ctx.status = 204;
    },
  };
}
