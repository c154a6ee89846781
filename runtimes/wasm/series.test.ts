// The reference runtime's series axes (series.ts) end to end: which combinations a run
// sweeps and how they are tagged; what is refused and why (reuse of a preview1 module,
// Wizer on a component); reuse N wired from the options to the serve process, proved
// by a guest that counts requests in a global (reuse 128: it counts up, reuse 1: always
// 1), through the `wasm` adapter and through `faasbench serve`; and code-cache (a
// preview1 module kept per content for V8's cache, a component's glue through V8's
// code cache, the cache file written after a request and taken by the next load).

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import { wasmFileWorkload } from '../../harness/workloads-wasm.js';
import { referenceWasmAdapter } from './adapter.js';
import { readWasmFile } from './module.js';
import { runServe, serveControl, type ServeControl, type ServeReply } from './serve/run.js';
import { PLAIN_SERIES, seriesOf, seriesRefusal, seriesTags } from './series.js';
import { glueCachePath, loadGlueCached, prepareComponent } from './component/prepare.js';
import { ComponentRunner } from './component/runner.js';
import { handlerModule, watComponent } from './component/wat.js';
import type { RefusedSeries } from '../types.js';

const dir = mkdtempSync(join(tmpdir(), 'faasbench-series-'));
const componentCache = join(dir, 'components');
let counter: string;
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A component that keeps a count in a global and answers it (one digit, then '+' past 9). */
const COUNTING = handlerModule({
  extra: '(global $n (mut i32) (i32.const 0))',
  prelude: `(global.set $n (i32.add (global.get $n) (i32.const 1)))
    (i32.store8 (i32.const 2048) (select (i32.add (i32.const 48) (global.get $n)) (i32.const 43) (i32.le_u (global.get $n) (i32.const 9))))
    (local.set $ptr (i32.const 2048)) (local.set $len (i32.const 1))`,
});

beforeAll(async () => {
  counter = join(dir, 'counter.wasm');
  writeFileSync(counter, await watComponent(COUNTING));
}, 60_000);

describe('series of the axes', () => {
  it('one per combination, in the order given; tags only for the axes set', () => {
    expect(seriesOf({})).toEqual([PLAIN_SERIES]);
    expect(seriesOf({ preinit: ['plain', 'wizer'], reuse: [1, 128] })).toEqual([
      { preinit: 'plain', reuse: 1 },
      { preinit: 'plain', reuse: 128 },
      { preinit: 'wizer', reuse: 1 },
      { preinit: 'wizer', reuse: 128 },
    ]);
    expect(seriesTags({}, PLAIN_SERIES)).toEqual({});
    expect(seriesTags({ reuse: [1, 128] }, { preinit: 'plain', reuse: 128 })).toEqual({ reuse: 128 });
    expect(seriesTags({ preinit: ['wizer'], reuse: [2] }, { preinit: 'wizer', reuse: 2 })).toEqual({
      preinit: 'wizer',
      reuse: 2,
    });
  });

  it('refuses reuse of a preview1 module and Wizer on a component, each in one sentence', () => {
    expect(seriesRefusal('wasm', { preinit: 'plain', reuse: 128 })).toMatch(
      /^reuse 128 does not apply to preview1 modules: a WAGI command runs _start once per instance/,
    );
    expect(seriesRefusal('component', { preinit: 'wizer', reuse: 1 })).toMatch(
      /^preinit wizer does not apply to components: Wizer takes core modules only/,
    );
    for (const ok of [
      ['wasm', { preinit: 'wizer', reuse: 1 }],
      ['wasm', { preinit: 'code-cache', reuse: 1 }],
      ['component', { preinit: 'code-cache', reuse: 128 }],
    ] as const)
      expect(seriesRefusal(ok[0], ok[1])).toBeNull();
  });
});

describe('reuse N through the wasm runtime', { timeout: 120_000 }, () => {
  it("a preview1 workload's reuse 128 series is refused; its reuse 1 series is prepared, tagged", async () => {
    const a = referenceWasmAdapter({ threads: 1, series: { reuse: [1, 128] } });
    try {
      const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
      const got = await a.prepareSeries(hello, 'wasm');
      expect(got.map((d) => d.tags)).toEqual([{ reuse: 1 }, { reuse: 128 }]);
      expect('refused' in got[0]!).toBe(false);
      expect((got[1] as RefusedSeries).refused).toMatch(/^reuse 128 does not apply to preview1 modules/);
      // Asked for one deployment, the first series is it; a refused one alone is an error.
      await expect(referenceWasmAdapter({ series: { reuse: [128] } }).prepare(hello, 'wasm')).rejects.toThrow(
        /^reuse 128 does not apply to preview1 modules/,
      );
    } finally {
      await a.dispose();
    }
  });

  it('the counting component: reuse 128 counts up, reuse 1 always answers 1 (a fresh instance each)', async () => {
    const a = referenceWasmAdapter({ threads: 1, series: { reuse: [1, 128] } });
    try {
      const workload = wasmFileWorkload(counter, 200, 'component');
      const deployments = (await a.prepareSeries(workload, 'component')).filter((d) => !('refused' in d)) as Array<
        Exclude<Awaited<ReturnType<typeof a.prepareSeries>>[number], RefusedSeries>
      >;
      expect(deployments.map((d) => d.tags)).toEqual([{ reuse: 1 }, { reuse: 128 }]);
      const bodies: string[][] = [];
      for (const d of deployments) {
        const { instance } = await a.start(d);
        const seen: string[] = [];
        for (let i = 0; i < 5; i++)
          seen.push(Buffer.from((await a.invoke(instance, workload.requests[0]!)).response.body).toString());
        bodies.push(seen);
        await a.stop(instance);
      }
      expect(bodies).toEqual([
        ['1', '1', '1', '1', '1'],
        ['1', '2', '3', '4', '5'],
      ]);
    } finally {
      await a.dispose();
    }
  });
});

describe('reuse N and components that answer once per instance', { timeout: 180_000 }, () => {
  it("hello's componentize-js component (fetch event: one request per instance) has its reuse series refused, saying so", async () => {
    const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
    expect(hello.unbuilt?.component, 'component not built: npx tsx scripts/build-components.ts hello').toBeUndefined();
    const a = referenceWasmAdapter({ threads: 1, series: { reuse: [1, 8] } });
    try {
      const got = await a.prepareSeries(hello, 'component');
      expect(got.map((d) => d.tags)).toEqual([{ reuse: 1 }, { reuse: 8 }]);
      expect('refused' in got[0]!).toBe(false);
      expect((got[1] as RefusedSeries).refused).toMatch(
        /^reuse 8 does not apply to hello's component: it answers one request per instance .* got 500 /,
      );
    } finally {
      await a.dispose();
    }
  });
});

describe('faasbench serve --reuse and --preinit', { timeout: 120_000 }, () => {
  const serve = (reuse: number, apps: Array<{ name: string; path: string }>, preinit?: 'wizer' | 'code-cache') =>
    runServe({
      apps: apps.map((x) => ({ ...x, from: `--app ${x.name}=${x.path}` })),
      threads: 1,
      reuse,
      ...(preinit ? { preinit } : {}),
      signals: false,
      say: () => {},
      log: () => {},
    });

  it('reuse 128: the guest counts up across requests; reuse 1: it answers 1 every time', async () => {
    for (const [reuse, want] of [
      [128, '1234'],
      [1, '1111'],
    ] as const) {
      const running = await serve(reuse, [{ name: 'count', path: counter }]);
      try {
        let got = '';
        for (let i = 0; i < 4; i++) got += await (await fetch(`${running.host.url}/count/`)).text();
        expect(got, `reuse ${reuse}`).toBe(want);
      } finally {
        await running.stop('test');
      }
    }
  });

  it('refuses at start, in one sentence: reuse of a preview1 app, Wizer for a component', async () => {
    const hello = join(builtinWorkloadsDir(), 'hello', 'build', 'hello.wasm');
    await expect(serve(128, [{ name: 'hello', path: hello }])).rejects.toThrow(
      /^app hello: reuse 128 does not apply to preview1 modules/,
    );
    await expect(serve(1, [{ name: 'count', path: counter }], 'wizer')).rejects.toThrow(
      /^app count: preinit wizer does not apply to components/,
    );
  });

  it('wizer: a preview1 app pre-initialised at start answers as the plain one', async () => {
    const echo = join(builtinWorkloadsDir(), 'echo', 'build', 'echo.wasm');
    const running = await serve(1, [{ name: 'echo', path: echo }], 'wizer');
    try {
      const r = await fetch(`${running.host.url}/echo/a?b=1`);
      expect(r.status).toBe(200);
      expect(await r.text()).toContain('query: b=1');
    } finally {
      await running.stop('test');
    }
  });
});

describe('code-cache', { timeout: 120_000 }, () => {
  it('a preview1 module deployed twice with code-cache is kept once (for V8 to find) and both apps answer', async () => {
    const running = await runServe({ apps: [], threads: 1, signals: false, say: () => {}, log: () => {} });
    const replies: ServeReply[] = [];
    let handler: (m: ServeControl) => void = () => {};
    serveControl(
      running,
      (m) => replies.push(m),
      (f) => (handler = f),
    );
    const bytes = readWasmFile(join(builtinWorkloadsDir(), 'hello', 'build', 'hello.wasm'));
    const deploy = async (id: number, name: string, preinit?: 'code-cache') => {
      handler({ op: 'deploy', id, name, bytes, nonce: id, ...(preinit ? { preinit } : {}) });
      for (let i = 0; i < 200 && !replies.some((r) => 'id' in r && r.id === id); i++)
        await new Promise((r) => setTimeout(r, 10));
      return replies.find((r) => 'id' in r && r.id === id);
    };
    try {
      expect(await deploy(1, 'plain')).toMatchObject({ ok: true });
      expect(running.keptCode.size).toBe(0);
      expect(await deploy(2, 'one', 'code-cache')).toMatchObject({ ok: true });
      expect(await deploy(3, 'two', 'code-cache')).toMatchObject({ ok: true });
      expect(running.keptCode.size).toBe(1);
      for (const app of ['plain', 'one', 'two'])
        expect(await (await fetch(`${running.host.url}/${app}/`)).text(), app).toBe('Hello from faasbench\n');
      // reuse over IPC: refused for a preview1 module, with the sentence.
      handler({ op: 'deploy', id: 4, name: 'reused', bytes, nonce: 4, reuse: 128 });
      expect(replies.find((r) => 'id' in r && r.id === 4)).toMatchObject({
        ok: false,
        error: expect.stringMatching(/^reuse 128 does not apply to preview1 modules/) as unknown,
      });
    } finally {
      await running.stop('test');
    }
  });

  it("a component's glue: V8's code cache written after a request, taken by the next load, same answers", async () => {
    const bytes = await watComponent(COUNTING);
    const c = await prepareComponent(bytes, 'counter', { cacheDir: componentCache, codeCache: true });
    expect(c.codeCache).toBe(true);
    const gluePath = join(c.dir, 'fn.js');
    rmSync(glueCachePath(gluePath), { force: true });
    const req = { method: 'GET', pathWithQuery: '/', headers: [], body: new Uint8Array() };
    const first = loadGlueCached(gluePath, 'counter');
    expect(first.used).toBe(false);
    const runner = new ComponentRunner();
    expect(Buffer.from(runner.run({ ...c, instantiate: first.instantiate }, req).response!.body).toString()).toBe('1');
    first.save();
    expect(existsSync(glueCachePath(gluePath))).toBe(true);
    const second = loadGlueCached(gluePath, 'counter');
    expect(second.used).toBe(true);
    expect(Buffer.from(runner.run({ ...c, instantiate: second.instantiate }, req).response!.body).toString()).toBe('1');
  });
});
