/**
 * CPU time and memory of a process tree, read from /proc (Linux), so the
 * figures are the server's own and not what the load generator spent.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICK_MS = 10; // USER_HZ is 100 on every Linux that node supports

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined; // the process or task ended meanwhile
  }
}

/** The pid and all its descendants, through each task's `children` list. */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    let tasks: string[] = [];
    try {
      tasks = readdirSync(`/proc/${out[i]}/task`);
    } catch {
      continue;
    }
    for (const tid of tasks) {
      for (const child of (read(`/proc/${out[i]}/task/${tid}/children`) ?? '').split(' ')) {
        if (child.trim()) out.push(Number(child));
      }
    }
  }
  return out;
}

/** utime + stime of one process (all its threads) and its reaped children, in ms. */
function cpuOf(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) return 0;
  // The command name may hold spaces and parentheses: fields start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14-17 of proc(5); here index 11-14.
  return fields.slice(11, 15).reduce((sum, f) => sum + Number(f), 0) * TICK_MS;
}

/** CPU ms used so far by the whole tree under pid. */
export function treeCpuMs(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + cpuOf(p), 0);
}

function statusKb(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(read(`/proc/${pid}/status`) ?? '');
  return m ? Number(m[1]) : 0;
}

/** Peak resident set (VmHWM) summed over the tree, in MiB. */
export function treePeakRssMb(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + statusKb(p, 'VmHWM'), 0) / 1024;
}

/** Current resident set (VmRSS) summed over the tree, in MiB. */
export function treeRssMb(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + statusKb(p, 'VmRSS'), 0) / 1024;
}

/** Peak resident set (VmHWM) of one process, in MiB. */
export function peakRssMb(pid: number): number {
  return statusKb(pid, 'VmHWM') / 1024;
}
