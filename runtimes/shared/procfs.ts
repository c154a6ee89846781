// Linux's view of processes and memory, read from /proc and /sys/fs/cgroup: the one
// place the harness (density mode), the adapters (process, lambda, pool) and the
// benchmark scripts read them, instead of four hand-written regexes. It lives in
// runtimes/shared/ because runtimes/ may not import harness/, while harness/ and
// scripts/ may import this.
//
// Two halves: pure parsers of the kernel's text (tested on fixture text, any
// platform), and thin readers that find the file and hand it to a parser. Every
// reader returns null (or {}) where the kernel does not offer the figure: not Linux,
// the process gone, a field this kernel lacks. None throws.

import { readFileSync, readdirSync } from 'node:fs';

/** A process id, or 'self' for this process. */
export type Pid = number | 'self';

// ---------------------------------------------------------------- parsers

/** A `Name:   1234 kB` line of status, smaps_rollup or meminfo, in bytes; null when absent. */
export function parseKbField(text: string, field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text);
  return m ? Number(m[1]) * 1024 : null;
}

/** A plain-number line of /proc/PID/status (`Threads:`, `PPid:`); null when absent. */
export function parseCountField(text: string, field: string): number | null {
  const m = new RegExp(`^${field}:\\s+(\\d+)\\s*$`, 'm').exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * The files that may hold this process's cgroup memory use, in the order to try,
 * from the text of /proc/self/cgroup: v1 memory.usage_in_bytes (the process's own
 * memory cgroup, then the root's), then v2 memory.current.
 */
export function cgroupMemoryFiles(procSelfCgroup: string): string[] {
  const lines = procSelfCgroup.split('\n');
  const candidates: string[] = [];
  const v1 = lines.find((l) => /^\d+:memory:/.test(l));
  if (v1) {
    const path = v1.slice(v1.indexOf(':memory:') + 8).trim();
    candidates.push(
      `/sys/fs/cgroup/memory${path}/memory.usage_in_bytes`,
      '/sys/fs/cgroup/memory/memory.usage_in_bytes',
    );
  }
  const v2 = lines.find((l) => l.startsWith('0::'));
  if (v2) candidates.push(`/sys/fs/cgroup${v2.slice(3).trim().replace(/\/$/, '')}/memory.current`);
  return candidates;
}

/** A cgroup counter file (memory.current, memory.usage_in_bytes): its number, or null. */
export function parseCounter(text: string): number | null {
  const v = text.trim();
  return /^\d+$/.test(v) ? Number(v) : null;
}

/** A `name value` line of a cgroup's memory.stat (bytes), or null. */
export function parseStatField(memoryStat: string, name: string): number | null {
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(memoryStat);
  return m ? Number(m[1]) : null;
}

/** The value of `name` in the NUL-separated text of /proc/PID/environ, or null. */
export function parseEnvironVariable(environ: string, name: string): string | null {
  for (const entry of environ.split('\0')) if (entry.startsWith(`${name}=`)) return entry.slice(name.length + 1);
  return null;
}

// ---------------------------------------------------------------- readers

function read(file: string, encoding: BufferEncoding = 'utf8'): string | null {
  try {
    return readFileSync(file, encoding);
  } catch {
    return null;
  }
}

const kb = (file: string, field: string): number | null => {
  const text = read(file);
  return text === null ? null : parseKbField(text, field);
};

/** Resident set (VmRSS of /proc/PID/status). */
export const rssBytes = (pid: Pid = 'self'): number | null => kb(`/proc/${pid}/status`, 'VmRSS');
/** Proportional set size (Pss of /proc/PID/smaps_rollup): shared pages split among their users. */
export const pssBytes = (pid: Pid = 'self'): number | null => kb(`/proc/${pid}/smaps_rollup`, 'Pss');
/** The host's MemAvailable (/proc/meminfo). */
export const memAvailableBytes = (): number | null => kb('/proc/meminfo', 'MemAvailable');
/** The host's MemTotal (/proc/meminfo). */
export const memTotalBytes = (): number | null => kb('/proc/meminfo', 'MemTotal');

/** RSS and PSS of one process, each present only when the kernel gave it (the shape of MemoryUsage). */
export function processMemory(pid: Pid): { rssBytes?: number; pssBytes?: number } {
  const rss = rssBytes(pid);
  const pss = rss === null ? null : pssBytes(pid);
  return { ...(rss !== null ? { rssBytes: rss } : {}), ...(pss !== null ? { pssBytes: pss } : {}) };
}

/** Threads of a process (`Threads:` of /proc/PID/status). */
export function threadCount(pid: Pid = 'self'): number | null {
  const text = read(`/proc/${pid}/status`);
  return text === null ? null : parseCountField(text, 'Threads');
}

/** Parent pid (`PPid:` of /proc/PID/status). */
export function parentPid(pid: Pid): number | null {
  const text = read(`/proc/${pid}/status`);
  return text === null ? null : parseCountField(text, 'PPid');
}

/** Open file descriptors of a process (entries of /proc/PID/fd). */
export function fdCount(pid: Pid = 'self'): number | null {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return null;
  }
}

/** Memory charged to this process's cgroup: v2 memory.current, else v1 memory.usage_in_bytes; or null. */
export function cgroupMemoryBytes(): number | null {
  const self = read('/proc/self/cgroup');
  if (self === null) return null;
  for (const file of cgroupMemoryFiles(self)) {
    const text = read(file);
    const v = text === null ? null : parseCounter(text);
    if (v !== null) return v;
  }
  return null;
}

/**
 * The memory of one cgroup folder (a container's): cgroup v1 memory.usage_in_bytes with
 * RSS from memory.stat's total_rss (else rss), or v2 memory.current with RSS from anon;
 * null when the folder has neither counter.
 */
export function cgroupFolderMemory(dir: string): { cgroupBytes: number; rssBytes?: number } | null {
  const stat = (): string => read(`${dir}/memory.stat`) ?? '';
  const v1 = read(`${dir}/memory.usage_in_bytes`);
  const v1Bytes = v1 === null ? null : parseCounter(v1);
  if (v1Bytes !== null) {
    const text = stat();
    const rss = parseStatField(text, 'total_rss') ?? parseStatField(text, 'rss');
    return { cgroupBytes: v1Bytes, ...(rss !== null ? { rssBytes: rss } : {}) };
  }
  const v2 = read(`${dir}/memory.current`);
  const v2Bytes = v2 === null ? null : parseCounter(v2);
  if (v2Bytes === null) return null;
  const anon = parseStatField(stat(), 'anon');
  return { cgroupBytes: v2Bytes, ...(anon !== null ? { rssBytes: anon } : {}) };
}

/** Every process id in /proc (empty when there is no /proc). */
export function listPids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((n) => /^\d+$/.test(n))
      .map(Number);
  } catch {
    return [];
  }
}

/** A process's command line, one argument each, or null. */
export function commandLine(pid: Pid): string[] | null {
  return read(`/proc/${pid}/cmdline`)?.split('\0') ?? null;
}

/** A process's environment as the kernel keeps it (NUL-separated, bytes as latin1), or null. */
export function environText(pid: Pid): string | null {
  return read(`/proc/${pid}/environ`, 'latin1');
}

/** Direct children of a process (/proc/PID/task/PID/children), or null on kernels without the file. */
export function childPids(pid: number): number[] | null {
  const text = read(`/proc/${pid}/task/${pid}/children`);
  if (text === null) return null;
  return text
    .trim()
    .split(/\s+/)
    .filter((c) => c !== '')
    .map(Number);
}
