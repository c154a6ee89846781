// The /proc and cgroup parsers on fixture text (as Linux writes it), and the readers
// on this process where the kernel offers them.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  cgroupFolderMemory,
  cgroupMemoryFiles,
  childPids,
  fdCount,
  parentPid,
  parseCountField,
  parseCounter,
  parseEnvironVariable,
  parseKbField,
  parseStatField,
  processMemory,
  rssBytes,
  threadCount,
} from './procfs.js';

const STATUS = [
  'Name:\tnode',
  'State:\tS (sleeping)',
  'PPid:\t4242',
  'VmPeak:\t  912340 kB',
  'VmRSS:\t   51234 kB',
  'Threads:\t11',
  'voluntary_ctxt_switches:\t77',
  '',
].join('\n');
const ROLLUP = [
  '55d1c0a4e000-7ffd5a3f6000 ---p 00000000 00:00 0                          [rollup]',
  'Rss:               51234 kB',
  'Pss:               40001 kB',
  'Pss_Anon:          30000 kB',
  '',
].join('\n');
const MEMINFO = ['MemTotal:       16314564 kB', 'MemFree:         1024000 kB', 'MemAvailable:    8000000 kB', ''].join(
  '\n',
);

describe('procfs parsers', () => {
  it('reads kB fields as bytes, exact field names only', () => {
    expect(parseKbField(STATUS, 'VmRSS')).toBe(51234 * 1024);
    expect(parseKbField(ROLLUP, 'Pss')).toBe(40001 * 1024);
    expect(parseKbField(ROLLUP, 'Rss')).toBe(51234 * 1024);
    expect(parseKbField(MEMINFO, 'MemAvailable')).toBe(8000000 * 1024);
    expect(parseKbField(MEMINFO, 'MemTotal')).toBe(16314564 * 1024);
    expect(parseKbField(STATUS, 'VmSwap')).toBeNull();
    expect(parseKbField('', 'VmRSS')).toBeNull();
  });

  it('reads count fields of status', () => {
    expect(parseCountField(STATUS, 'Threads')).toBe(11);
    expect(parseCountField(STATUS, 'PPid')).toBe(4242);
    expect(parseCountField(STATUS, 'Tgid')).toBeNull();
    // a kB field is not a count
    expect(parseCountField(STATUS, 'VmRSS')).toBeNull();
  });

  it('finds cgroup v1 and v2 memory files', () => {
    expect(cgroupMemoryFiles('0::/user.slice/session-1.scope\n')).toEqual([
      '/sys/fs/cgroup/user.slice/session-1.scope/memory.current',
    ]);
    expect(cgroupMemoryFiles('0::/\n')).toEqual(['/sys/fs/cgroup/memory.current']);
    expect(cgroupMemoryFiles('12:cpu,cpuacct:/docker/abc\n7:memory:/docker/abc\n0::/\n')).toEqual([
      '/sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes',
      '/sys/fs/cgroup/memory/memory.usage_in_bytes',
      '/sys/fs/cgroup/memory.current',
    ]);
    expect(cgroupMemoryFiles('')).toEqual([]);
  });

  it('reads cgroup counters and refuses anything else', () => {
    expect(parseCounter('123456\n')).toBe(123456);
    expect(parseCounter('max\n')).toBeNull();
    expect(parseCounter('')).toBeNull();
  });

  it('finds one variable in an environ block', () => {
    const environ = 'PATH=/bin\0FAASBENCH_LAMBDA_OWNER=77\0X=FAASBENCH_LAMBDA_OWNER=1\0';
    expect(parseEnvironVariable(environ, 'FAASBENCH_LAMBDA_OWNER')).toBe('77');
    expect(parseEnvironVariable('X=FAASBENCH_LAMBDA_OWNER=1\0', 'FAASBENCH_LAMBDA_OWNER')).toBeNull();
    expect(parseEnvironVariable('', 'PATH')).toBeNull();
  });
});

describe("cgroup folders (a container's memory)", () => {
  const folder = (files: Record<string, string>) => {
    const dir = mkdtempSync(join(tmpdir(), 'faasbench-cgroup-'));
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };

  it('reads memory.stat fields by exact name', () => {
    const stat = 'cache 4096\nrss 8192\ntotal_rss 12288\nanon 777\n';
    expect(parseStatField(stat, 'rss')).toBe(8192);
    expect(parseStatField(stat, 'total_rss')).toBe(12288);
    expect(parseStatField(stat, 'anon')).toBe(777);
    expect(parseStatField(stat, 'file')).toBeNull();
  });

  it('v1: usage_in_bytes, RSS from total_rss else rss; v2: memory.current, RSS from anon; neither: null', () => {
    const dirs = [
      folder({ 'memory.usage_in_bytes': '1048576\n', 'memory.stat': 'rss 4096\ntotal_rss 8192\n' }),
      folder({ 'memory.usage_in_bytes': '1048576\n', 'memory.stat': 'rss 4096\n' }),
      folder({ 'memory.current': '2097152\n', 'memory.stat': 'anon 16384\nfile 4096\n' }),
      folder({ 'memory.current': '2097152\n' }),
      folder({ 'memory.max': 'max\n' }),
    ];
    try {
      expect(dirs.map(cgroupFolderMemory)).toEqual([
        { cgroupBytes: 1048576, rssBytes: 8192 },
        { cgroupBytes: 1048576, rssBytes: 4096 },
        { cgroupBytes: 2097152, rssBytes: 16384 },
        { cgroupBytes: 2097152 },
        null,
      ]);
      expect(cgroupFolderMemory(join(dirs[0]!, 'missing'))).toBeNull();
    } finally {
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }
  });
});

describe.runIf(process.platform === 'linux')('procfs readers (this process)', () => {
  it('reads RSS, PSS, threads, fds and parent of this process', () => {
    expect(rssBytes()).toBeGreaterThan(1024 * 1024);
    expect(processMemory(process.pid).rssBytes).toBeGreaterThan(1024 * 1024);
    expect(threadCount(process.pid)).toBeGreaterThanOrEqual(1);
    expect(fdCount(process.pid)).toBeGreaterThanOrEqual(3);
    expect(parentPid(process.pid)).toBe(process.ppid);
    expect(childPids(process.pid) === null || Array.isArray(childPids(process.pid))).toBe(true);
  });

  it('answers null / {} for a process that does not exist', () => {
    const gone = 2 ** 22 + 17; // above pid_max's largest value
    expect(rssBytes(gone)).toBeNull();
    expect(processMemory(gone)).toEqual({});
    expect(threadCount(gone)).toBeNull();
    expect(fdCount(gone)).toBeNull();
    expect(parentPid(gone)).toBeNull();
  });
});
