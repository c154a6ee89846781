// Bad input and attacks against the reference runtime's executors: each gets a
// defined outcome and the runtime stays up.

import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runner, type ExecOutcome } from './executor.js';
import { DEFAULT_MODULE_LIMITS, WasmModuleError, compileCommand, readWasmFile } from './module.js';
import { startWagiServer, type WagiServer } from './server.js';
import {
  FD_WRITE,
  PREVIEW1_SIGNATURES,
  PROC_EXIT,
  callAndExit,
  cgiGuest,
  commandModule,
  guestModule,
  op,
  tableOp,
  withData,
  withTable,
} from '../../test/wasm-fixtures.js';
import { GuestThreadExecutor } from './guest-threads.js';

const hello = readFileSync(new URL('../../workloads/hello/build/hello.wasm', import.meta.url));
const req = { args: ['guest'], env: ['REQUEST_METHOD=GET'], stdin: new Uint8Array() };
const MiB = 2 ** 20;

/** Writes 64 KiB to stdout forever. */
const flood = commandModule({
  imports: [FD_WRITE],
  code: [
    ...op.i32(0x10),
    ...op.i32(0),
    ...op.i32Store,
    ...op.i32(0x14),
    ...op.i32(65536),
    ...op.i32Store,
    ...op.loopStart,
    ...op.i32(1),
    ...op.i32(0x10),
    ...op.i32(1),
    ...op.i32(0x20),
    ...op.call(0),
    ...op.drop,
    ...op.loopEnd,
  ],
});

/** Grows memory until memory.grow fails, then exits with the memory size in pages. */
function bomb(maxPages?: number): Uint8Array {
  return commandModule({
    imports: [PROC_EXIT],
    ...(maxPages === undefined ? {} : { maxPages }),
    code: [
      0x03,
      0x40,
      ...op.i32(1),
      ...op.memoryGrow,
      ...op.i32(-1),
      0x47,
      0x0d,
      0x00,
      0x0b,
      ...op.memorySize,
      ...op.call(0),
    ],
  });
}

describe('modules that cannot run get a clear error before anything runs', () => {
  it('garbage after the magic number, and a module cut anywhere', async () => {
    const garbage = Buffer.concat([hello.subarray(0, 8), Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2, 3])]);
    await expect(compileCommand(garbage, 'junk')).rejects.toThrow(/junk: invalid WebAssembly module/);
    for (const cut of [8, 9, 12, 60, 300, 1000, 3000, hello.length - 1]) {
      await expect(compileCommand(hello.subarray(0, cut), 'cut')).rejects.toThrow(WasmModuleError);
    }
  });
  it('a module that needs more memory to start than the cap', async () => {
    const big = commandModule({ imports: [PROC_EXIT], pages: 40, code: [] });
    await expect(compileCommand(big, 'big', { memoryCapBytes: MiB })).rejects.toThrow(
      /big: .*needs 40 pages.*cap of 16/,
    );
  });
  it('an import of something other than a WASI function is named', async () => {
    const bytes = guestModule({ extraImport: { module: 'wasi_snapshot_preview1', name: 'fd_teleport' } });
    await expect(compileCommand(bytes, 'm')).rejects.toThrow(/wasi_snapshot_preview1\.fd_teleport/);
  });
});

describe('module limits: refused at load with one sentence naming the limit and the value', () => {
  const empty = (pages = 1) => commandModule({ imports: [PROC_EXIT], pages, code: [] });

  it('defaults are explicit', () => {
    expect(DEFAULT_MODULE_LIMITS).toEqual({
      maxModuleBytes: 64 * MiB,
      maxTableEntries: 100_000,
      maxDataBytes: 32 * MiB,
    });
  });
  it('a table of 10M entries', async () => {
    await expect(compileCommand(withTable(empty(), 10_000_000), 'tbl')).rejects.toThrow(
      /^tbl: its table needs 10000000 entries to start, over the table size limit of 100000 entries \(maxTableEntries\)$/,
    );
    await expect(compileCommand(withTable(empty(), 500), 'tbl', { maxTableEntries: 100 })).rejects.toThrow(
      /500 entries.*limit of 100 entries \(maxTableEntries\)/,
    );
  });
  it('a 100 MB data segment (over the module size limit first, and over the data limit)', async () => {
    const big = withData(empty(1600), 100_000_000);
    await expect(compileCommand(big, 'data')).rejects.toThrow(
      /^data: the module is 1000001\d\d bytes, over the module size limit of 67108864 bytes \(maxModuleBytes\)$/,
    );
    await expect(compileCommand(big, 'data', { maxModuleBytes: 200 * MiB })).rejects.toThrow(
      /^data: its data segments hold 100000000 bytes, over the data size limit of 33554432 bytes \(maxDataBytes\)$/,
    );
    await expect(compileCommand(withData(empty(2), 70_000), 'd', { maxDataBytes: 65536 })).rejects.toThrow(
      /70000 bytes.*limit of 65536 bytes/,
    );
  });
  it('module size, and a file past it is not read whole', async () => {
    await expect(compileCommand(hello, 'h', { maxModuleBytes: 1000 })).rejects.toThrow(
      /^h: the module is \d+ bytes, over the module size limit of 1000 bytes \(maxModuleBytes\)$/,
    );
    const dir = mkdtempSync(join(tmpdir(), 'faasbench-limits-'));
    try {
      const file = join(dir, 'big.wasm');
      writeFileSync(file, Buffer.concat([hello, Buffer.alloc(5000)]));
      expect(() => readWasmFile(file, 2000)).toThrow(
        /big\.wasm: the file is \d+ bytes, over the module size limit of 2000 bytes \(maxModuleBytes\)/,
      );
      expect(readWasmFile(join(dir, 'big.wasm')).length).toBe(hello.length + 5000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  it('a device or a directory is refused by name, without reading it', () => {
    expect(() => readWasmFile('/dev/zero')).toThrow(/^\/dev\/zero: not a regular file \(a character device\)$/);
    expect(() => readWasmFile(tmpdir())).toThrow(/not a regular file \(a directory\)/);
  });
  it('a table within the limit cannot grow past it: table.grow returns -1 inside the guest', async () => {
    // exit code 1 when table.grow(n) failed, 0 when it worked.
    const grow = (n: number) =>
      withTable(
        commandModule({
          imports: [PROC_EXIT],
          code: [...tableOp.refNullFunc, ...op.i32(n), ...tableOp.grow, ...op.i32(-1), 0x46, ...op.call(0)],
        }),
        10,
      );
    const runner = new Runner();
    const exit = async (n: number) => {
      const o = runner.run(await compileCommand(grow(n), 'grow', { maxTableEntries: 100 }), req);
      runner.release();
      return o.end;
    };
    expect(await exit(90)).toEqual({ kind: 'exit', code: 0 });
    expect(await exit(91)).toEqual({ kind: 'exit', code: 1 });
  });
});

describe('in-process runner (recycled memories)', () => {
  const runner = new Runner({ stdoutBytes: MiB, stderrBytes: MiB });
  const run = async (bytes: Uint8Array, opts = {}): Promise<ExecOutcome> => {
    const o = runner.run(await compileCommand(bytes, 'guest', opts), req);
    runner.release();
    return o;
  };

  it('a memory bomb stops at the cap inside the guest: memory.grow returns -1', async () => {
    expect((await run(bomb(), { memoryCapBytes: MiB })).end).toEqual({ kind: 'exit', code: 16 });
    expect((await run(bomb(65536), { memoryCapBytes: 2 * MiB })).end).toEqual({ kind: 'exit', code: 32 });
    expect((await run(bomb(3), { memoryCapBytes: MiB })).end).toEqual({ kind: 'exit', code: 3 });
    // Not pooled (the node:wasi way): the cap holds as well.
    expect((await run(bomb(), { memoryCapBytes: MiB, poolMemory: false })).end).toEqual({ kind: 'exit', code: 16 });
  });

  it('an endless stdout is cut at the stdout cap with a reason', async () => {
    const o = await run(flood);
    expect(o.end.kind).toBe('limit');
    expect(o.end.kind === 'limit' && o.end.message).toMatch(/stdout/);
  });

  it('a recycled memory comes back zeroed and at its initial size', async () => {
    // Fails (exit 9) if it finds its own marker from an earlier run, (exit 7) if the memory is not 1 page.
    const marker = await compileCommand(
      commandModule({
        imports: [PROC_EXIT],
        code: [
          ...op.i32(0x2000),
          ...op.i32Load8u,
          0x04,
          0x40,
          ...op.i32(9),
          ...op.call(0),
          0x0b,
          ...op.memorySize,
          ...op.i32(1),
          0x47,
          0x04,
          0x40,
          ...op.i32(7),
          ...op.call(0),
          0x0b,
          ...op.i32(0x2000),
          ...op.i32(1),
          ...op.i32Store8,
          ...op.i32(1),
          ...op.memoryGrow,
          ...op.drop,
        ],
      }),
      'marker',
    );
    for (let i = 0; i < 4; i++) {
      expect(runner.run(marker, req).end).toEqual({ kind: 'exit', code: 0 });
      runner.release();
    }
  });

  it('out-of-bounds pointers to every WASI call get an errno or a trap, never a host exception', async () => {
    const bad = [
      { f: 1, p: 0xfffffff0, n: 16 },
      { f: 1, p: 65530, n: 64 },
      { f: 0, p: 65535, n: 0x7fffffff },
      { f: 3, p: 0xfffffff0, n: 16 },
    ];
    const failures: string[] = [];
    for (const fn of Object.keys(PREVIEW1_SIGNATURES)) {
      for (const values of bad) {
        const o = await run(callAndExit(fn, values));
        const ok = o.end.kind === 'exit' || (o.end.kind === 'trap' && !/host error/.test(o.end.message));
        if (!ok) failures.push(`${fn}(${JSON.stringify(values)}): ${JSON.stringify(o.end)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe('through the WAGI server on the worker pool', () => {
  const DEADLINE = 400;
  let executor: GuestThreadExecutor;
  /** For guests that end by themselves: a deadline no loaded machine reaches. */
  let calm: GuestThreadExecutor;
  const servers: WagiServer[] = [];
  const logged: string[] = [];

  async function serve(bytes: Uint8Array, on: 'deadline' | 'calm' = 'calm'): Promise<WagiServer> {
    const s = await startWagiServer({
      module: await compileCommand(bytes, 'guest', { memoryCapBytes: MiB }),
      executor: on === 'deadline' ? executor : calm,
      name: 'guest',
      onGuestError: (r) => logged.push(r),
    });
    servers.push(s);
    return s;
  }
  async function get(s: WagiServer): Promise<{ status: number; body: string }> {
    const res = await fetch(s.url + '/');
    return { status: res.status, body: await res.text() };
  }

  beforeAll(async () => {
    executor = new GuestThreadExecutor({
      size: 2,
      deadlineMs: DEADLINE,
      limits: { stdoutBytes: 4 * MiB, stderrBytes: MiB },
    });
    calm = new GuestThreadExecutor({ size: 2, deadlineMs: 60_000, limits: { stdoutBytes: 4 * MiB, stderrBytes: MiB } });
    await Promise.all([executor.ready(), calm.ready()]);
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await Promise.all([executor.close(), calm.close()]);
  });

  it('a guest looping forever gets a 504, others are served meanwhile, and the server serves the next request', async () => {
    const looper = await serve(guestModule({ end: { kind: 'loop' } }), 'deadline');
    const healthy = await serve(cgiGuest('still here\n'), 'deadline');
    const stuck = get(looper);
    expect(await get(healthy)).toEqual({ status: 200, body: 'still here\n' });
    const res = await stuck;
    expect(res.status).toBe(504);
    expect(res.body).toMatch(/deadline of 400 ms/);
    expect(executor.replaced).toBeGreaterThanOrEqual(1);
    expect(await get(healthy)).toEqual({ status: 200, body: 'still here\n' });
    expect((await get(looper)).status).toBe(504);
  });

  it('more loopers than threads: each gets its 504, then a healthy request is served', async () => {
    const looper = await serve(guestModule({ end: { kind: 'loop' } }), 'deadline');
    const healthy = await serve(cgiGuest('ok\n'), 'deadline');
    const results = await Promise.all([get(looper), get(looper), get(looper)]);
    expect(results.map((r) => r.status)).toEqual([504, 504, 504]);
    expect(await get(healthy)).toEqual({ status: 200, body: 'ok\n' });
  });

  it('gigabytes to stdout: 500 with the reason, server fine', async () => {
    const res = await get(await serve(flood));
    expect(res.status).toBe(500);
    expect(res.body).toMatch(/stdout/);
    expect(logged.join('\n')).toMatch(/stdout/);
  });

  it('a memory bomb fails inside the guest (exit with the page count at the cap)', async () => {
    const res = await get(await serve(bomb()));
    expect(res).toEqual({ status: 500, body: 'guest exited with code 16\n' });
  });

  it('traps and non-zero exits are 500s on the pool too; hello still answers', async () => {
    expect((await get(await serve(cgiGuest('x', { kind: 'trap' })))).status).toBe(500);
    expect((await get(await serve(cgiGuest('x', { kind: 'exit', code: 4 })))).body).toMatch(/code 4/);
    const h = await get(await serve(hello));
    expect(h).toEqual({ status: 200, body: 'Hello from faasbench\n' });
  });
});
