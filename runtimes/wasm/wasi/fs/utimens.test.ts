// Exact file times (utimens.ts) on real host files, its inexact Node fallback, and
// memfs's "set neither time" (which must change nothing, ctime included, as Linux's
// utimensat does). The guest-side view is test/wasi/programs/times.c.

import { closeSync, lstatSync, mkdtempSync, openSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Errno } from '../constants.js';
import { MemFs } from './memfs.js';
import { toErrno } from './types.js';
import { exactTimes, nodeUtimes, setTimesFd, setTimesPath } from './utimens.js';

const temps: string[] = [];
function tempFile(): string {
  const d = mkdtempSync(join(tmpdir(), 'faasbench-utimens-'));
  temps.push(d);
  const f = join(d, 'f');
  writeFileSync(f, 'x');
  return f;
}
afterEach(() => {
  vi.useRealTimers();
  for (const d of temps.splice(0)) rmSync(d, { recursive: true, force: true });
});

const A = 1_700_000_000_123_456_789n;
const M = 1_600_000_000_987_654_321n;
const times = (p: string) => {
  const s = lstatSync(p, { bigint: true });
  return { a: s.atimeNs, m: s.mtimeNs, c: s.ctimeNs };
};

describe('utimensat/futimens addon', () => {
  it('is built and loads (bash runtimes/wasm/wasi/native/build.sh)', () => {
    const r = exactTimes();
    expect(r.reason ?? 'loaded').toBe('loaded');
    expect(r.exact).toBe(true);
  });

  it('sets both times to the nanosecond, by path and by fd', () => {
    const f = tempFile();
    setTimesPath(f, A, M);
    expect(times(f)).toMatchObject({ a: A, m: M });
    const fd = openSync(f, 'r');
    try {
      setTimesFd(fd, M + 1n, A - 1n);
      expect(times(f)).toMatchObject({ a: M + 1n, m: A - 1n });
    } finally {
      closeSync(fd);
    }
  });

  it('leaves an omitted time exactly as it was; omitting both changes nothing, ctime included', () => {
    const f = tempFile();
    setTimesPath(f, A, M);
    setTimesPath(f, undefined, 1_234_567_890_000_000_001n);
    expect(times(f)).toMatchObject({ a: A, m: 1_234_567_890_000_000_001n });
    setTimesPath(f, 999_999_999_999_999_999n, undefined);
    expect(times(f)).toMatchObject({ a: 999_999_999_999_999_999n, m: 1_234_567_890_000_000_001n });
    const before = times(f);
    setTimesPath(f, undefined, undefined);
    expect(times(f)).toEqual(before);
  });

  it("'now' comes from the host clock and leaves the other time alone", () => {
    const f = tempFile();
    setTimesPath(f, A, M);
    const lo = BigInt(Date.now() - 1000) * 1_000_000n;
    setTimesPath(f, undefined, 'now');
    const hi = BigInt(Date.now() + 1000) * 1_000_000n;
    const t = times(f);
    expect(t.a).toBe(A);
    expect(t.m >= lo && t.m <= hi).toBe(true);
  });

  it('does not follow a final symlink', () => {
    const f = tempFile();
    setTimesPath(f, A, M);
    const link = `${f}-link`;
    symlinkSync(f, link);
    setTimesPath(link, M, A);
    expect(times(link)).toMatchObject({ a: M, m: A });
    expect(times(f)).toMatchObject({ a: A, m: M });
  });

  it('reports failures as Node-style errors the WASI errno mapping understands', () => {
    const missing = join(tmpdir(), 'faasbench-utimens-no-such-dir', 'f');
    let caught: unknown;
    try {
      setTimesPath(missing, A, M);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as { code?: string }).code).toBe('ENOENT');
    expect(toErrno(caught)).toBe(Errno.NOENT);
    expect(() => setTimesFd(-1, A, M)).toThrow(/EBADF/);
  });
});

describe('Node fallback (inexact, used only when the addon is missing)', () => {
  it('omitting both touches nothing', () => {
    const f = tempFile();
    nodeUtimes.path(f, A, M);
    const before = times(f);
    nodeUtimes.path(f, undefined, undefined);
    const fd = openSync(f, 'r');
    try {
      nodeUtimes.fd(fd, undefined, undefined);
    } finally {
      closeSync(fd);
    }
    expect(times(f)).toEqual(before);
    expect(() => nodeUtimes.path(`${f}-missing`, undefined, undefined)).toThrow(/ENOENT/);
  });

  it('keeps times within a microsecond (a double of seconds, then truncated to µs by libuv)', () => {
    const f = tempFile();
    nodeUtimes.path(f, A, M);
    const t = times(f);
    expect(Number(t.a - A)).toBeGreaterThanOrEqual(-1000);
    expect(Number(t.a - A)).toBeLessThanOrEqual(1000);
    expect(Number(t.m - M)).toBeGreaterThanOrEqual(-1000);
    expect(Number(t.m - M)).toBeLessThanOrEqual(1000);
    expect(statSync(f).isFile()).toBe(true);
  });
});

describe('memfs times', () => {
  it('are exact, and setting neither time changes nothing, ctime included', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(1_000_000);
    const fs = new MemFs({ files: { f: 'x' } });
    fs.setTimes('f', A, M);
    const before = fs.lstat('f');
    expect(before).toMatchObject({ atimNs: A, mtimNs: M });
    vi.setSystemTime(2_000_000);
    fs.setTimes('f', undefined, undefined);
    expect(fs.lstat('f')).toEqual(before);
    const h = fs.open('f', {
      read: true,
      write: false,
      create: false,
      exclusive: false,
      truncate: false,
      directory: false,
    });
    h.setTimes(undefined, undefined);
    expect(h.stat()).toEqual(before);
    // Setting one time does update ctime (to the host clock), like Linux.
    h.setTimes(undefined, 5n);
    expect(h.stat()).toMatchObject({ atimNs: A, mtimNs: 5n, ctimNs: 2_000_000n * 1_000_000n });
  });
});
