// The component path end to end on this thread: real components (hand-written core
// modules made into components by wasm-tools, see wat.ts), prepared once, served a
// fresh instance per request; the refusals; the sandbox (no outbound HTTP, no sockets,
// no preopens, output and memory caps, traps); and what instance reuse leaks.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { ComponentError, prepareComponent, type PreparedComponent } from './prepare.js';
import { ComponentRunner, httpResponseOf } from './runner.js';
import { handlerModule, watComponent } from './wat.js';
import type { HttpExchangeRequest } from './host.js';

let cacheDir: string;
beforeAll(() => {
  cacheDir = mkdtempSync(join(tmpdir(), 'faasbench-components-'));
});
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

const GET: HttpExchangeRequest = { method: 'GET', pathWithQuery: '/', headers: [], body: new Uint8Array() };
const text = (b: Uint8Array | undefined) => Buffer.from(b ?? []).toString();

async function prep(
  prelude: string,
  extra = '',
  opts: { memoryCapBytes?: number; pages?: number } = {},
): Promise<PreparedComponent> {
  const bytes = await watComponent(handlerModule({ prelude, extra, ...(opts.pages ? { pages: opts.pages } : {}) }));
  return prepareComponent(bytes, 'probe', {
    cacheDir,
    ...(opts.memoryCapBytes ? { memoryCapBytes: opts.memoryCapBytes } : {}),
  });
}
/** Answer with the n bytes the prelude stored at 2048. */
const ANSWER = (n: number) => `(local.set $ptr (i32.const 2048)) (local.set $len (i32.const ${n}))`;

describe('wasi:http components', { timeout: 60_000 }, () => {
  it('serves a component: status, headers and body, a fresh instance each time', async () => {
    const c = await prep('');
    expect(c.handlerExport).toBe('wasi:http/incoming-handler@0.2.10');
    const r = new ComponentRunner();
    for (let i = 0; i < 3; i++) {
      const o = r.run(c, GET);
      expect(o.end).toEqual({ kind: 'ok' });
      expect(o.reused).toBe(false);
      expect(o.response!.status).toBe(200);
      expect(o.response!.headers).toEqual([['content-type', 'text/plain']]);
      expect(text(o.response!.body)).toBe('Hello from faasbench\n');
    }
  });

  it('memoryImage: the data segments applied once at prepare give the same answer from a new memory each time', async () => {
    const bytes = await watComponent(handlerModule({}));
    const c = await prepareComponent(bytes, 'imaged', { cacheDir, memoryImage: true });
    expect([...c.images.values()].map((i) => i.image.length)).toEqual([1024 + 'Hello from faasbench\n'.length]);
    const r = new ComponentRunner();
    for (let i = 0; i < 3; i++) expect(text(r.run(c, GET).response!.body)).toBe('Hello from faasbench\n');
  });

  it('memoryImage: a memory comes back from the pool as a new one would be, and a grown one never comes back', async () => {
    // Each request reads the byte at 1024 (in the image: 'H') and at 40000 (after it:
    // zero) into its answer, then overwrites both; a memory handed on without its reset
    // would show the writes of the request before.
    const touch = `(i32.store8 (i32.const 2048) (i32.load8_u (i32.const 1024)))
      (i32.store8 (i32.const 2049) (i32.add (i32.const 48) (i32.load8_u (i32.const 40000))))
      (i32.store8 (i32.const 1024) (i32.const 88)) (i32.store8 (i32.const 40000) (i32.const 7)) ${ANSWER(2)}`;
    const c = await prepareComponent(await watComponent(handlerModule({ prelude: touch })), 'pooled', {
      cacheDir,
      memoryImage: true,
    });
    expect(c.images.size).toBe(1);
    const r = new ComponentRunner();
    expect([1, 2, 3, 4].map(() => text(r.run(c, GET).response!.body))).toEqual(['H0', 'H0', 'H0', 'H0']);
    expect(r.pooledMemories).toBe(3); // the first request's memory was new, the others came from the pool
    // A guest that grows its memory sees its initial size each time: a grown memory is not pooled.
    const grow = `(i32.store8 (i32.const 2048) (i32.add (i32.const 48) (memory.grow (i32.const 1)))) ${ANSWER(1)}`;
    const g = await prepareComponent(await watComponent(handlerModule({ prelude: grow })), 'grows', {
      cacheDir,
      memoryImage: true,
    });
    const rg = new ComponentRunner();
    expect([1, 2, 3].map(() => text(rg.run(g, GET).response!.body))).toEqual(['2', '2', '2']);
    expect(rg.pooledMemories).toBe(0);
  });

  it('gives the guest the path with its query', async () => {
    const c = await prep(
      `(call $path (local.get $req) (i32.const 512)) (local.set $ptr (i32.load (i32.const 516))) (local.set $len (i32.load (i32.const 520)))`,
    );
    const o = new ComponentRunner().run(c, { ...GET, pathWithQuery: '/a/b?x=1&y=%20' });
    expect(text(o.response!.body)).toBe('/a/b?x=1&y=%20');
  });

  it('refuses a core module, a component without the handler export, and one importing an interface the host lacks, each in one sentence', async () => {
    const core = readFileSync(new URL('../../../workloads/hello/build/hello.wasm', import.meta.url));
    await expect(prepareComponent(core, 'hello.wasm', { cacheDir })).rejects.toThrow(
      /^hello\.wasm: a core WebAssembly module, not a component/,
    );
    await expect(prepareComponent(Buffer.from('not wasm at all'), 'x', { cacheDir })).rejects.toThrow(ComponentError);

    const noHandler = await watComponent(
      `(module (func (export "faasbench:probe/secret#f") (result i32) (i32.const 7)))`,
      { exportHandler: false },
    );
    await expect(prepareComponent(noHandler, 'lib.wasm', { cacheDir })).rejects.toThrow(
      'lib.wasm: the component does not export wasi:http/incoming-handler@0.2.x (it exports faasbench:probe/secret)',
    );

    const secret = `(import "faasbench:probe/secret" "f" (func $secret (result i32)))`;
    const unknown = await watComponent(
      handlerModule({ prelude: '(drop (call $secret))' }).replace('(module', `(module ${secret}`),
    );
    await expect(prepareComponent(unknown, 'kv.wasm', { cacheDir })).rejects.toThrow(
      'kv.wasm: the component imports faasbench:probe/secret, which this host does not provide',
    );
  });

  it('reuse N: state kept in the instance is visible to the next request; without reuse it never is', async () => {
    const c = await prep(
      `(global.set $n (i32.add (global.get $n) (i32.const 1))) (i32.store8 (i32.const 2048) (i32.add (i32.const 48) (global.get $n))) ${ANSWER(1)}`,
      '(global $n (mut i32) (i32.const 0))',
    );
    const r = new ComponentRunner();
    const fresh = [1, 2, 3, 4].map(() => text(r.run(c, GET).response!.body));
    expect(fresh).toEqual(['1', '1', '1', '1']);
    const reused = [1, 2, 3, 4].map(() => r.run(c, GET, { reuse: 3 }));
    expect(reused.map((o) => text(o.response!.body))).toEqual(['1', '2', '3', '1']);
    expect(reused.map((o) => o.reused)).toEqual([false, true, true, false]);
  });

  it('reuse N keeps one instance per component: two apps served in turn on one runner each count on', async () => {
    const counting = (extra: string) =>
      prep(
        `(global.set $n (i32.add (global.get $n) (i32.const 1))) (i32.store8 (i32.const 2048) (i32.add (i32.const 48) (global.get $n))) ${ANSWER(1)}`,
        `(global $n (mut i32) (i32.const 0)) ${extra}`,
      );
    // Different bytes (an unused global), so two components, not one cached twice.
    const [a, b] = [await counting(''), await counting('(global $unused i32 (i32.const 7))')];
    const r = new ComponentRunner();
    const seen = [a, b, a, b, a, b].map((c) => text(r.run(c, GET, { reuse: 128 }).response!.body));
    expect(seen).toEqual(['1', '1', '2', '2', '3', '3']);
    r.forget(a);
    expect(text(r.run(a, GET, { reuse: 128 }).response!.body)).toBe('1');
    expect(text(r.run(b, GET, { reuse: 128 }).response!.body)).toBe('4');
  });

  it('sandbox: outbound HTTP is denied (HTTP-request-denied), sockets are access-denied, no directory is preopened', async () => {
    const out = await prep(
      `(call $http_out (call $oreq_new (call $fields_new)) (i32.const 0) (i32.const 0) (i32.const 512))
       (i32.store8 (i32.const 2048) (i32.add (i32.const 48) (i32.load8_u (i32.const 512))))
       (i32.store8 (i32.const 2049) (i32.add (i32.const 65) (i32.load8_u (i32.const 520)))) ${ANSWER(2)}`,
    );
    // result tag 1 (err), error-code case 15 = HTTP-request-denied ('A' + 15).
    expect(text(new ComponentRunner().run(out, GET).response!.body)).toBe('1P');

    const tcp = await prep(
      `(call $tcp_new (i32.const 0) (i32.const 512))
       (i32.store8 (i32.const 2048) (i32.add (i32.const 48) (i32.load8_u (i32.const 512))))
       (i32.store8 (i32.const 2049) (i32.add (i32.const 65) (i32.load8_u (i32.const 516)))) ${ANSWER(2)}`,
    );
    // err, sockets error-code case 1 = access-denied.
    expect(text(new ComponentRunner().run(tcp, GET).response!.body)).toBe('1B');

    const fs = await prep(
      `(call $preopens (i32.const 512)) (i32.store8 (i32.const 2048) (i32.add (i32.const 48) (i32.load (i32.const 516)))) ${ANSWER(1)}`,
    );
    expect(text(new ComponentRunner().run(fs, GET).response!.body)).toBe('0');
  });

  it('limits: the response body cap, the memory cap, a trap and a missing response are 500s with the reason, and the runner keeps serving', async () => {
    const r = new ComponentRunner();
    const hello = await prep('');
    const flood = await prep('(local.set $ptr (i32.const 0)) (local.set $len (i32.const 1048576))', '', { pages: 32 });
    const o = r.run(flood, GET, { limits: { bodyBytes: 1000, stdoutBytes: 1000, stderrBytes: 1000 } });
    expect(o.end).toEqual({ kind: 'limit', message: 'response body over its cap of 1000 bytes' });
    expect(httpResponseOf(o).status).toBe(500);
    // 600 bytes to wasi:cli/stdout, twice: the second write passes the 1000-byte cap.
    const chatty = await prep(
      '(call $write (call $stdout) (i32.const 0) (i32.const 600) (i32.const 256)) (call $write (call $stdout) (i32.const 0) (i32.const 600) (i32.const 256))',
    );
    expect(r.run(chatty, GET, { limits: { bodyBytes: 1000, stdoutBytes: 1000, stderrBytes: 1000 } }).end).toEqual({
      kind: 'limit',
      message: 'stdout over its cap of 1000 bytes',
    });
    const quiet = r.run(chatty, GET, { limits: { bodyBytes: 1000, stdoutBytes: 2000, stderrBytes: 1000 } });
    expect(quiet.end).toEqual({ kind: 'ok' });
    expect(quiet.stdout.length).toBe(1200);

    // Grows one page at a time until memory.grow fails; answers 200 + the pages it has.
    const bomb = await prep(
      '(block $done (loop $l (br_if $done (i32.eq (memory.grow (i32.const 1)) (i32.const -1))) (br $l))) (local.set $status (i32.add (i32.const 200) (memory.size)))',
      '',
      { memoryCapBytes: 2 ** 20 },
    );
    expect(r.run(bomb, GET).response!.status).toBe(216); // 1 MiB = 16 pages, not one more

    const trap = r.run(await prep('unreachable'), GET);
    expect(trap.end.kind).toBe('trap');
    expect(httpResponseOf(trap).status).toBe(500);
    expect(text(httpResponseOf(trap).body)).toMatch(/^trap: .*unreachable/);

    const silent = r.run(await prep('return'), GET);
    expect(silent.end).toEqual({ kind: 'no-response', message: 'the handler returned without setting a response' });

    expect(text(r.run(hello, GET).response!.body)).toBe('Hello from faasbench\n');
  });
});
