/**
 * GET /admin/openapi.json (contract §3): public, valid OpenAPI 3.1, covering
 * every admin and native-provider route the Koa routers register (found by
 * walking the routers, not from a list), with the request schemas the server
 * validates with.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type Router from '@koa/router';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { ACCOUNT_SCHEMA } from '../server/admin/accounts.js';
import { clientShapeSchema } from '../server/admin/client-schema.js';
import { xmlTicket } from './fixtures/xml-provider.js';
import { startServer, type TestServer } from './support/server.js';

type Doc = Record<string, any>;

const pathOf = (layer: { path: string | RegExp }) => String(layer.path);

/**
 * Every (method, path) of the JSON API that the app's routers register, with
 * `:param` written `{param}`: the native provider routes, and every route of
 * the router that serves the admin API (the one holding /admin/openapi.json).
 * Other /admin routers serve the admin web page, HTML outside this document.
 */
function registeredRoutes(server: TestServer): { method: string; path: string }[] {
  const routers = server.handoff.app.middleware
    .map((middleware) => (middleware as { router?: Router }).router)
    .filter((router): router is Router => !!router);
  const adminApi = routers.filter((router) => router.stack.some((layer) => pathOf(layer) === '/admin/openapi.json'));
  assert.equal(adminApi.length, 1, 'one router serves the admin API');
  const routes: { method: string; path: string }[] = [];
  for (const router of routers) {
    for (const layer of router.stack) {
      const raw = pathOf(layer);
      if (raw.startsWith('/admin') && router !== adminApi[0]) continue;
      // router.use() layers have no methods; catch-alls (`router.all`, `{/*rest}`) describe no operation.
      if (!layer.methods.length || layer.methods.length > 10 || /[{(]\/?\*|\(\.\*\)/.test(raw)) continue;
      const path = raw.replace(/:(\w+)/g, '{$1}');
      for (const method of layer.methods) if (method !== 'HEAD') routes.push({ method: method.toLowerCase(), path });
    }
  }
  return routes;
}

/** A router path is described by a document path when they match segment by segment, a `{param}` matching anything. */
function describedBy(doc: Doc, route: { method: string; path: string }): string[] {
  const segments = route.path.split('/');
  return Object.keys(doc.paths).filter((documented) => {
    const other = documented.split('/');
    return other.length === segments.length
      && segments.every((segment, i) => segment.startsWith('{') || other[i].startsWith('{') || segment === other[i])
      && doc.paths[documented][route.method] !== undefined;
  });
}

/** Every JSON Schema in the document (component schemas, bodies, parameters, answers). */
function* schemasOf(value: unknown, key = ''): Generator<object> {
  if (!value || typeof value !== 'object') return;
  if (key === 'schema' || key === 'x-handoff-payload-schema') {
    yield value;
    return;
  }
  if (key === 'schemas') {
    for (const schema of Object.values(value)) yield schema as object;
    return;
  }
  for (const [k, v] of Object.entries(value)) yield* schemasOf(v, k);
}

describe('OpenAPI document', () => {
  let server: TestServer;
  let doc: Doc;

  before(async () => {
    server = await startServer({ kind: 'sqlite', providers: [xmlTicket] });
    const res = await fetch(`${server.issuer}/admin/openapi.json`);
    assert.equal(res.status, 200, 'no token needed');
    assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
    doc = await res.json() as Doc;
  });
  after(() => server.close());

  it('is valid OpenAPI 3.1, and every schema in it compiles as JSON Schema 2020-12', async () => {
    const validator = new Validator();
    const result = await validator.validate(doc);
    assert.equal(result.valid, true, JSON.stringify(result.errors, null, 2));
    assert.equal(validator.version, '3.1');
    assert.match(doc.openapi, /^3\.1\./);
    const ajv = new Ajv2020({ strict: false, validateFormats: false });
    ajv.addSchema({ $id: 'doc', components: doc.components });
    let count = 0;
    for (const schema of schemasOf(doc.paths)) {
      // local $refs point into the document's components
      const rebased = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"doc#/components/'));
      assert.doesNotThrow(() => ajv.compile(rebased), JSON.stringify(schema));
      count += 1;
    }
    assert.ok(count > 20, `${count} schemas checked`);
  });

  it('describes every route of the admin API router and under /providers', () => {
    const routes = registeredRoutes(server).filter(({ path }) => path.startsWith('/admin') || path.startsWith('/providers'));
    assert.ok(routes.some((r) => r.path === '/admin/clients/{id}' && r.method === 'patch'), 'the walk finds the admin routes');
    assert.ok(routes.some((r) => r.path === '/providers/{provider}/preauth' && r.method === 'post'), 'and the native route');
    const missing = routes.filter((route) => describedBy(doc, route).length === 0);
    assert.deepEqual(missing, []);
  });

  it('describes the contract\'s admin operations, also those another part serves', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item as object).filter((k) => k !== 'parameters').map((method) => `${method.toUpperCase()} ${path}`));
    for (const expected of [
      'POST /admin/clients', 'GET /admin/clients', 'GET /admin/clients/{id}', 'PATCH /admin/clients/{id}', 'DELETE /admin/clients/{id}',
      'POST /admin/accounts', 'GET /admin/accounts/{sub}', 'DELETE /admin/accounts/{sub}',
      'GET /admin/handoffs', 'DELETE /admin/handoffs', 'DELETE /admin/handoffs/{id}', 'POST /admin/keys/rotate', 'GET /admin/openapi.json',
    ]) assert.ok(operations.includes(expected), expected);
    assert.deepEqual(doc.paths['/admin/openapi.json'].get.security, [], 'public');
    assert.deepEqual(doc.security, [{ adminToken: [] }]);
    assert.equal(doc.servers[0].url, server.issuer);
  });

  it('request bodies are the schemas the server validates with', () => {
    assert.deepEqual(doc.components.schemas.ClientMetadata, clientShapeSchema(server.handoff.providers.ids()));
    assert.deepEqual(doc.components.schemas.AccountInput, ACCOUNT_SCHEMA);
    assert.deepEqual(doc.components.schemas.ClientMetadata.properties.preauth_providers.items.enum,
      ['password', 'signed-jwt', 'hmac-form', 'xml-ticket']);
    assert.deepEqual(doc.paths['/admin/clients'].post.requestBody.content['application/json'].schema, { $ref: '#/components/schemas/ClientMetadata' });
  });

  it('one native endpoint per registered provider, with its media types, schema and answer format', () => {
    const ids = server.handoff.providers.ids();
    assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith('/providers/')).sort(), ids.map((id) => `/providers/${id}/preauth`).sort());
    for (const id of ids) {
      const provider = server.handoff.providers.get(id)!;
      const operation = doc.paths[`/providers/${id}/preauth`].post;
      assert.deepEqual(Object.keys(operation.requestBody.content), provider.native.contentTypes, id);
      for (const media of Object.values(operation.requestBody.content) as Doc[]) {
        assert.deepEqual(media.schema.type === 'string' ? media['x-handoff-payload-schema'] : media.schema, provider.schema, id);
      }
      assert.ok(operation.parameters.some((p: Doc) => p.name === 'redirect_uri' && p.in === 'query'), id);
    }
    const answerTypes = (id: string, status: number) => Object.keys(doc.paths[`/providers/${id}/preauth`].post.responses[status].content);
    assert.deepEqual(answerTypes('password', 200), ['application/json']);
    assert.deepEqual(answerTypes('hmac-form', 200), ['application/x-www-form-urlencoded']);
    assert.deepEqual(answerTypes('hmac-form', 400), ['application/x-www-form-urlencoded']);
    assert.deepEqual(answerTypes('xml-ticket', 200), ['application/xml']);
    assert.deepEqual(Object.keys(doc.paths['/providers/signed-jwt/preauth'].post.requestBody.content), ['application/jwt']);
  });

  it('other /admin paths still need the token', async () => {
    for (const path of ['/admin/clients', '/admin/openapi', '/admin/openapi.json/x']) {
      const res = await fetch(`${server.issuer}${path}`);
      assert.equal(res.status, 401, path);
    }
    const post = await fetch(`${server.issuer}/admin/openapi.json`, { method: 'POST' });
    assert.equal(post.status, 401);
  });
});
