// The reference runtime's adapter: its limits are options, refused with one sentence
// naming the limit and the value (live instances at start(), module limits at prepare()).

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import type { RuntimeAdapter } from '../types.js';
import { DEFAULT_MAX_INSTANCES, WasmAdapter, referenceWasmAdapter } from './adapter.js';
import { GuestThreadExecutor } from './guest-threads.js';

const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));

describe('reference Wasm adapter limits', () => {
  const adapters: RuntimeAdapter[] = [];
  const make = (opts: Parameters<typeof referenceWasmAdapter>[0]) => {
    const a = referenceWasmAdapter({ threads: 1, ...opts });
    adapters.push(a);
    return a;
  };
  afterEach(async () => {
    await Promise.all(adapters.splice(0).map((a) => a.dispose()));
  });

  it('refuses an instance past maxInstances live ones, and starts one again once one stops', async () => {
    expect(DEFAULT_MAX_INSTANCES).toBe(4096);
    const a = make({ maxInstances: 2 });
    const d = await a.prepare(hello, 'wasm');
    const first = (await a.start(d)).instance;
    await a.start(d);
    await expect(a.start(d)).rejects.toThrow(
      /^wasm: cannot start another instance of hello: 2 are live, the limit of live instances \(maxInstances\)$/,
    );
    await a.stop(first);
    const again = await a.start(d);
    const r = await a.invoke(again.instance, {
      method: 'GET',
      path: '/',
      query: '',
      headers: {},
      body: new Uint8Array(),
    });
    expect(r.response.status).toBe(200);
  });

  it('an app stopped leaves nothing behind on the guest threads (each start compiles a new module)', async () => {
    const pool = new GuestThreadExecutor({ size: 2 });
    const a = new WasmAdapter({ id: 'wasm', description: 'test', executor: () => pool });
    adapters.push(a);
    const d = await a.prepare(hello, 'wasm');
    for (let i = 0; i < 3; i++) {
      const { instance } = await a.start(d);
      for (let k = 0; k < 4; k++)
        expect(
          (await a.invoke(instance, { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() }))
            .response.status,
        ).toBe(200);
      await a.stop(instance);
    }
    expect(await pool.modulesHeld()).toBe(0);
  });

  it('passes the module limits to every load: a module over maxModuleBytes is refused at prepare()', async () => {
    const a = make({ maxModuleBytes: 1000 });
    await expect(a.prepare(hello, 'wasm')).rejects.toThrow(
      /hello\.wasm: the file is \d+ bytes, over the module size limit of 1000 bytes \(maxModuleBytes\)/,
    );
    const b = make({ maxDataBytes: 10 });
    await expect(b.prepare(hello, 'wasm')).rejects.toThrow(
      /^hello: its data segments hold \d+ bytes, over the data size limit of 10 bytes \(maxDataBytes\)$/,
    );
  });
});
