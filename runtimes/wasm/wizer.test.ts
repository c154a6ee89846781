// Wizer pre-initialisation (the `wizer` preinit series): the init export added to a
// clang-built WAGI command, Wizer's output cached by the input's hash, and every
// built-in workload's wizened module answering every manifest request byte for byte
// as its plain module does, both served by the `wasm` runtime (a serve process).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import { checkResponse } from '../../harness/verify.js';
import { referenceWasmAdapter } from './adapter.js';
import { readWasmFile } from './module.js';
import { INIT_EXPORT, withInitExport, wizen } from './wizer.js';
import type { FunctionResponse, RefusedSeries } from '../types.js';

const WORKLOADS = ['hello', 'echo', 'image', 'json', 'markdown', 'sha256', 'sleep', 'sort'];
const cacheDir = mkdtempSync(join(tmpdir(), 'faasbench-wizer-'));
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/** The response's headers but those that vary per request (date, server timing) or per connection. */
const guestHeaders = (r: FunctionResponse) =>
  Object.fromEntries(
    Object.entries(r.headers).filter(([k]) => !['date', 'server-timing', 'connection', 'keep-alive'].includes(k)),
  );

const bytesOf = (w: string) => readWasmFile(join(builtinWorkloadsDir(), w, 'build', `${w}.wasm`), 1 << 26);

describe('the init export Wizer calls', () => {
  it("is added beside _start, calling the module's constructors when it has them", () => {
    // echo reads its environment through environ: wasi-libc links a constructor for it; hello has none.
    for (const [w, ctors] of [
      ['hello', false],
      ['echo', true],
    ] as const) {
      const out = withInitExport(bytesOf(w));
      expect(out.hasCtors, w).toBe(ctors);
      const exports = WebAssembly.Module.exports(new WebAssembly.Module(out.bytes)).map((e) => e.name);
      expect(exports.sort(), w).toEqual(['_start', INIT_EXPORT, 'memory'].sort());
    }
  });

  it('hello: the added init function runs and changes nothing (it has no constructors)', () => {
    const m = new WebAssembly.Module(withInitExport(bytesOf('hello')).bytes);
    const stub = () => 0;
    const imports = {
      wasi_snapshot_preview1: Object.fromEntries(WebAssembly.Module.imports(m).map((i) => [i.name, stub] as const)),
    };
    const i = new WebAssembly.Instance(m, imports);
    const before = Buffer.from((i.exports['memory'] as WebAssembly.Memory).buffer).toString('base64');
    (i.exports[INIT_EXPORT] as () => void)();
    expect(Buffer.from((i.exports['memory'] as WebAssembly.Memory).buffer).toString('base64')).toBe(before);
  });
});

describe('wizen', { timeout: 120_000 }, () => {
  it('runs Wizer once per content: the second call is the cached output, the init export gone', async () => {
    const first = await wizen(bytesOf('echo'), 'echo', cacheDir);
    expect(first.cached).toBe(false);
    const again = await wizen(bytesOf('echo'), 'echo', cacheDir);
    expect(again.cached).toBe(true);
    expect(Buffer.from(again.bytes).equals(Buffer.from(first.bytes))).toBe(true);
    const exports = WebAssembly.Module.exports(new WebAssembly.Module(first.bytes)).map((e) => e.name);
    expect(exports.sort()).toEqual(['_start', 'memory']);
  });

  it('refuses what is not a module in one sentence naming it', async () => {
    await expect(wizen(Buffer.from('not wasm at all'), 'junk.wasm', cacheDir)).rejects.toThrow(
      /^junk\.wasm: cannot be pre-initialised by Wizer: not a WebAssembly module/,
    );
  });
});

describe('wizened modules answer as the plain ones do', { timeout: 300_000 }, () => {
  it('every built-in workload, every manifest request, served: byte-identical status, headers and body', async () => {
    const a = referenceWasmAdapter({ threads: 1, series: { preinit: ['plain', 'wizer'] } });
    try {
      for (const name of WORKLOADS) {
        const workload = loadWorkload(join(builtinWorkloadsDir(), name));
        const prepared = await a.prepareSeries(workload, 'wasm');
        const deployments = prepared.filter((d) => !('refused' in d)) as Array<
          Exclude<(typeof prepared)[number], RefusedSeries>
        >;
        expect(
          deployments.map((d) => d.tags),
          name,
        ).toEqual([{ preinit: 'plain' }, { preinit: 'wizer' }]);
        const [plain, wizer] = await Promise.all(deployments.map((d) => a.start(d)));
        // The wizer deployment deploys other bytes than the plain one (Wizer's output).
        expect(Buffer.from(deployments[1]!.data!.bytes).equals(Buffer.from(deployments[0]!.data!.bytes))).toBe(false);
        for (const request of workload.requests) {
          const answers: FunctionResponse[] = [];
          for (const app of [plain!.instance, wizer!.instance]) {
            const res = await a.invoke(app, request);
            expect(checkResponse(request.expect, res.response), `${name}/${request.name}`).toEqual({ ok: true });
            answers.push(res.response);
          }
          expect(answers[1]!.status, `${name}/${request.name}`).toBe(answers[0]!.status);
          expect(guestHeaders(answers[1]!), `${name}/${request.name}`).toEqual(guestHeaders(answers[0]!));
          expect(Buffer.from(answers[1]!.body).equals(Buffer.from(answers[0]!.body)), `${name}/${request.name}`).toBe(
            true,
          );
        }
        await a.stop(plain!.instance);
        await a.stop(wizer!.instance);
      }
    } finally {
      await a.dispose();
    }
  });
});
