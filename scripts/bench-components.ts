// Component fresh-instance speed, in process, interleaved in one run (round by round,
// in a shuffled order each round, so machine drift touches all alike):
//
//   js-jco        the hello JS component (componentize-js), the newest transpiler's glue
//                 (jco-transpile 0.15) as it emits it, a fresh instance per request: the
//                 baseline
//   js            as faasbench serves it: jco 1.12's glue, without the component-model
//                 async runtime (prepare.ts says why), the WebAssembly.promising throw
//                 removed (prepare.ts, loadGlue), the initial memory applied once into
//                 an image that a recycled memory is reset to (memory-image.ts)
//   js-segments   the same without the image: V8 applies the 10,000 data segments into
//                 a new memory per instance
//   wat-small     a hand-written component (wat.ts: the least a wasi:http handler can be)
//   wat-reuse128  the same, one instance serving up to 128 requests (reuse N)
//   c             hello's component-c variant: the C source behind the WAGI bridge
//                 (workloads/common/component/c), made a component with jco and the
//                 preview1 reactor adapter: what a small C function really ships as
//   c-reuse128    the same, reuse 128. The JS
//                 components answer through componentize-js's fetch event, which
//                 serves one request per instance: they cannot be reused.
//   preview1      hello's preview1 module on the existing Runner (the path to beat)
//
// Each sample is one request: instantiate + handle, checked (status 200 and hello's
// body) before it counts. Prints medians with the instantiate/handler split and the
// targets with PASS/SHORT:
//   JS component fresh instance ≤ 5 ms median, and ≥ 8× faster than js-jco
//   small component fresh instance ≤ 100 µs median (judged on `c`, the real C
//   component; wat-small shown beside it as the floor of this host)
//
//   flock /tmp/faasbench-bench.lock node --disable-wasm-trap-handler --no-turbo-fast-api-calls \
//     --import tsx scripts/bench-components.ts [--seconds S (60)] [--quick (15 s)]
//
// Needs the hello component built (npx tsx scripts/build-components.ts hello).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadWorkload } from '../model/workload.js';
import { Runner } from '../runtimes/wasm/executor.js';
import { compileCommand } from '../runtimes/wasm/module.js';
import { cgiEnvironment } from '../runtimes/shared/cgi.js';
import type { HttpExchangeRequest } from '../runtimes/wasm/component/host.js';
import { loadGlue, prepareComponent, type PreparedComponent } from '../runtimes/wasm/component/prepare.js';
import { ComponentRunner } from '../runtimes/wasm/component/runner.js';
import { helloComponent } from '../runtimes/wasm/component/wat.js';

const args = process.argv.slice(2);
const at = args.indexOf('--seconds');
const seconds = args.includes('--quick') ? 15 : at >= 0 ? Number(args[at + 1]) : 60;
const root = join(new URL('.', import.meta.url).pathname, '..');
const hello = loadWorkload(join(root, 'workloads/hello'));
if (!hello.variantPaths.component) {
  console.error(`bench-components: ${hello.unbuilt?.component ?? 'hello has no component variant'}`);
  process.exit(2);
}
const EXPECT = 'Hello from faasbench\n';
const REQ: HttpExchangeRequest = {
  method: 'GET',
  pathWithQuery: '/',
  authority: 'localhost',
  headers: [],
  body: new Uint8Array(),
};

const jsBytes = readFileSync(hello.variantPaths.component);
const js = await prepareComponent(jsBytes, 'hello.component.wasm');
// Without the memory image: the data segments applied by V8 per instance.
const segments = await prepareComponent(jsBytes, 'hello.component.wasm', { memoryImage: false });
// The newest transpiler's glue (jco-transpile 0.15), evaluated the same way (not import(),
// which tsx would rewrite), only without the shadow and with its debug logger.
const jcoBaseline = await prepareComponent(jsBytes, 'hello.component.wasm', { transpiler: 'jco-transpile' });
const jco: PreparedComponent = {
  ...jcoBaseline,
  instantiate: loadGlue(join(jcoBaseline.dir, 'fn.js'), 'jco', { jspiShadow: false, debugLog: true }),
};
const small = await prepareComponent(await helloComponent(), 'wat-hello');
if (!hello.variantPaths['component-c']) {
  console.error(`bench-components: ${hello.unbuilt?.['component-c'] ?? 'hello has no component-c variant'}`);
  process.exit(2);
}
const c = await prepareComponent(readFileSync(hello.variantPaths['component-c']), 'hello.component-c.wasm');
const module = await compileCommand(readFileSync(hello.variantPaths.wasm!), 'hello.wasm');

interface Series {
  name: string;
  total: number[];
  inst: number[];
  handler: number[];
  failed: number;
  run(): { ok: boolean; inst: number; handler: number };
}
const runner = new ComponentRunner();
const p1 = new Runner();
const component = (name: string, c: PreparedComponent, reuse = 1): Series => ({
  name,
  total: [],
  inst: [],
  handler: [],
  failed: 0,
  run() {
    const o = runner.run(c, REQ, { reuse });
    return {
      ok: o.end.kind === 'ok' && Buffer.from(o.response!.body).toString() === EXPECT,
      inst: o.instantiateNs,
      handler: o.handlerNs,
    };
  },
});
const env = cgiEnvironment({ method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() });
const series: Series[] = [
  component('js-jco', jco),
  component('js', js),
  component('js-segments', segments),
  component('wat-small', small),
  component('wat-reuse128', small, 128),
  component('c', c),
  component('c-reuse128', c, 128),
  {
    name: 'preview1',
    total: [],
    inst: [],
    handler: [],
    failed: 0,
    run() {
      const o = p1.run(module, { args: ['hello'], env, stdin: new Uint8Array() });
      p1.release();
      return {
        ok: o.end.kind === 'exit' && o.end.code === 0 && Buffer.from(o.stdout).toString().endsWith(EXPECT),
        inst: o.instantiateNs,
        handler: o.runNs,
      };
    },
  },
];

// Warm up each (first compiles of lazily compiled functions), then interleave.
for (const s of series) for (let i = 0; i < 3; i++) s.run();
const deadline = Date.now() + seconds * 1000;
let rounds = 0;
const cheap = new Set(['wat-small', 'wat-reuse128', 'c', 'c-reuse128', 'preview1']);
while (Date.now() < deadline) {
  const order = [...series].sort(() => Math.random() - 0.5);
  for (const s of order) {
    // The cheap series get more samples per round: their timings are short and noisy.
    for (let k = 0; k < (cheap.has(s.name) ? 10 : 1); k++) {
      const t0 = process.hrtime.bigint();
      const r = s.run();
      const t = Number(process.hrtime.bigint() - t0);
      if (!r.ok) {
        s.failed++;
        continue;
      }
      s.total.push(t);
      s.inst.push(r.inst);
      s.handler.push(r.handler);
    }
  }
  rounds++;
  if (rounds % 20 === 0)
    process.stderr.write(`\r${rounds} rounds, ${Math.max(0, Math.round((deadline - Date.now()) / 1000))} s left `);
}
process.stderr.write('\n');

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : NaN;
};
const ms = (ns: number) => (ns / 1e6).toFixed(3);
console.log(`${rounds} interleaved rounds in ${seconds} s (in-process, this thread; medians)`);
console.log('series        n      total ms  instantiate ms  handler ms  failed');
for (const s of series) {
  console.log(
    `${s.name.padEnd(12)}  ${String(s.total.length).padStart(5)}  ${ms(median(s.total)).padStart(8)}  ${ms(median(s.inst)).padStart(14)}  ${ms(median(s.handler)).padStart(10)}  ${s.failed}`,
  );
}
const get = (n: string) => median(series.find((s) => s.name === n)!.total);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'SHORT');
const jsMs = get('js') / 1e6;
const speedup = get('js-jco') / get('js');
console.log(`\nJS component fresh instance ${jsMs.toFixed(2)} ms median (target ≤ 5 ms): ${verdict(jsMs <= 5)}`);
console.log(`  vs jco's glue as emitted: ${speedup.toFixed(2)}× faster (target ≥ 8×): ${verdict(speedup >= 8)}`);
const cUs = get('c') / 1e3;
console.log(
  `small C component (hello component-c) fresh instance ${cUs.toFixed(1)} µs median (target ≤ 100 µs): ${verdict(cUs <= 100)}`,
);
console.log(`  hand-written wat component (this host's floor): ${(get('wat-small') / 1e3).toFixed(1)} µs`);
console.log(
  `  reuse 128: C ${(get('c') / get('c-reuse128')).toFixed(1)}×, wat ${(get('wat-small') / get('wat-reuse128')).toFixed(1)}× faster than fresh (and state leaks across requests: component.test.ts)`,
);
console.log(
  `  vs preview1 hello module: C ${(get('c') / get('preview1')).toFixed(1)}×, wat ${(get('wat-small') / get('preview1')).toFixed(1)}× its ${(get('preview1') / 1e3).toFixed(1)} µs`,
);
if (series.some((s) => s.failed)) process.exitCode = 1;
