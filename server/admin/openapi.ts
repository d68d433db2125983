/**
 * GET /admin/openapi.json (contract §3): OpenAPI 3.1 for the admin API and
 * the providers' native endpoints. Every request body schema here is the very
 * object the server validates with (client shape, account, each provider's
 * payload schema), imported, never copied, so the document cannot drift from
 * what the server accepts. Answers are not validated by the server; their
 * schemas are in openapi-responses.ts.
 */
import type { Context } from 'koa';
import type { Provider } from '../../providers/define.js';
import { ACCOUNT_SCHEMA } from './accounts.js';
import { clientShapeSchema } from './client-schema.js';
import {
  ACCOUNT, AUTH_PARAM_DESCRIPTIONS, ERROR, HANDOFF, PREAUTH_RESULT, REVOKED, ROTATED_KEYS,
} from './openapi-responses.js';

export interface OpenApiSources {
  issuer: string;
  providers: Provider[];
  /** Step-1 authorization parameters; native endpoints take them in the query string. */
  authParams: readonly string[];
}

type Json = Record<string, unknown>;

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: object) => ({ 'application/json': { schema } });
const answer = (description: string, schema?: object) => (schema ? { description, content: json(schema) } : { description });
const failure = (description: string) => answer(description, ref('Error'));

const UNAUTHORIZED = { 401: failure('missing or wrong admin token (with `WWW-Authenticate`)') };
const NOT_FOUND = { 404: failure('unknown id') };
const INVALID = { 400: failure('the body failed validation: one `details` entry per failing field') };

const pathParam = (name: string, description: string) => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });
const queryParam = (name: string, description: string, required = false) => ({ name, in: 'query', required, description, schema: { type: 'string' } });

/** PATCH semantics of the admin API: a field set to null is removed, others replace. */
function patchOf(schema: { properties?: Record<string, object> }): object {
  const properties = Object.fromEntries(Object.entries(schema.properties ?? {})
    .map(([key, value]) => [key, { anyOf: [value, { type: 'null' }] }]));
  return { ...schema, properties };
}

/** Media types whose body is the payload object itself (as opposed to an encoded token). */
const isStructured = (type: string) => type === 'application/json' || type.endsWith('+json') || type === 'application/x-www-form-urlencoded';
const mediaType = (type: string) => type.split(';')[0].trim().toLowerCase();

function adminPaths(): Json {
  const tags = (tag: string) => ({ tags: [tag] });
  return {
    '/admin/clients': {
      post: {
        ...tags('clients'), operationId: 'createClient', summary: 'Register a client (RFC 7591 metadata plus handoff extensions)',
        requestBody: { required: true, content: json(ref('ClientMetadata')) },
        responses: { 201: answer('the stored metadata; `client_secret` appears in this answer only', ref('Client')), ...INVALID, ...UNAUTHORIZED, 409: failure('client_id already exists') },
      },
      get: { ...tags('clients'), operationId: 'listClients', summary: 'Every client, without secrets', responses: { 200: answer('clients', { type: 'array', items: ref('Client') }), ...UNAUTHORIZED } },
    },
    '/admin/clients/{id}': {
      parameters: [pathParam('id', 'client_id')],
      get: { ...tags('clients'), operationId: 'getClient', summary: 'One client, without its secret', responses: { 200: answer('the client', ref('Client')), ...UNAUTHORIZED, ...NOT_FOUND } },
      patch: {
        ...tags('clients'), operationId: 'updateClient', summary: 'Change some metadata; `null` removes a field',
        requestBody: { required: true, content: json(ref('ClientPatch')) },
        responses: { 200: answer('the updated client', ref('Client')), ...INVALID, ...UNAUTHORIZED, ...NOT_FOUND },
      },
      delete: { ...tags('clients'), operationId: 'deleteClient', summary: 'Delete a client; its grants and tokens stop working', responses: { 204: answer('deleted'), ...UNAUTHORIZED, ...NOT_FOUND } },
    },
    '/admin/accounts': {
      post: {
        ...tags('accounts'), operationId: 'createAccount', summary: 'Create a local account (password stored as a slow salted hash)',
        requestBody: { required: true, content: json(ref('AccountInput')) },
        responses: { 201: answer('the account', ref('Account')), ...INVALID, ...UNAUTHORIZED, 409: failure('username already exists') },
      },
    },
    '/admin/accounts/{sub}': {
      parameters: [pathParam('sub', 'the account\'s subject')],
      get: { ...tags('accounts'), operationId: 'getAccount', summary: 'One account', responses: { 200: answer('the account', ref('Account')), ...UNAUTHORIZED, ...NOT_FOUND } },
      delete: { ...tags('accounts'), operationId: 'deleteAccount', summary: 'Delete an account; its sessions and grants end', responses: { 204: answer('deleted'), ...UNAUTHORIZED, ...NOT_FOUND } },
    },
    '/admin/handoffs': {
      get: {
        ...tags('handoffs'), operationId: 'listHandoffs', summary: 'Unredeemed handoffs (never their code or payload)',
        parameters: [queryParam('client_id', 'only this client\'s'), queryParam('sub', 'only this subject\'s')],
        responses: { 200: answer('unredeemed handoffs', { type: 'array', items: ref('Handoff') }), ...UNAUTHORIZED },
      },
      delete: {
        ...tags('handoffs'), operationId: 'revokeHandoffs', summary: 'Revoke every unredeemed handoff of a client (and subject)',
        parameters: [queryParam('client_id', 'the client whose handoffs are revoked', true), queryParam('sub', 'only this subject\'s')],
        responses: { 200: answer('how many were revoked', ref('Revoked')), 400: failure('client_id is missing'), ...UNAUTHORIZED },
      },
    },
    '/admin/handoffs/{id}': {
      parameters: [pathParam('id', 'the handoff id from the list')],
      delete: { ...tags('handoffs'), operationId: 'revokeHandoff', summary: 'Revoke one unredeemed handoff: its URL then fails like an unknown one', responses: { 204: answer('revoked'), ...UNAUTHORIZED, ...NOT_FOUND } },
    },
    '/admin/keys/rotate': {
      post: {
        ...tags('keys'), operationId: 'rotateKeys', summary: 'New signing keys become current; the previous ones stay in the JWKS until what they signed has expired',
        responses: { 201: answer('the new key ids', ref('RotatedKeys')), ...UNAUTHORIZED },
      },
    },
    '/admin/openapi.json': {
      get: {
        ...tags('meta'), operationId: 'openApi', summary: 'This document', security: [],
        responses: { 200: answer('OpenAPI 3.1', { type: 'object' }) },
      },
    },
  };
}

function nativePath(provider: Provider, sources: OpenApiSources): Json {
  const requestContent = Object.fromEntries(provider.native.contentTypes.map((type) => [type, isStructured(type)
    ? { schema: provider.schema }
    : {
      schema: { type: 'string', description: `the ${type} body; decoded, it must satisfy \`x-handoff-payload-schema\`` },
      'x-handoff-payload-schema': provider.schema,
    }]));
  // The answer's media type is the provider's own: ask it with a sample result.
  const sample = provider.native.respond({ preauth_url: `${sources.issuer}/preauth/CODE`, expires_in: 120 });
  const okType = mediaType(sample.type);
  const errorType = provider.native.respondError ? mediaType(provider.native.respondError({ error: 'invalid_request' }, 400).type) : 'application/json';
  const errorContent = { [errorType]: { schema: isStructured(errorType) ? ref('Error') : { type: 'string' } } };
  const fail = (description: string) => ({ description, content: errorContent });
  return {
    post: {
      tags: ['providers'],
      operationId: `preauth_${provider.id.replace(/[^A-Za-z0-9_]/g, '_')}`,
      summary: `Step 1 in the ${provider.id} provider's own format`,
      description: 'The body belongs to the provider and identifies the client (HTTP Basic, or a signature in the body); '
        + 'the authorization parameters travel in the query string.',
      security: [{ clientBasic: [] }, {}],
      parameters: sources.authParams.map((name) => queryParam(name, AUTH_PARAM_DESCRIPTIONS[name] ?? 'authorization parameter')),
      requestBody: { required: true, content: requestContent },
      responses: {
        200: {
          description: 'the pre-auth URL',
          content: { [okType]: isStructured(okType) ? { schema: ref('PreauthResult') } : { schema: { type: 'string' }, example: String(sample.body) } },
        },
        400: fail('invalid request, credentials or signature rejected (`invalid_grant`), provider not allowed (`unauthorized_client`)'),
        401: fail('unknown client, or wrong secret or signature (`invalid_client`)'),
        413: fail('the body is over the size limit'),
        415: fail('unsupported content type'),
        429: { ...fail('over a rate limit or the client\'s `preauth_max_pending`'), headers: { 'Retry-After': { schema: { type: 'integer' } } } },
      },
    },
  };
}

export function openApiDocument(sources: OpenApiSources): Json {
  const providerIds = sources.providers.map((provider) => provider.id);
  const clientMetadata = clientShapeSchema(providerIds);
  return {
    openapi: '3.1.0',
    info: {
      title: 'handoff admin API and native pre-auth endpoints',
      version: '1',
      description: 'Admin calls need `Authorization: Bearer <ADMIN_TOKEN>`. The OpenID Connect endpoints are described by '
        + `${sources.issuer}/.well-known/openid-configuration instead.`,
    },
    servers: [{ url: sources.issuer }],
    security: [{ adminToken: [] }],
    tags: [{ name: 'clients' }, { name: 'accounts' }, { name: 'handoffs' }, { name: 'keys' }, { name: 'providers' }, { name: 'meta' }],
    paths: {
      ...adminPaths(),
      ...Object.fromEntries(sources.providers.map((provider) => [`/providers/${provider.id}/preauth`, nativePath(provider, sources)])),
    },
    components: {
      securitySchemes: {
        adminToken: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN' },
        clientBasic: { type: 'http', scheme: 'basic', description: 'client_id:client_secret, each form-encoded (RFC 6749 §2.3.1)' },
      },
      schemas: {
        ClientMetadata: clientMetadata,
        ClientPatch: patchOf(clientMetadata as { properties?: Record<string, object> }),
        Client: { allOf: [ref('ClientMetadata')], required: ['client_id'] },
        AccountInput: ACCOUNT_SCHEMA,
        Account: ACCOUNT,
        Handoff: HANDOFF,
        Revoked: REVOKED,
        RotatedKeys: ROTATED_KEYS,
        PreauthResult: PREAUTH_RESULT,
        Error: ERROR,
      },
    },
  };
}

/** Public (no token): built once, on first request. */
export function openApiRoute(sources: OpenApiSources) {
  let body: string | undefined;
  return function openApi(ctx: Context): void {
    body ??= JSON.stringify(openApiDocument(sources));
    ctx.type = 'application/json';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = body;
  };
}
