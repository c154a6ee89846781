// Memory as Linux reports it, for the density mode: this process's RSS and PSS
// (/proc/self/status, /proc/self/smaps_rollup), its cgroup's memory.current, and the
// host's MemAvailable. Each reader returns null where the kernel does not offer it.

import { readFileSync } from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';

function readKb(file: string, field: string): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) * 1024 : null;
  } catch {
    return null;
  }
}

export const rssBytes = (pid: number | 'self' = 'self'): number | null => readKb(`/proc/${pid}/status`, 'VmRSS');
export const pssBytes = (pid: number | 'self' = 'self'): number | null => readKb(`/proc/${pid}/smaps_rollup`, 'Pss');
export const memAvailableBytes = (): number | null => readKb('/proc/meminfo', 'MemAvailable');
export const memTotalBytes = (): number | null => readKb('/proc/meminfo', 'MemTotal');

/** Memory charged to this process's cgroup: v2 memory.current, else v1 memory.usage_in_bytes; or null. */
export function cgroupBytes(): number | null {
  try {
    const lines = readFileSync('/proc/self/cgroup', 'utf8').split('\n');
    const candidates: string[] = [];
    const v1 = lines.find((l) => /^\d+:memory:/.test(l));
    if (v1) {
      const path = v1.slice(v1.indexOf(':memory:') + 8).trim();
      candidates.push(`/sys/fs/cgroup/memory${path}/memory.usage_in_bytes`, '/sys/fs/cgroup/memory/memory.usage_in_bytes');
    }
    const v2 = lines.find((l) => l.startsWith('0::'));
    if (v2) candidates.push(`/sys/fs/cgroup${v2.slice(3).trim().replace(/\/$/, '')}/memory.current`);
    for (const file of candidates) {
      try {
        const v = readFileSync(file, 'utf8').trim();
        if (/^\d+$/.test(v)) return Number(v);
      } catch { /* try the next */ }
    }
    return null;
  } catch {
    return null;
  }
}

let gcFn: (() => void) | null | undefined;
/** A full GC if V8 lets us have one (so garbage does not count as density cost). */
export function collectGarbage(): void {
  if (gcFn === undefined) {
    try {
      v8.setFlagsFromString('--expose-gc');
      gcFn = vm.runInNewContext('gc') as () => void;
    } catch {
      gcFn = null;
    }
  }
  gcFn?.();
}

export interface MemorySnapshot {
  /** V8 heap used + external memory of this process (after a GC): in-process cost without OS page noise. */
  heap: number | null;
  rss: number | null;
  pss: number | null;
  cgroup: number | null;
  memAvailable: number | null;
}

export function snapshot(): MemorySnapshot {
  collectGarbage();
  collectGarbage();
  const m = process.memoryUsage();
  return { heap: m.heapUsed + m.external, rss: rssBytes(), pss: pssBytes(), cgroup: cgroupBytes(), memAvailable: memAvailableBytes() };
}

/** Growth from `a` to `b` per source (MemAvailable counts as growth when it drops). */
export function growth(a: MemorySnapshot, b: MemorySnapshot): Record<'heap' | 'rss' | 'pss' | 'cgroup' | 'memavailable', number | null> {
  const d = (x: number | null, y: number | null) => (x === null || y === null ? null : y - x);
  return { heap: d(a.heap, b.heap), rss: d(a.rss, b.rss), pss: d(a.pss, b.pss), cgroup: d(a.cgroup, b.cgroup), memavailable: d(b.memAvailable, a.memAvailable) };
}
