// The command runtime with `wasmtime serve` as the command (examples/wasmtime-serve.json):
// hello's wasi:http component (hand-built offline, runtimes/wasm/component/wat.ts)
// answers as the hello manifest says. Needs the pinned wasmtime: a failure under
// scripts/test.sh (FAASBENCH_REQUIRE_EXTERNAL=1), a skip with its reason elsewhere.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkResponse } from '../../../harness/verify.js';
import { builtinWorkloadsDir, loadWorkload } from '../../../model/workload.js';
import { helloComponent } from '../../wasm/component/wat.js';
import { findTool } from '../tools.js';
import { CommandAdapter } from './adapter.js';

const required = process.env['FAASBENCH_REQUIRE_EXTERNAL'] === '1';
const found = findTool('wasmtime');
const tmp = mkdtempSync(join(tmpdir(), 'faasbench-cmd-serve-'));
const adapters: CommandAdapter[] = [];
afterAll(async () => {
  await Promise.all(adapters.map((a) => a.dispose()));
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!found.ok && !required)('command runtime with wasmtime serve as the command', () => {
  it("serves hello's component through examples/wasmtime-serve.json", async () => {
    expect(found.ok, found.ok ? '' : found.reason).toBe(true);
    const file = join(tmp, 'hello.component.wasm');
    writeFileSync(file, await helloComponent());
    const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
    const a = new CommandAdapter({ specFile: join(import.meta.dirname, 'examples', 'wasmtime-serve.json') });
    adapters.push(a);
    expect(await a.available()).toMatchObject({ ok: true });
    const { instance } = await a.start(await a.prepare({ ...hello, variantPaths: { component: file } }, 'component'));
    const get = hello.requests.find((r) => r.size === 'test')!;
    for (let i = 0; i < 3; i++)
      expect(checkResponse(get.expect, (await a.invoke(instance, get)).response)).toEqual({ ok: true });
    await a.stop(instance);
  });
});
