/**
 * `npm run bench -- --profile`: runs the server under `node --cpu-prof`
 * while it serves complete two-step logins (BENCH_PROFILE_LOGINS, 3000),
 * then summarises the profile by self time: per module (package, or project
 * file) and per function. The .cpuprofile is kept for a closer look.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { twoStepTarget } from './flows.js';
import { drive } from './load.js';
import { ROOT, startHandoff, startStore, type StoreKind } from './processes.js';

const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 8);
const LOGINS = Number(process.env.BENCH_PROFILE_LOGINS ?? 3000);

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

function moduleOf(url: string, fn: string): string {
  if (!url) return `(${fn || 'native'})`;
  if (url.startsWith('node:')) return 'node (built-in)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  if (nm !== -1) {
    const [scope, name] = path.slice(nm + 14).split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  return relative(ROOT, path);
}

function top(map: Map<string, number>, total: number, n: number, title: string) {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, n)) {
    console.log(`${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
  }
}

export function summarise(file: string): void {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const modules = new Map<string, number>();
  const functions = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const us = profile.timeDeltas[i] ?? 0;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') return; // waiting for requests is not work
    const mod = moduleOf(url, functionName);
    total += us;
    modules.set(mod, (modules.get(mod) ?? 0) + us);
    const where = url.startsWith('node:') ? url : mod;
    const fn = `${functionName || '(anonymous)'}  ${where}${url ? `:${lineNumber + 1}` : ''}`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
  });
  // Sample intervals are wall time: on a busy machine they also hold time the
  // process waited for a core, so read the shares, not the milliseconds.
  console.log(`profile ${file}: ${(total / 1000).toFixed(0)} ms of busy samples (wall time between samples)`);
  top(modules, total, 20, 'self time by module');
  top(functions, total, 30, 'self time by function');
}

export async function profile(kind: StoreKind): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'handoff-profile-'));
  const store = await startStore(kind);
  const handoff = await startHandoff({ mongodbUri: store.mongodbUri, nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${dir}`] });
  try {
    const target = await twoStepTarget(handoff.issuer);
    const r = await drive(target, LOGINS, CONCURRENCY, 300_000);
    console.log(`${r.done} two-step logins in ${(r.ms / 1000).toFixed(1)} s (start-up included in the profile)`);
  } finally {
    await handoff.stop();
    await store.stop();
  }
  // A launcher above the server (tsx) writes a small profile of its own: take the largest.
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile')).map((f) => join(dir, f));
  if (!files.length) throw new Error(`no profile written in ${dir}`);
  summarise(files.sort((a, b) => statSync(b).size - statSync(a).size)[0]);
}
