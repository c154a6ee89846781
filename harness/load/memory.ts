// Memory as Linux reports it, for the density mode: snapshots of this process's RSS
// and PSS (/proc/self/status, /proc/self/smaps_rollup), its cgroup's memory.current and
// the host's MemAvailable, read by runtimes/shared/procfs.ts (null where the kernel
// does not offer a figure), beside V8's own heap; and the growth between two.

import v8 from 'node:v8';
import vm from 'node:vm';
import { cgroupMemoryBytes, memAvailableBytes, pssBytes, rssBytes } from '../../runtimes/shared/procfs.js';

// The density mode takes the host's figures from here, beside the snapshot they go with.
export { memAvailableBytes, memTotalBytes } from '../../runtimes/shared/procfs.js';

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
  return {
    heap: m.heapUsed + m.external,
    rss: rssBytes(),
    pss: pssBytes(),
    cgroup: cgroupMemoryBytes(),
    memAvailable: memAvailableBytes(),
  };
}

/** Growth from `a` to `b` per source (MemAvailable counts as growth when it drops). */
export function growth(
  a: MemorySnapshot,
  b: MemorySnapshot,
): Record<'heap' | 'rss' | 'pss' | 'cgroup' | 'memavailable', number | null> {
  const d = (x: number | null, y: number | null) => (x === null || y === null ? null : y - x);
  return {
    heap: d(a.heap, b.heap),
    rss: d(a.rss, b.rss),
    pss: d(a.pss, b.pss),
    cgroup: d(a.cgroup, b.cgroup),
    memavailable: d(b.memAvailable, a.memAvailable),
  };
}
