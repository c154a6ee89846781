// Components through the WAGI core over real HTTP on 127.0.0.1 (the hook serve/host.ts
// routes apps through): the guest's response with Server-Timing phases, a fresh
// instance per request, a looping guest answered 504 at its deadline while the
// listener keeps serving.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWagiCore, readBody, type WagiTarget } from '../server.js';
import { ComponentThreadExecutor } from './executor.js';
import { prepareComponent } from './prepare.js';
import { handlerModule, watComponent } from './wat.js';

let cacheDir: string;
let server: http.Server;
let base: string;
const executor = new ComponentThreadExecutor({ size: 2, deadlineMs: 500 });
const logged: string[] = [];

beforeAll(async () => {
  cacheDir = mkdtempSync(join(tmpdir(), 'faasbench-components-'));
  const target = async (name: string, prelude: string, reuse = 1): Promise<WagiTarget> => ({
    module: null,
    name,
    scriptName: `/${name}`,
    component: {
      prepared: await prepareComponent(
        await watComponent(handlerModule({ prelude, extra: '(global $n (mut i32) (i32.const 0))' })),
        name,
        { cacheDir },
      ),
      executor,
      reuse,
    },
  });
  const counter = `(global.set $n (i32.add (global.get $n) (i32.const 1))) (i32.store8 (i32.const 2048) (i32.add (i32.const 48) (global.get $n))) (local.set $ptr (i32.const 2048)) (local.set $len (i32.const 1))`;
  const apps = new Map<string, WagiTarget>([
    ['hello', await target('hello', '')],
    [
      'path',
      await target(
        'path',
        '(call $path (local.get $req) (i32.const 512)) (local.set $ptr (i32.load (i32.const 516))) (local.set $len (i32.load (i32.const 520)))',
      ),
    ],
    ['loop', await target('loop', '(loop $l (br $l))')],
    ['count', await target('count', counter)],
    ['count3', await target('count3', counter, 3)],
  ]);
  let port = 0;
  const core = createWagiCore({
    executor: { name: 'unused', execute: () => Promise.reject(new Error('no modules here')), close: async () => {} },
    log: (r) => logged.push(r),
    port: () => port,
  });
  server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    const [first, ...rest] = url.split('?')[0]!.split('/').slice(1);
    const app = apps.get(first ?? '');
    if (!app) return core.sendPlain(res, 404, 'no such app\n');
    const startedAt = process.hrtime.bigint();
    readBody(req, 1 << 20, (body) =>
      core.run(req, res, body, app, '/' + rest.join('/'), url.split('?')[1] ?? '', startedAt),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
}, 60_000);
afterAll(async () => {
  server?.close();
  await executor.close();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe('components behind the WAGI core', { timeout: 60_000 }, () => {
  it('answers with the guest response, its phases in Server-Timing', async () => {
    const r = await fetch(`${base}/hello/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/plain');
    expect(r.headers.get('server-timing')).toMatch(/instantiate;dur=[\d.]+, handler;dur=[\d.]+, dispatch;dur=[\d.]+/);
    expect(await r.text()).toBe('Hello from faasbench\n');
    const p = await fetch(`${base}/path/a/b?x=1`);
    expect(await p.text()).toBe('/a/b?x=1');
  });

  it('a fresh instance per request by default; reuse 3 shows the kept state', async () => {
    const fresh = [];
    for (let i = 0; i < 3; i++) fresh.push(await (await fetch(`${base}/count/`)).text());
    expect(fresh).toEqual(['1', '1', '1']);
    // Reuse lives in one thread: two threads may each keep an instance, so only the order per thread is fixed.
    const kept = [];
    for (let i = 0; i < 6; i++) kept.push(await (await fetch(`${base}/count3/`)).text());
    expect(kept.some((b) => b !== '1')).toBe(true);
  });

  it('a guest past its deadline gets the client a 504 and the listener keeps serving', async () => {
    const stuck = fetch(`${base}/loop/`);
    const meanwhile = await fetch(`${base}/hello/`);
    expect(meanwhile.status).toBe(200);
    const r = await stuck;
    expect(r.status).toBe(504);
    expect(await r.text()).toBe('deadline of 500 ms exceeded\n');
    expect(logged).toContain('loop: deadline of 500 ms exceeded');
    expect((await fetch(`${base}/hello/`)).status).toBe(200);
  });
});
