/**
 * The processes a bench run measures, each spawned fresh: the handoff server
 * exactly as `npm start` runs it (its command read from package.json), the
 * anchor (bench/anchor.ts) and, for MongoDB without MONGODB_URI, the
 * project's wire test server in a process of its own so its work is not
 * charged to the load generator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/spawn.js';
import { processTree } from './proc.js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
const TSX = import.meta.resolve('tsx');
/** Variables the server reads: none may leak in from the caller's shell. */
const SCRUB = /^(PORT|ISSUER|DATA_DIR|MONGODB_URI|ADMIN_TOKEN|LOG_LEVEL|PREAUTH_.*|HANDOFF_.*|RATE_LIMIT_.*|METRICS_TOKEN|TRUST_PROXY|NODE_OPTIONS)$/;

export interface Served {
  /** Root pid of the serving process tree. */
  pid: number;
  issuer: string;
  /** Its DATA_DIR (SQLite file lives here). */
  dataDir: string;
  /** Store operations so far, by operation (counted inside the server). */
  storeOps(): Promise<Record<string, number>>;
  stop(): Promise<void>;
}

/** `npm start`'s command with paths made absolute, so it can run from any folder. */
export function startCommand(): { command: string; args: string[] } {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const [bin, ...rest] = pkg.scripts.start.trim().split(/\s+/);
  const args = rest.map((a) => (!a.startsWith('-') && existsSync(join(ROOT, a)) ? resolve(ROOT, a) : a));
  if (bin === 'node') return { command: process.execPath, args };
  return { command: join(ROOT, 'node_modules', '.bin', bin), args };
}

function baseEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([key]) => !SCRUB.test(key)));
}

async function waitReady(child: ChildProcess, issuer: string, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}: ${stderr()}`);
    try {
      const res = await fetch(`${issuer}/.well-known/openid-configuration`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server at ${issuer} not ready after 60 s: ${stderr()}`);
}

async function served(command: string, args: string[], env: NodeJS.ProcessEnv, dir: string, issuer: string): Promise<Served> {
  const opsFile = join(dir, 'store-ops.json');
  const child = spawn(command, args, {
    cwd: dir,
    env: { ...baseEnv(), ...env, HANDOFF_STORE_OPS_FILE: opsFile },
    // Logs go where a production log would: away, without back-pressure on the server.
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => { stderr = (stderr + chunk).slice(-4000); });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const tree = processTree(child.pid!);
      child.kill('SIGTERM');
      const timer = setTimeout(() => { for (const p of tree) try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitReady(child, issuer, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    pid: child.pid!,
    issuer,
    dataDir: env.DATA_DIR ?? dir,
    async storeOps() {
      if (existsSync(opsFile)) unlinkSync(opsFile);
      // The serving process names itself: a launcher above it (tsx) would die of SIGUSR2.
      process.kill(Number(readFileSync(`${opsFile}.pid`, 'utf8')), 'SIGUSR2');
      for (let i = 0; i < 200 && !existsSync(opsFile); i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 10)); // let the write finish
      return JSON.parse(readFileSync(opsFile, 'utf8')) as Record<string, number>;
    },
    stop,
  };
}

export const BENCH_ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';

/** The standalone server as `npm start` runs it, on a fresh DATA_DIR (or a fresh MongoDB database). */
export async function startHandoff(opts: { mongodbUri?: string; nodeArgs?: string[] } = {}): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-bench-'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const { command, args } = startCommand();
  const env: NodeJS.ProcessEnv = {
    PORT: String(port),
    ISSUER: issuer,
    DATA_DIR: join(dir, 'data'),
    ADMIN_TOKEN: BENCH_ADMIN_TOKEN,
    // One loopback client makes every request: per-IP and per-client limits would measure themselves.
    RATE_LIMIT_PREAUTH: '1000000',
    RATE_LIMIT_REDEEM: '1000000',
    RATE_LIMIT_FAILURES: '1000000',
    ...(opts.mongodbUri ? { MONGODB_URI: opts.mongodbUri } : {}),
  };
  // Node flags (the profiler's) go first; tsx hands them on to the node it starts.
  return served(command, [...(opts.nodeArgs ?? []), ...args], env, dir, issuer);
}

/** bench/anchor.ts: plain oidc-provider, in a process of its own. */
export async function startAnchor(anchorStore: 'memory' | 'sqlite' = 'memory'): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-anchor-'));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  return served(process.execPath, ['--import', TSX, join(ROOT, 'bench', 'anchor.ts')], { PORT: String(port), ISSUER: issuer, ANCHOR_STORE: anchorStore }, dir, issuer);
}

/** The project's MongoDB wire test server in its own process; resolves to its pid and URI. */
export async function startWireServer(): Promise<{ pid: number; uri: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'bench', 'mongo-wire.ts')], {
    cwd: ROOT,
    env: baseEnv(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const uri = await new Promise<string>((resolveUri, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      const line = out.split('\n').find((l) => l.startsWith('mongodb://'));
      if (line) resolveUri(line.trim());
    });
    child.once('exit', (code) => reject(new Error(`wire server exited with ${code}`)));
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    pid: child.pid!,
    uri,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export type StoreKind = 'sqlite' | 'mongodb';

/** Where the handoff server stores: nothing to start for SQLite; MONGODB_URI (a fresh database) or the wire server for MongoDB. */
export async function startStore(kind: StoreKind): Promise<{ mongodbUri?: string; pid?: number; stop(): Promise<void> }> {
  if (kind === 'sqlite') return { stop: async () => {} };
  if (process.env.MONGODB_URI) {
    const url = new URL(process.env.MONGODB_URI);
    url.pathname = `/handoff_bench_${Date.now().toString(36)}`;
    return { mongodbUri: url.toString(), stop: async () => {} };
  }
  const wire = await startWireServer();
  return { mongodbUri: wire.uri, pid: wire.pid, stop: () => wire.stop() };
}
