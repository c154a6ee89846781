// The `wasm` runtime (a faasbench serve process) deploys a workload's component variant
// and serves it a fresh instance per request: what `faasbench run --variant component`,
// throughput and density measure. Needs the components built (scripts/test.sh builds them).

import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir, loadWorkload } from '../../../model/workload.js';
import { checkResponse } from '../../../harness/verify.js';
import { referenceWasmAdapter } from '../adapter.js';
import { nodeWasiAdapter } from '../node-wasi-adapter.js';
import type { ServedWasmAdapter } from '../served-adapter.js';

const echo = loadWorkload(join(builtinWorkloadsDir(), 'echo'));
const adapters: ServedWasmAdapter[] = [];
afterEach(async () => {
  await Promise.all(adapters.splice(0).map((a) => a.dispose()));
});

describe('component variant on the wasm runtime', { timeout: 120_000 }, () => {
  it('deploys the echo component into the serve process and answers every test request as the manifest says', async () => {
    expect(echo.unbuilt?.component, 'component not built: npx tsx scripts/build-components.ts echo').toBeUndefined();
    const a = referenceWasmAdapter({ threads: 1 });
    adapters.push(a);
    expect(a.capabilities().variants).toContain('component');
    const d = await a.prepare(echo, 'component');
    const { instance, phases } = await a.start(d);
    expect(phases.map((p) => p.phase)).toEqual(['compile', 'deploy']);
    for (const request of echo.requests.filter((r) => r.size === 'test')) {
      const res = await a.invoke(instance, request);
      expect(checkResponse(request.expect, res.response), request.name).toEqual({ ok: true });
      expect(res.phases.map((p) => p.phase)).toEqual(['instantiate', 'handler', 'dispatch']);
    }
    await a.stop(instance);
    const after = await fetch(`${instance.url}${instance.pathPrefix}/`);
    expect(after.status).toBe(404);
  });

  it('the node:wasi baseline does not take components', async () => {
    const a = nodeWasiAdapter();
    adapters.push(a);
    expect(a.capabilities().variants).toEqual(['wasm']);
    await expect(a.prepare(echo, 'component')).rejects.toThrow(
      'node-wasi does not run the component variant (it runs wasm)',
    );
  });
});
