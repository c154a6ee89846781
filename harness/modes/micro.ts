// Micro-phases of the reference Wasm runtime, in process, timed with tinybench:
//   compile      WebAssembly compile of the workload's module (a nonce per sample so
//                V8 cannot reuse earlier code);
//   wasi_setup   per-request WASI state: begin() + finish() on a WASI host;
//   instance     one fresh instance run to completion through the executor
//                (instantiate + WASI setup + _start), split into its instantiate and
//                run parts from the executor's own clock.
// The module's answer is checked against the manifest first; a wrong answer makes
// every row ok=false. Only the runtime's public functions are used (module.ts,
// executor.ts, wasi/host.ts), so the rows follow whatever the executor does today.

import { Bench } from 'tinybench';
import { cgiEnvironment, parseCgiOutput } from '../../runtimes/shared/cgi.js';
import { InlineExecutor, type ExecRequest } from '../../runtimes/wasm/executor.js';
import { compileCommand, readWasmFile, withNonce } from '../../runtimes/wasm/module.js';
import { WasiHost } from '../../runtimes/wasm/wasi/host.js';
import { checkResponse } from '../verify.js';
import type { Cell, CellContext, MeasurementMode, SampleOut } from './types.js';

// The options (MicroOptions: tinybench time per task, minimum samples from --iterations)
// are defined in harness/options.ts and arrive complete in ctx.options.micro.

/** Which runtimes have micro-phases: the reference runtime (its executor, in this process). */
const MICRO_RUNTIMES = new Set(['wasm']);

interface Stats {
  p50: number;
  p99: number;
  mean: number;
  mad: number;
  samples: number;
}

/** ms floats (tinybench) → integer ns rows: median as 'total', the rest as phases. */
export function statRows(metric: string, s: Stats, ok: boolean, request: string, error?: string): SampleOut[] {
  const ns = (ms: number) => Math.max(0, Math.round(ms * 1e6));
  const base = { iteration: 0, request, ok, ...(error ? { error } : {}) };
  return [
    { ...base, phase: 'total', metric, value: ns(s.p50) },
    { ...base, phase: 'p99', metric, value: ns(s.p99) },
    { ...base, phase: 'mean', metric, value: ns(s.mean) },
    { ...base, phase: 'mad', metric, value: ns(s.mad) },
    { ...base, phase: 'samples', metric: `${metric.replace(/_ns$/, '')}_samples_count`, value: s.samples },
  ];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length === 0 ? 0 : s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function microCell(ctx: CellContext): Cell {
  const { workload, request } = ctx;
  const o = ctx.options.micro;
  return {
    label: `${ctx.adapter.id}/${workload.name}/wasm/micro`,
    rounds: 1,
    async setup() {},
    async sample() {
      const bytes = readWasmFile(workload.variantPaths.wasm!);
      const module = await compileCommand(bytes, workload.name);
      const executor = new InlineExecutor();
      const req: ExecRequest = { args: [workload.name], env: cgiEnvironment(request), stdin: request.body };
      try {
        // The answer must be right before any timing counts.
        const first = await executor.execute(module, req);
        let error: string | undefined;
        if (first.end.kind !== 'exit' || first.end.code !== 0) error = `guest ended with ${JSON.stringify(first.end)}`;
        else {
          const parsed = parseCgiOutput(first.stdout);
          if (!parsed.ok) error = parsed.reason;
          else {
            const v = checkResponse(request.expect, parsed.response);
            if (!v.ok) error = v.reason;
          }
        }
        const ok = error === undefined;

        let nonce = 0;
        const host = new WasiHost();
        const config = { args: req.args, env: req.env, stdin: req.stdin, stdoutLimit: 1 << 20, stderrLimit: 1 << 20 };
        const instantiateNs: number[] = [];
        const runNs: number[] = [];
        const bench = new Bench({
          time: o.timeMs,
          iterations: o.minSamples,
          warmupTime: Math.min(100, o.timeMs),
          retainSamples: false,
        });
        bench.add('compile', async () => {
          await compileCommand(withNonce(bytes, ++nonce), workload.name);
        });
        bench.add('wasi_setup', () => {
          host.begin(config);
          host.finish();
        });
        bench.add('instance', async () => {
          const out = await executor.execute(module, req);
          instantiateNs.push(out.instantiateNs);
          runNs.push(out.runNs);
        });
        await bench.run();
        const rows: SampleOut[] = [];
        for (const task of bench.tasks) {
          const r = task.result;
          if (!r || !('latency' in r)) {
            rows.push({
              iteration: 0,
              request: request.name,
              phase: 'total',
              metric: `micro_${task.name}_ns`,
              value: 0,
              ok: false,
              error: `tinybench: ${r && 'error' in r ? String((r as { error?: unknown }).error) : 'no result'}`,
            });
            continue;
          }
          const l = r.latency;
          rows.push(
            ...statRows(
              `micro_${task.name}_ns`,
              { p50: l.p50, p99: l.p99, mean: l.mean, mad: l.mad, samples: l.samplesCount },
              ok,
              request.name,
              error,
            ),
          );
        }
        // The executor's own split of an instance (warm-up runs included: same work).
        const split = (metric: string, xs: number[]) => ({
          iteration: 0,
          request: request.name,
          phase: 'total',
          metric,
          value: Math.round(median(xs)),
          ok: ok && xs.length > 0,
          ...(error ? { error } : {}),
        });
        rows.push(split('micro_instantiate_ns', instantiateNs), split('micro_run_ns', runNs));
        return rows;
      } finally {
        await executor.close();
      }
    },
    async teardown() {},
  };
}

export const microMode: MeasurementMode = {
  mode: 'micro',
  cells(ctx) {
    if (!MICRO_RUNTIMES.has(ctx.adapter.id) || ctx.variant !== 'wasm' || !ctx.workload.variantPaths.wasm) return [];
    return [microCell(ctx)];
  },
};
