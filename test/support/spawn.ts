/**
 * The standalone server as users start it: a real `node` process running
 * server/main.ts, configured only through its environment (and `.env` in its
 * working folder).
 *
 * Every child runs in a fresh temp folder (so a developer's own `.env` or
 * `./data` in the repository never leaks in), with tsx loaded by absolute URL.
 * Call `cleanupChildren` from an `after` hook: it kills what is still running
 * and removes the temp folders.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../server/main.ts', import.meta.url));
const TSX = import.meta.resolve('tsx');

/** Variables the server reads, and the test runner's own: none may leak in from outside. */
const OWN = ['PORT', 'ISSUER', 'DATA_DIR', 'MONGODB_URI', 'ADMIN_TOKEN', 'LOG_LEVEL', 'PREAUTH_MAX_PAYLOAD', 'HANDOFF_RETENTION', 'PREAUTH_PLUGINS', 'METRICS_TOKEN', 'NODE_TEST_CONTEXT', 'NODE_OPTIONS'];

export interface Child {
  proc: ChildProcess;
  out: { stdout: string; stderr: string };
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
const dirs: string[] = [];

/** A temp folder removed by `cleanupChildren`. */
export function tempDir(prefix = 'handoff-spawn-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** Starts server/main.ts with exactly `env` on top of a scrubbed environment; DATA_DIR defaults to `<cwd>/data`. */
export function runServer(env: Record<string, string>, cwd = tempDir()): Child {
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

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms); }),
  ]);
}

/** Resolves once stdout holds a line matching `pattern`; rejects if the process ends first. */
export function waitForLine(child: Child, pattern: RegExp, ms = 15_000): Promise<string> {
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
export async function assertRefused(child: Child, variable: string, ms = 10_000): Promise<void> {
  const { code } = await within(child.exit, ms, 'the process to exit');
  assert.equal(code, 1, `exit code; stderr: ${child.out.stderr}`);
  const lines = child.out.stderr.split('\n').filter((line) => line.trim());
  assert.equal(lines.length, 1, `one line on stderr, got: ${JSON.stringify(lines)}`);
  assert.match(lines[0], new RegExp(`\\b${variable}\\b`));
}

/** SIGTERM and wait; resolves to the exit code. */
export async function stopServer(child: Child): Promise<number | null> {
  child.proc.kill('SIGTERM');
  const { code } = await within(child.exit, 10_000, 'the process to stop');
  return code;
}

/** For an `after` hook: kills the children still running and removes the temp folders. */
export function cleanupChildren(): void {
  for (const proc of children) proc.kill('SIGKILL');
  children.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}
