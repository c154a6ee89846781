// The WASI filesystem layer below the guest: the resolver's rules on an in-memory
// tree, and the host-directory backend's defence against a directory being swapped
// for a symlink after the resolver checked it (the realpath race).

import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Errno } from '../../runtimes/wasm/wasi/constants.js';
import { HostDirFs } from '../../runtimes/wasm/wasi/fs/hostdir.js';
import { MemFs } from '../../runtimes/wasm/wasi/fs/memfs.js';
import { resolvePath } from '../../runtimes/wasm/wasi/fs/resolve.js';
import { toErrno } from '../../runtimes/wasm/wasi/fs/types.js';

function errnoOf(fn: () => unknown): number {
  try {
    fn();
    return 0;
  } catch (e) {
    return toErrno(e);
  }
}

describe('resolvePath', () => {
  const fs = new MemFs({ files: { 'a/b/file': 'x', top: 'y' } });
  fs.symlink('b', 'a/lb');
  fs.symlink('../top', 'a/up');
  fs.symlink('../../top', 'a/b/up2');
  fs.symlink('loop', 'loop');

  const cases: [string, string, boolean, string | number][] = [
    ['', 'a/b/file', true, 'a/b/file'],
    ['', 'a/./b//file', true, 'a/b/file'],
    ['', 'a/b/../b/file', true, 'a/b/file'],
    ['', 'a/lb/file', true, 'a/b/file'],
    ['', 'a/lb', false, 'a/lb'],
    ['', 'a/lb', true, 'a/b'],
    ['', 'a/up', true, 'top'],
    ['', 'a/b/up2', true, 'top'],
    ['', 'new-file', true, 'new-file'],
    ['', '.', true, ''],
    ['', '..', true, Errno.NOTCAPABLE],
    ['', 'a/../..', true, Errno.NOTCAPABLE],
    ['', '/top', true, Errno.NOTCAPABLE],
    ['a', '../top', true, Errno.NOTCAPABLE], // a dir fd for a/ cannot climb to the root
    ['a', 'up', true, Errno.NOTCAPABLE],
    ['a', 'b/up2', true, Errno.NOTCAPABLE],
    ['', 'loop', true, Errno.LOOP],
    ['', 'loop', false, 'loop'],
    ['', 'top/x', true, Errno.NOTDIR],
    ['', 'top/', true, Errno.NOTDIR],
    ['', 'missing/x', true, Errno.NOENT],
    ['', '', true, Errno.NOENT],
    ['', 'a\0b', true, Errno.INVAL],
    ['', 'x'.repeat(256), true, Errno.NAMETOOLONG],
  ];
  for (const [base, path, follow, want] of cases) {
    it(`${JSON.stringify(base)} + ${JSON.stringify(path.length > 20 ? path.slice(0, 20) + '…' : path)} (follow ${follow}) → ${want}`, () => {
      if (typeof want === 'string') expect(resolvePath(fs, base, path, follow).path).toBe(want);
      else expect(errnoOf(() => resolvePath(fs, base, path, follow))).toBe(want);
    });
  }
});

describe('MemFs', () => {
  it('O_CREAT on an existing directory is EISDIR, as Linux says', () => {
    const fs = new MemFs({ files: { 'd/f': '' } });
    const flags = { read: true, write: false, create: true, exclusive: false, truncate: false, directory: false };
    expect(errnoOf(() => fs.open('d', flags))).toBe(Errno.ISDIR);
    expect(errnoOf(() => fs.open('d', { ...flags, create: false, directory: true }))).toBe(0);
  });

  it('enforces its byte budget', () => {
    const fs = new MemFs({ maxBytes: 1000 });
    const h = fs.open('big', {
      read: true,
      write: true,
      create: true,
      exclusive: false,
      truncate: false,
      directory: false,
    });
    expect(h.pwrite(new Uint8Array(800), 0, 800, 0)).toBe(800);
    expect(errnoOf(() => h.pwrite(new Uint8Array(800), 0, 800, 800))).toBe(Errno.NOSPC);
    expect(errnoOf(() => h.truncate(5000))).toBe(Errno.NOSPC);
  });
});

describe('HostDirFs', () => {
  const parent = mkdtempSync(join(tmpdir(), 'faasbench-hostdir-'));
  const root = join(parent, 'root');
  mkdirSync(join(root, 'dir'), { recursive: true });
  mkdirSync(join(parent, 'outside'));
  writeFileSync(join(parent, 'outside', 'secret'), 'secret');
  mkdirSync(join(parent, 'outside', 'deeper'));
  writeFileSync(join(parent, 'outside', 'deeper', 'secret'), 'secret');
  writeFileSync(join(root, 'dir', 'ok'), 'ok');
  // What a racing process could do after the resolver checked "swapped" was a directory.
  symlinkSync('../outside', join(root, 'swapped'));
  afterAll(() => rmSync(parent, { recursive: true, force: true }));
  const fs = new HostDirFs(root);
  const ro = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: false };

  it('works inside the root', () => {
    const h = fs.open('dir/ok', ro);
    const buf = new Uint8Array(8);
    expect(h.pread(buf, 0, 8, 0)).toBe(2);
    h.close();
  });

  it('refuses an operation whose parent directory turns out to be outside the root', () => {
    // The parent itself swapped for a symlink: the O_NOFOLLOW directory open fails (ENOTDIR).
    expect(errnoOf(() => fs.open('swapped/secret', ro))).toBe(Errno.NOTDIR);
    expect(errnoOf(() => fs.mkdir('swapped/new'))).toBe(Errno.NOTDIR);
    // A swapped component further up: the kernel follows it, /proc/self/fd shows where we landed, refused.
    expect(errnoOf(() => fs.open('swapped/deeper/secret', ro))).toBe(Errno.NOTCAPABLE);
    expect(errnoOf(() => fs.lstat('swapped/deeper/secret'))).toBe(Errno.NOTCAPABLE);
    expect(errnoOf(() => fs.unlink('swapped/deeper/secret'))).toBe(Errno.NOTCAPABLE);
    expect(errnoOf(() => fs.mkdir('swapped/deeper/new'))).toBe(Errno.NOTCAPABLE);
    expect(errnoOf(() => fs.rename('dir/ok', 'swapped/deeper/stolen'))).toBe(Errno.NOTCAPABLE);
    expect(errnoOf(() => fs.symlink('x', 'swapped/deeper/planted'))).toBe(Errno.NOTCAPABLE);
    expect(errnoOf(() => fs.readlink('swapped/deeper/secret'))).toBe(Errno.NOTCAPABLE);
  });

  it('never follows a final symlink itself', () => {
    expect(errnoOf(() => fs.open('swapped', ro))).toBe(Errno.LOOP);
  });

  it("the root's '..' entry does not reveal the host parent", () => {
    const dir = { read: true, write: false, create: false, exclusive: false, truncate: false, directory: true };
    const rootDir = fs.open('', dir);
    const entries = rootDir.readdir();
    rootDir.close();
    expect(entries[1]!.name).toBe('..');
    expect(entries[1]!.ino).toBe(entries[0]!.ino);
    expect(entries.map((e) => e.name)).toEqual(['.', '..', 'dir', 'swapped']);
  });

  it('read-only roots refuse writes', () => {
    const rofs = new HostDirFs(root, true);
    expect(errnoOf(() => rofs.mkdir('x'))).toBe(Errno.ROFS);
    expect(errnoOf(() => rofs.open('dir/ok', { ...ro, write: true }))).toBe(Errno.ROFS);
  });
});
