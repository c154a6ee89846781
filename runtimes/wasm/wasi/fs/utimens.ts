// Exact file times for the host-directory backend: WASI's fd_filestat_set_times and
// path_filestat_set_times carry nanosecond timestamps and, per time, "set to this",
// "set to now" or "leave as is". Linux's utimensat(2)/futimens(3) say exactly that
// (timespec, UTIME_NOW, UTIME_OMIT); Node does not expose them.
//
// Why a native addon of our own (runtimes/wasm/wasi/native/utimens.c):
// - Node's fs.utimes/futimes/lutimes take seconds as a double (~240 ns steps near
//   today's epoch seconds), always write both times (so an omitted one is rewritten,
//   rounded) and have no UTIME_OMIT; reading the old value back and writing it again
//   cannot be exact for the same reason.
// - No maintained npm binding fits (looked up in 2026-12): `utimes` (a fork of
//   @ronomon/utimes) takes milliseconds, paths only, and its install downloads a
//   prebuilt binary; `fs-ext` dropped its utime calls; `posix`,
//   `posix-node` have no utimensat; `nanoutimes` is not on the registry.
// - So: 2 functions of C over N-API (stable ABI, safe in worker threads), built by
//   runtimes/wasm/wasi/native/build.sh with npm's own node-gyp against the installed
//   Node headers (~2 s, cached; scripts/test.sh runs it). Not an npm dependency, so
//   `npm ci` needs no compiler.
//
// Without the addon (not built, or it fails to load), the fallback below uses Node's
// utimes and is documented inexact: times go through a double of seconds and libuv
// then truncates them to microseconds, an omitted time is rewritten from its
// read-back value (truncated the same way; only a call that omits both touches
// nothing), and "now" is Date.now() (ms). `exactTimes()` tells which path is in use.

import { existsSync, fstatSync, futimesSync, lstatSync, lutimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { getSystemErrorMap } from 'node:util';
import type { TimeSpec } from './types.js';

interface UtimensAddon {
  futimens(fd: number, aSec: number, aNsec: number, mSec: number, mNsec: number): number;
  utimensat(path: string, aSec: number, aNsec: number, mSec: number, mNsec: number): number;
}

const ADDON_FILE = 'build/Release/faasbench_utimens.node';
/** Where build.sh leaves the addon, seen from the source tree and from dist/. */
const CANDIDATES = [
  new URL(`../native/${ADDON_FILE}`, import.meta.url),
  new URL(`../../../../../runtimes/wasm/wasi/native/${ADDON_FILE}`, import.meta.url),
];

const NOW_NSEC = -1; // UTIME_NOW in the addon's convention
const OMIT_NSEC = -2; // UTIME_OMIT

let addon: UtimensAddon | null | undefined;
let whyNot = '';

/** Loaded on first use: a run that never sets times pays nothing for it. */
function load(): UtimensAddon | null {
  if (addon !== undefined) return addon;
  addon = null;
  const file = CANDIDATES.map((u) => fileURLToPath(u)).find((f) => existsSync(f));
  if (!file) {
    whyNot = 'the utimensat addon is not built (bash runtimes/wasm/wasi/native/build.sh)';
    return addon;
  }
  try {
    const m = createRequire(import.meta.url)(file) as Partial<UtimensAddon>;
    if (typeof m.futimens === 'function' && typeof m.utimensat === 'function') addon = m as UtimensAddon;
    else whyNot = `${file} does not export futimens/utimensat`;
  } catch (e) {
    whyNot = `${file} failed to load: ${(e as Error).message}`;
  }
  return addon;
}

/** Whether host-directory times are exact here, and if not, why. */
export function exactTimes(): { exact: boolean; reason?: string } {
  return load() ? { exact: true } : { exact: false, reason: whyNot };
}

/** [sec, nsec] in the addon's convention; a u64 ns value splits exactly into two safe integers. */
function split(t: TimeSpec): [number, number] {
  if (t === undefined) return [0, OMIT_NSEC];
  if (t === 'now') return [0, NOW_NSEC];
  return [Number(t / 1_000_000_000n), Number(t % 1_000_000_000n)];
}

/** A -errno from the addon as the Error Node's fs would throw (types.ts' toErrno maps its code). */
function check(r: number, syscall: string): void {
  if (r === 0) return;
  const [code, message] = getSystemErrorMap().get(r) ?? ['EIO', 'i/o error'];
  throw Object.assign(new Error(`${code}: ${message}, ${syscall}`), { code, errno: r, syscall });
}

/** Fallback: Node's seconds-as-a-double, both times always written (see the header). */
function seconds(t: TimeSpec, currentNs: bigint): number {
  if (t === 'now') return Date.now() / 1000;
  const ns = t ?? currentNs;
  return Number(ns / 1_000_000_000n) + Number(ns % 1_000_000_000n) / 1e9;
}

/** The Node fallback (exported for its tests): see the header for what it cannot do. */
export const nodeUtimes = {
  fd(fd: number, atim: TimeSpec, mtim: TimeSpec): void {
    if (atim === undefined && mtim === undefined) return;
    const s = fstatSync(fd, { bigint: true });
    futimesSync(fd, seconds(atim, s.atimeNs), seconds(mtim, s.mtimeNs));
  },
  path(path: string, atim: TimeSpec, mtim: TimeSpec): void {
    const s = lstatSync(path, { bigint: true }); // also reports a missing entry when both are omitted
    if (atim === undefined && mtim === undefined) return;
    lutimesSync(path, seconds(atim, s.atimeNs), seconds(mtim, s.mtimeNs));
  },
};

/** futimens(3) on an open host fd. */
export function setTimesFd(fd: number, atim: TimeSpec, mtim: TimeSpec): void {
  const a = load();
  if (!a) return nodeUtimes.fd(fd, atim, mtim);
  const [as, an] = split(atim);
  const [ms, mn] = split(mtim);
  check(a.futimens(fd, as, an, ms, mn), 'futimens');
}

/** utimensat(2) on a host path, never following a final symlink. */
export function setTimesPath(path: string, atim: TimeSpec, mtim: TimeSpec): void {
  const a = load();
  if (!a) return nodeUtimes.path(path, atim, mtim);
  const [as, an] = split(atim);
  const [ms, mn] = split(mtim);
  check(a.utimensat(path, as, an, ms, mn), 'utimensat');
}
