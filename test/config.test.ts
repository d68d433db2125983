/**
 * The standalone server as users start it: a real `node` process running
 * server/main.ts, configured only through its environment and `.env`.
 *
 * Every child runs in a fresh temp folder (so a developer's own `.env` or
 * `./data` in the repository never leaks in), with tsx loaded by absolute URL.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../server/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** Variables the server reads, and the test runner's own: none may leak in from outside. */
const OWN = ['PORT', 'ISSUER', 'DATA_DIR', 'MONGODB_URI', 'ADMIN_TOKEN', 'LOG_LEVEL', 'PREAUTH_MAX_PAYLOAD', 'HANDOFF_RETENTION', 'PREAUTH_PLUGINS', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS'];

/**
 * oidc-provider prints this on Node 20 when it is imported; it is not ours.
 * (It appears before the configuration line because server/main.ts imports
 * the app, and so oidc-provider, before it reads the configuration.)
 */

interface Child {
  proc: ChildProcess;
  out: { stdout: string; stderr: string };
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-config-'));
  dirs.push(dir);
  return dir;
}

function run(env: Record<string, string>, cwd = tempDir()): Child {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !OWN.includes(key)));
  const proc = spawn(process.execPath, ['--import', TSX, MAIN], {
    cwd,
    env: { ...base, DATA_DIR: join(cwd, 'data'), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(proc);
  const out = { stdout: '', stderr: '' };
  proc.stdout!.setEncoding('utf8').on('data', (chunk: string) => { out.stdout += chunk; });
  proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => { out.stderr += chunk; });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    proc.on('close', (code, signal) => {
      children.delete(proc);
      resolve({ code, signal });
    });
  });
  return { proc, out, exit };
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); }),
  ]);
}

/** Resolves once stdout holds a line matching `pattern`; rejects if the process ends first. */
function waitForLine(child: Child, pattern: RegExp, ms = 15_000): Promise<string> {
  const found = () => child.out.stdout.split('\n').find((line) => pattern.test(line));
  return within(new Promise<string>((resolve, reject) => {
    const check = () => {
      const line = found();
      if (line) {
        child.proc.stdout!.off('data', check);
        resolve(line);
      }
    };
    child.proc.stdout!.on('data', check);
    check();
    void child.exit.then(({ code }) => {
      if (!found()) reject(new Error(`exited with ${code} before ${pattern}: ${child.out.stderr}`));
    });
  }), ms, String(pattern));
}

/** Exit code 1 and one line on stderr, naming `variable`. */
async function assertRefused(child: Child, variable: string, ms = 10_000): Promise<void> {
  const { code } = await within(child.exit, ms, 'the process to exit');
  assert.equal(code, 1, `exit code; stderr: ${child.out.stderr}`);
  const lines = child.out.stderr.split('\n').filter((line) => line.trim());
  assert.equal(lines.length, 1, `one line on stderr, got: ${JSON.stringify(lines)}`);
  assert.match(lines[0], new RegExp(`\\b${variable}\\b`));
}

async function stop(child: Child): Promise<number | null> {
  child.proc.kill('SIGTERM');
  const { code } = await within(child.exit, 10_000, 'the process to stop');
  return code;
}

after(() => {
  for (const proc of children) proc.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('bad configuration stops the server with one line', () => {
  const cases: [string, Record<string, string>, string][] = [
    ['PORT=abc', { PORT: 'abc' }, 'PORT'],
    ['PORT=70000', { PORT: '70000' }, 'PORT'],
    ['ISSUER not a URL', { ISSUER: 'not a url' }, 'ISSUER'],
    ['ISSUER with a path', { ISSUER: 'http://x.example/path' }, 'ISSUER'],
    ['LOG_LEVEL=loud', { LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    ['PREAUTH_MAX_PAYLOAD=-5', { PREAUTH_MAX_PAYLOAD: '-5' }, 'PREAUTH_MAX_PAYLOAD'],
  ];
  for (const [name, env, variable] of cases) {
    it(name, { timeout: 20_000 }, async () => {
      await assertRefused(run(env), variable);
    });
  }

  it('unreachable MONGODB_URI', { timeout: 20_000 }, async () => {
    const started = Date.now();
    await assertRefused(run({ MONGODB_URI: 'mongodb://127.0.0.1:1/x' }), 'MONGODB_URI', 12_000);
    assert.ok(Date.now() - started < 12_000, `took ${Date.now() - started} ms`);
  });

  it('reads .env from the working folder', { timeout: 20_000 }, async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'PORT=abc\n');
    await assertRefused(run({}, cwd), 'PORT');
  });
});

describe('a good configuration', () => {
  it('starts, serves discovery, prints the generated admin token once, and stops on SIGTERM', { timeout: 60_000 }, async () => {
    const cwd = tempDir();
    const port = await freePort();

    const first = run({ PORT: String(port) }, cwd);
    await waitForLine(first, /"msg":"handoff listening"/);
    const tokenLines = first.out.stdout.split('\n').filter((line) => /generated admin token/.test(line));
    assert.equal(tokenLines.length, 1, 'the generated token is printed once');
    const token = /: (\S+)$/.exec(tokenLines[0])?.[1];
    assert.ok(token && token.length >= 32);

    // via the issuer's own host name: oidc-provider builds endpoint URLs from the request's Host
    const discovery = await fetch(`http://localhost:${port}/.well-known/openid-configuration`);
    assert.equal(discovery.status, 200);
    const config = await discovery.json() as { issuer: string; token_endpoint: string };
    assert.equal(config.issuer, `http://localhost:${port}`, 'ISSUER defaults to http://localhost:$PORT');
    assert.equal(config.token_endpoint, `http://localhost:${port}/token`);

    const admin = await fetch(`http://127.0.0.1:${port}/admin/clients`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(admin.status, 200, 'the printed token opens the admin API');
    assert.doesNotMatch(first.out.stdout.replace(tokenLines[0], ''), new RegExp(token), 'the token is printed nowhere else');
    assert.equal(await stop(first), 0);

    const second = run({ PORT: String(port) }, cwd);
    await waitForLine(second, /"msg":"handoff listening"/);
    assert.doesNotMatch(second.out.stdout, /generated admin token/, 'not printed again on a restart');
    const again = await fetch(`http://127.0.0.1:${port}/admin/clients`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(again.status, 200, 'the first token still works');
    assert.equal(await stop(second), 0);
  });

  it('prefers the real environment over .env, and uses ISSUER and ADMIN_TOKEN', { timeout: 30_000 }, async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, '.env'), 'PORT=abc\nLOG_LEVEL=info\n');
    const port = await freePort();
    const adminToken = 'configured-token-0123456789abcdef';
    const child = run({ PORT: String(port), ISSUER: 'https://login.example.com', ADMIN_TOKEN: adminToken }, cwd);
    await waitForLine(child, /"msg":"handoff listening"/);
    assert.doesNotMatch(child.out.stdout, /generated admin token/);
    assert.doesNotMatch(child.out.stdout, new RegExp(adminToken), 'the configured token is never printed');

    const discovery = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`, {
      headers: { 'x-forwarded-proto': 'https' },
    });
    assert.equal(discovery.status, 200);
    assert.equal((await discovery.json() as { issuer: string }).issuer, 'https://login.example.com');
    const admin = await fetch(`http://127.0.0.1:${port}/admin/clients`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(admin.status, 200);
    assert.equal(await stop(child), 0);
  });

  it('prints every URL under ISSUER, whatever Host the request names', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const child = run({ PORT: String(port), ISSUER: 'https://login.example.com', ADMIN_TOKEN: 'configured-token-0123456789abcdef' });
    try {
      await waitForLine(child, /"msg":"handoff listening"/);
      const res = await fetch(`http://127.0.0.1:${port}/.well-known/openid-configuration`, { headers: { 'x-forwarded-proto': 'https' } });
      const config = await res.json() as Record<string, unknown>;
      for (const [key, value] of Object.entries(config)) {
        if (typeof value === 'string' && /^https?:\/\//.test(value)) {
          assert.ok(value === 'https://login.example.com' || value.startsWith('https://login.example.com/'), `${key}: ${value}`);
        }
      }
    } finally {
      await stop(child);
    }
  });
});
