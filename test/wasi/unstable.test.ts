// wasi_unstable differs from preview1 in a few layouts; the host serves both from
// one table. Driven directly through the imports with a memory of our own.

import { describe, expect, it } from 'vitest';
import { Errno, Rights } from '../../runtimes/wasm/wasi/constants.js';
import { WasiHost } from '../../runtimes/wasm/wasi/host.js';

type Fn = (...a: (number | bigint)[]) => number;

function setup(): {
  host: WasiHost;
  mem: DataView;
  u8: Uint8Array;
  pre: Record<string, Fn>;
  un: Record<string, Fn>;
  file: number;
} {
  const host = new WasiHost();
  host.begin({
    args: ['t'],
    env: [],
    stdin: new Uint8Array(0),
    stdoutLimit: 1024,
    stderrLimit: 1024,
    preopens: [{ guestPath: '/', memfs: { files: { f: 'hello world' } } }],
  });
  const memory = new WebAssembly.Memory({ initial: 1 });
  host.attach(memory);
  const pre = host.imports['wasi_snapshot_preview1'] as Record<string, Fn>;
  const un = host.imports['wasi_unstable'] as Record<string, Fn>;
  const u8 = new Uint8Array(memory.buffer);
  u8.set(Buffer.from('f'), 1000);
  expect(
    pre['path_open']!(3, 0, 1000, 1, 0, Rights.FD_READ | Rights.FD_SEEK | Rights.FD_FILESTAT_GET, 0n, 0, 1004),
  ).toBe(Errno.SUCCESS);
  const mem = new DataView(memory.buffer);
  return { host, mem, u8, pre, un, file: mem.getUint32(1004, true) };
}

describe('wasi_unstable', () => {
  it('fd_seek numbers whence CUR=0, END=1, SET=2', () => {
    const { host, mem, pre, un, file } = setup();
    expect(un['fd_seek']!(file, 3n, 2, 2000)).toBe(Errno.SUCCESS); // SET
    expect(mem.getBigUint64(2000, true)).toBe(3n);
    expect(un['fd_seek']!(file, 2n, 0, 2000)).toBe(Errno.SUCCESS); // CUR
    expect(mem.getBigUint64(2000, true)).toBe(5n);
    expect(un['fd_seek']!(file, -1n, 1, 2000)).toBe(Errno.SUCCESS); // END
    expect(mem.getBigUint64(2000, true)).toBe(10n);
    expect(un['fd_seek']!(file, 0n, 3, 2000)).toBe(Errno.INVAL);
    expect(pre['fd_seek']!(file, 1n, 0, 2000)).toBe(Errno.SUCCESS); // preview1 SET=0
    expect(mem.getBigUint64(2000, true)).toBe(1n);
    host.finish();
  });

  it('filestat is 56 bytes with a u32 nlink', () => {
    const { host, mem, u8, pre, un, file } = setup();
    u8.fill(0xee, 3000, 3100);
    expect(un['fd_filestat_get']!(file, 3000)).toBe(Errno.SUCCESS);
    expect(mem.getUint8(3016)).toBe(4); // regular file
    expect(mem.getUint32(3020, true)).toBe(1); // nlink
    expect(mem.getBigUint64(3024, true)).toBe(11n); // size
    expect(u8[3056]).toBe(0xee); // nothing written past 56 bytes
    expect(un['path_filestat_get']!(3, 0, 1000, 1, 3100)).toBe(Errno.SUCCESS);
    expect(mem.getBigUint64(3124, true)).toBe(11n);
    expect(pre['fd_filestat_get']!(file, 3200)).toBe(Errno.SUCCESS);
    expect(mem.getBigUint64(3224, true)).toBe(1n); // preview1: u64 nlink at 24
    expect(mem.getBigUint64(3232, true)).toBe(11n); // size at 32
    host.finish();
  });

  it('poll_oneoff subscriptions are 56 bytes (clock identifier first)', () => {
    const { host, mem, un } = setup();
    const s = 4000;
    mem.setBigUint64(s, 42n, true); // userdata
    mem.setUint8(s + 8, 0); // clock
    mem.setBigUint64(s + 16, 7n, true); // identifier
    mem.setUint32(s + 24, 1, true); // monotonic
    mem.setBigUint64(s + 32, 1_000_000n, true); // 1 ms
    mem.setUint16(s + 48, 0, true);
    expect(un['poll_oneoff']!(s, 5000, 1, 5100)).toBe(Errno.SUCCESS);
    expect(mem.getUint32(5100, true)).toBe(1);
    expect(mem.getBigUint64(5000, true)).toBe(42n);
    expect(mem.getUint16(5008, true)).toBe(0);
    host.finish();
  });
});
