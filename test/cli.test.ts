/**
 * The CLI (contract §7) as users run it: the compiled `bin` (dist/cli/main.js,
 * built by `npm test`'s build step) in a child process, against a real server
 * on both stores. Exit codes: 0 success, 1 error answer, 2 bad usage.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Browser } from './support/browser.js';
import { createAccount, passwordPayload, PREAUTH_GRANT, REDIRECT_URI } from './support/preauth.js';
import { closeMongo, startServer, type StoreKind, type TestServer } from './support/server.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).bin.handoff as string);

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI asynchronously (the server answers from this same process). */
function cli(args: string[], env: Record<string, string> = {}, stdin?: string): Promise<Result> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HANDOFF_') && k !== 'NODE_OPTIONS' && k !== 'NODE_TEST_CONTEXT'));
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...base, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d) => { out.stdout += d; });
  child.stderr.on('data', (d) => { out.stderr += d; });
  child.stdin.end(stdin ?? '');
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, ...out })));
}

const ok = (r: Result, what: string) => assert.equal(r.code, 0, `${what}: exit ${r.code}; stderr: ${r.stderr}`);

let tmp: string;
before(() => {
  // The tests run the build's output: it must not be older than the sources.
  const newest = Math.max(...readdirSync(join(ROOT, 'cli')).map((f) => statSync(join(ROOT, 'cli', f)).mtimeMs));
  assert.ok(statSync(BIN).mtimeMs >= newest - 1000, `${BIN} is older than cli/*.ts: run npm run build`);
  assert.match(readFileSync(BIN, 'utf8'), /^#!\/usr\/bin\/env node\n/);
  tmp = mkdtempSync(join(tmpdir(), 'handoff-cli-'));
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('CLI usage', () => {
  it('--help at the top and on every command, exit 0', async () => {
    const top = await cli(['--help']);
    ok(top, 'handoff --help');
    for (const command of ['clients create|list|get|update|delete', 'accounts create|get|delete', 'handoffs list|revoke', 'keys rotate', 'preauth']) {
      assert.ok(top.stdout.includes(command), command);
    }
    const cases = [
      [['clients', 'create', '--help'], 'Usage: handoff clients create [options]'],
      [['clients', 'update', '--help'], 'Usage: handoff clients update <client_id> [options]'],
      [['accounts', 'create', '-h'], 'Usage: handoff accounts create [options]'],
      [['handoffs', 'revoke', '--help'], 'Usage: handoff handoffs revoke [<id>] [options]'],
      [['keys', 'rotate', '--help'], 'Usage: handoff keys rotate [options]'],
      [['preauth', '--help'], 'Usage: handoff preauth [options]'],
      [['clients', '--help'], 'Usage: handoff clients <create|list|get|update|delete>'],
    ] as [string[], string][];
    const results = await Promise.all(cases.map(([args]) => cli(args)));
    for (const [i, [args, usage]] of cases.entries()) {
      const r = results[i];
      ok(r, args.join(' '));
      assert.ok(r.stdout.startsWith(usage), `${args.join(' ')}: ${r.stdout}`);
      if (args.length > 2) assert.match(r.stdout, /--url <url>/);
    }
    assert.doesNotMatch((await cli(['preauth', '--help'])).stdout, /--token/, 'preauth speaks as the client, not the admin');
  });

  it('npx handoff runs the package bin, also where an earlier npx left its cache entry without the shim', { timeout: 120_000 }, async () => {
    // npm keys its npx cache entry for this folder by the path alone and never
    // repairs it (npm/cli#9766). An `npx handoff` run before the package was
    // installed leaves an entry like this one, with no shim; `prepare` and
    // `pretest` run scripts/npx-entry.mjs, which drops it. A temporary npm
    // cache keeps the user's own untouched.
    const cache = mkdtempSync(join(tmpdir(), 'handoff-npx-'));
    const folder = ROOT.replace(/\/$/, '');
    const entry = join(cache, '_npx', createHash('sha512').update(folder).digest('hex').slice(0, 16));
    const shim = join(entry, 'node_modules', '.bin', 'handoff');
    const env = { ...process.env, npm_config_cache: cache, npm_config_local_prefix: folder, npm_command: 'ci' };
    const run = (command: string, args: string[]) => {
      const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
      const out = { stdout: '', stderr: '' };
      child.stdout.on('data', (d) => { out.stdout += d; });
      child.stderr.on('data', (d) => { out.stderr += d; });
      return new Promise<Result>((resolve) => child.on('close', (code) => resolve({ code, ...out })));
    };
    try {
      mkdirSync(dirname(shim), { recursive: true });
      symlinkSync(folder, join(entry, 'node_modules', 'handoff'));
      writeFileSync(join(entry, 'package.json'), JSON.stringify({ dependencies: { handoff: `file:${folder}` }, _npx: { packages: [folder] } }));

      const repair = await run(process.execPath, [join(ROOT, 'scripts', 'npx-entry.mjs')]);
      ok(repair, 'npx-entry.mjs');
      assert.match(repair.stderr, /removed npx's incomplete cache entry/);

      const r = await run('npx', ['--no-install', 'handoff', '--help']);
      ok(r, 'npx handoff --help');
      assert.ok(r.stdout.startsWith('Usage: handoff <command> [options]'), r.stdout);
      assert.ok(lstatSync(shim).isSymbolicLink(), 'npx created the entry again, with its shim');

      // A complete entry is left as it is.
      const inode = statSync(join(entry, 'package.json')).ino;
      const again = await run(process.execPath, [join(ROOT, 'scripts', 'npx-entry.mjs')]);
      ok(again, 'npx-entry.mjs on a complete entry');
      assert.equal(again.stderr, '');
      assert.equal(statSync(join(entry, 'package.json')).ino, inode);
    } finally {
      rmSync(cache, { recursive: true, force: true });
    }
  });

  it('bad usage exits 2 with the reason on stderr and nothing on stdout', async () => {
    const token = { HANDOFF_ADMIN_TOKEN: 'x', HANDOFF_URL: 'http://127.0.0.1:9' };
    const cases = [
      [[], /Usage: handoff <command>/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [['clients'], /missing clients command/],
      [['clients', 'frob'], /unknown "frob"/],
      [['clients', 'list', '--bogus'], /Unknown option '--bogus'/],
      [['clients', 'get'], /missing <client_id>/],
      [['clients', 'get', 'a', 'b'], /unexpected argument "b"/],
      [['clients', 'update', 'a'], /nothing to change/],
      [['clients', 'create', '--metadata', '{nope'], /--metadata is not valid JSON/],
      [['clients', 'create', '--metadata', '@/no/such/file.json'], /cannot read \/no\/such\/file\.json/],
      [['accounts', 'create', '--username', 'u'], /missing --password/],
      [['handoffs', 'revoke'], /missing <id> or --client-id/],
      [['preauth', '--client', 'c', '--secret', 's', '--provider', 'password'], /missing --payload/],
      [['keys', 'rotate', '--url', 'not a url'], /--url is not a URL/],
    ] as [string[], RegExp][];
    const results = await Promise.all(cases.map(([args]) => cli(args, token)));
    for (const [i, [args, reason]] of cases.entries()) {
      const r = results[i];
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, reason, args.join(' '));
      assert.equal(r.stdout, '', args.join(' '));
    }
    const noToken = await cli(['clients', 'list'], { HANDOFF_URL: 'http://127.0.0.1:9' });
    assert.equal(noToken.code, 2);
    assert.match(noToken.stderr, /missing --token \(or HANDOFF_ADMIN_TOKEN\)/);
  });

  it('an unreachable server exits 1', async () => {
    const r = await cli(['clients', 'list', '--url', 'http://127.0.0.1:9', '--token', 't']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /cannot reach http:\/\/127\.0\.0\.1:9/);
  });
});

for (const kind of ['sqlite', 'mongodb'] as StoreKind[]) {
  describe(`CLI against a server (${kind})`, () => {
    let server: TestServer;
    let env: Record<string, string>;
    before(async () => {
      server = await startServer({ kind });
      env = { HANDOFF_URL: server.issuer, HANDOFF_ADMIN_TOKEN: server.adminToken };
    });
    after(async () => {
      await server.close();
      if (kind === 'mongodb') await closeMongo();
    });

    it('clients create, list, get, update and delete', async () => {
      const file = join(tmp, `client-${kind}.json`);
      writeFileSync(file, JSON.stringify({ scope: 'openid email', preauth_ttl: 60 }));
      const created = await cli(['clients', 'create', '--json', '--client-id', `shop-${kind}`, '--name', 'Shop',
        '--redirect-uri', REDIRECT_URI, '--redirect-uri', 'https://rp.example/cb2', '--provider', 'password', '--metadata', `@${file}`], env);
      ok(created, 'create');
      const client = JSON.parse(created.stdout);
      assert.equal(client.client_id, `shop-${kind}`);
      assert.equal(typeof client.client_secret, 'string');
      assert.deepEqual(client.redirect_uris, [REDIRECT_URI, 'https://rp.example/cb2']);
      assert.deepEqual(client.preauth_providers, ['password']);
      assert.equal(client.preauth_ttl, 60);
      assert.equal(client.scope, 'openid email');

      // Readable output: the secret line is there, once, on creation.
      const readable = await cli(['clients', 'create', '--name', 'Other', '--redirect-uri', REDIRECT_URI], env);
      ok(readable, 'create (readable)');
      assert.match(readable.stdout, /^client_secret: +\S+$/m);
      assert.match(readable.stdout, /^client_name: +Other$/m);

      const list = await cli(['clients', 'list'], env);
      ok(list, 'list');
      assert.match(list.stdout, /^CLIENT_ID +NAME +PROVIDERS +REDIRECT_URIS$/m);
      assert.match(list.stdout, new RegExp(`^shop-${kind} +Shop +password +${REDIRECT_URI},https://rp.example/cb2$`, 'm'));
      const listJson = await cli(['clients', 'list', '--json'], env);
      assert.deepEqual(JSON.parse(listJson.stdout), (await server.admin('GET', '/admin/clients')).body);

      const got = await cli(['clients', 'get', `shop-${kind}`], env);
      ok(got, 'get');
      assert.match(got.stdout, /^client_name: +Shop$/m);
      assert.doesNotMatch(got.stdout, /client_secret:/);

      const updated = await cli(['clients', 'update', `shop-${kind}`, '--name', 'Shop 2', '--metadata', '{"preauth_ttl": 300, "scope": null}', '--json'], env);
      ok(updated, 'update');
      const stored = (await server.admin('GET', `/admin/clients/shop-${kind}`)).body;
      assert.equal(stored.client_name, 'Shop 2');
      assert.equal(stored.preauth_ttl, 300);
      assert.equal(stored.scope, undefined);
      assert.deepEqual(JSON.parse(updated.stdout), stored);

      const refused = await cli(['clients', 'update', `shop-${kind}`, '--metadata', '{"preauth_ttl": 5}'], env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /invalid_request: invalid client metadata \(HTTP 400\)/);
      assert.match(refused.stderr, /^ {2}preauth_ttl: /m);
      assert.equal(refused.stdout, '');

      const deleted = await cli(['clients', 'delete', `shop-${kind}`], env);
      ok(deleted, 'delete');
      assert.equal(deleted.stdout, `deleted client shop-${kind}\n`);
      assert.equal((await server.admin('GET', `/admin/clients/shop-${kind}`)).status, 404);
      const gone = await cli(['clients', 'get', `shop-${kind}`], env);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /unknown client \(HTTP 404\)/);
    });

    it('a wrong admin token is an error answer: exit 1', async () => {
      const r = await cli(['clients', 'list', '--token', 'wrong'], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /invalid_token: the admin token is not valid \(HTTP 401\)/);
    });

    it('accounts create (password from stdin), get and delete', async () => {
      const created = await cli(['accounts', 'create', '--username', `carol-${kind}`, '--password-stdin',
        '--claim', 'email=carol@example.com', '--claims', '{"name": "Carol"}', '--json'], env, 'carol-password\n');
      ok(created, 'create');
      const account = JSON.parse(created.stdout);
      assert.equal(account.username, `carol-${kind}`);
      assert.deepEqual(account.claims, { name: 'Carol', email: 'carol@example.com' });

      const got = await cli(['accounts', 'get', account.sub], env);
      ok(got, 'get');
      assert.match(got.stdout, new RegExp(`^sub: +${account.sub}$`, 'm'));
      assert.match(got.stdout, /^claims\.email: +carol@example\.com$/m);

      const duplicate = await cli(['accounts', 'create', '--username', `carol-${kind}`, '--password', 'x'], env);
      assert.equal(duplicate.code, 1);
      assert.match(duplicate.stderr, /username already exists \(HTTP 409\)/);

      ok(await cli(['accounts', 'delete', account.sub], env), 'delete');
      const gone = await cli(['accounts', 'get', account.sub], env);
      assert.equal(gone.code, 1);
      assert.match(gone.stderr, /unknown account \(HTTP 404\)/);
    });

    it('preauth prints a pre-auth URL that a browser redeems', async () => {
      const client = JSON.parse((await cli(['clients', 'create', '--json', '--redirect-uri', REDIRECT_URI, '--provider', 'password'], env)).stdout);
      await createAccount(server, `dave-${kind}`, 'dave-password');
      const step1 = await cli(['preauth', '--url', server.issuer, '--client', client.client_id, '--secret', client.client_secret,
        '--provider', 'password', '--payload', passwordPayload(`dave-${kind}`, 'dave-password', { cart: 7 }), '--state', 'st-cli'],
      { HANDOFF_URL: 'http://127.0.0.1:9' });
      ok(step1, 'preauth');
      const url = step1.stdout.trim();
      assert.ok(url.startsWith(`${server.issuer}/preauth/`), url);
      const landing = await new Browser(server.issuer).open(url);
      assert.equal(landing.external, true, 'redirected to the client');
      assert.equal(landing.url.origin + landing.url.pathname, REDIRECT_URI);
      assert.equal(landing.url.searchParams.get('state'), 'st-cli');
      assert.ok(landing.url.searchParams.get('code'));

      const json = await cli(['preauth', '--json', '--client', client.client_id, '--secret', client.client_secret,
        '--provider', 'password', '--payload', passwordPayload(`dave-${kind}`, 'dave-password')], env);
      ok(json, 'preauth --json');
      const answer = JSON.parse(json.stdout);
      assert.ok(answer.preauth_url.startsWith(`${server.issuer}/preauth/`));
      assert.equal(typeof answer.expires_in, 'number');

      const wrong = await cli(['preauth', '--client', client.client_id, '--secret', client.client_secret,
        '--provider', 'password', '--payload', passwordPayload(`dave-${kind}`, 'wrong')], env);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /^handoff: invalid_grant: .*\(HTTP 400\)$/m);
      const badSecret = await cli(['preauth', '--client', client.client_id, '--secret', 'nope',
        '--provider', 'password', '--payload', passwordPayload(`dave-${kind}`, 'dave-password')], env);
      assert.equal(badSecret.code, 1);
      assert.match(badSecret.stderr, /invalid_client.*\(HTTP 401\)/);
    });

    it('a secret that starts with a dash (one generated secret in 64 does) is a value, not a flag', async () => {
      const secret = `-${randomBytes(24).toString('base64url')}`;
      const created = await server.admin('POST', '/admin/clients', {
        redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', PREAUTH_GRANT], response_types: ['code'],
        preauth_providers: ['password'], client_secret: secret,
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await createAccount(server, `dash-${kind}`, 'dash-password');
      const step1 = await cli(['preauth', '--client', created.body.client_id, '--secret', secret,
        '--provider', 'password', '--payload', passwordPayload(`dash-${kind}`, 'dash-password')], env);
      ok(step1, 'preauth');
      assert.ok(step1.stdout.trim().startsWith(`${server.issuer}/preauth/`), step1.stdout);
      const missing = await cli(['preauth', '--client', created.body.client_id, '--secret', '--provider', 'password',
        '--payload', passwordPayload(`dash-${kind}`, 'dash-password')], env);
      assert.equal(missing.code, 2, 'a known flag where the value should be is still bad usage');
    });

    it('handoffs revoke of an unknown id: 404, exit 1', async () => {
      const r = await cli(['handoffs', 'revoke', 'no-such-handoff'], env);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /\(HTTP 404\)/);
    });

    // GET/DELETE /admin/handoffs are served by another part of this round;
    // the CLI must mirror whatever the admin API answers: the listing as
    // JSON, or the error answer with exit 1.
    it('handoffs list and revoke --client-id mirror the admin API', async () => {
      const client = JSON.parse((await cli(['clients', 'create', '--json', '--redirect-uri', REDIRECT_URI, '--provider', 'password'], env)).stdout);
      await createAccount(server, `erin-${kind}`, 'erin-password');
      ok(await cli(['preauth', '--client', client.client_id, '--secret', client.client_secret,
        '--provider', 'password', '--payload', passwordPayload(`erin-${kind}`, 'erin-password')], env), 'preauth');

      const api = await server.admin('GET', `/admin/handoffs?client_id=${encodeURIComponent(client.client_id)}`);
      const listed = await cli(['handoffs', 'list', '--client-id', client.client_id, '--json'], env);
      if (api.status === 200) {
        ok(listed, 'list');
        assert.deepEqual(JSON.parse(listed.stdout), api.body);
        assert.equal(api.body.length, 1);
        const revoked = await cli(['handoffs', 'revoke', '--client-id', client.client_id, '--json'], env);
        ok(revoked, 'revoke');
        assert.deepEqual(JSON.parse(revoked.stdout), { revoked: 1 });
      } else {
        assert.equal(api.status, 404, 'the endpoint is absent on this branch');
        assert.equal(listed.code, 1);
        assert.match(listed.stderr, new RegExp(`${api.body.error_description} \\(HTTP 404\\)`));
        const revoked = await cli(['handoffs', 'revoke', '--client-id', client.client_id], env);
        assert.equal(revoked.code, 1);
        assert.match(revoked.stderr, /\(HTTP 404\)/);
      }
    });

    it('keys rotate mirrors the admin API', async () => {
      const r = await cli(['keys', 'rotate', '--json'], env);
      if (r.code === 0) {
        const { kids } = JSON.parse(r.stdout) as { kids: string[] };
        assert.ok(kids.length > 0);
        const jwks = await (await fetch(`${server.issuer}/jwks`)).json() as { keys: { kid: string }[] };
        for (const kid of kids) assert.ok(jwks.keys.some((k) => k.kid === kid), `${kid} is published`);
      } else {
        assert.equal(r.code, 1);
        assert.match(r.stderr, /no such admin endpoint \(HTTP 404\)/, 'the endpoint is absent on this branch');
      }
    });
  });
}
