// Lambda-style runtime figures on this machine, in one interleaved run:
//   1. cold start (start → first verified response; median, p99) of a Lambda
//      environment for the node and native variants vs the reference Wasm runtime
//      (its app cold start, and its per-request instance cold start);
//   2. warm invoke overhead: a warm Lambda invoke (function URL → Runtime API →
//      frozen environment and back) vs calling the same handler directly;
//   3. idle memory (RSS, PSS) per frozen environment.
// Run: flock /tmp/faasbench-bench.lock npx tsx scripts/bench-lambda.ts [--rounds N] [--warm N] [--envs N]
// Budget: the loops stop at --budget-ms (50 s); the whole run stays under 90 s.

import { callNodeHandler, loadNodeHandler } from '../runtimes/shared/node-handler.js';
import { runCgiProcess } from '../runtimes/process/cgi.js';
import { LambdaAdapter } from '../runtimes/lambda/adapter.js';
import { awsLambdaRicMain } from '../runtimes/lambda/assets.js';
import { httpEventV2 } from '../runtimes/lambda/events.js';
import http from 'node:http';
import { referenceWasmAdapter } from '../runtimes/wasm/adapter.js';
import type { Deployment, FunctionRequest, RuntimeAdapter } from '../runtimes/types.js';
import { checkResponse } from '../harness/verify.js';
import { builtinWorkloadsDir, loadWorkload, type SampleRequest } from '../model/workload.js';
import { median, quantile } from '../model/stats/descriptive.js';

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}
const ROUNDS = arg('rounds', 20);
const WARM = arg('warm', 200);
const ENVS = arg('envs', 4);
const BUDGET_MS = arg('budget-ms', 50_000);

const t0 = Date.now();
// Each section stops at its share of the budget (cold 50%, warm 35%), after a minimum of samples.
const MIN_SAMPLES = 8;
const overBudget = (share: number, done: number) => done >= MIN_SAMPLES && Date.now() - t0 > BUDGET_MS * share;
const ms = (ns: number) => (ns / 1e6).toFixed(2);
const us = (ns: number) => (ns / 1e3).toFixed(1);
const mib = (b: number) => (b / 2 ** 20).toFixed(1);

const workload = loadWorkload(`${builtinWorkloadsDir()}/hello`);
const request: SampleRequest = workload.requests[0]!;

function verify(label: string, res: Parameters<typeof checkResponse>[1]): void {
  const v = checkResponse(request.expect, res);
  if (!v.ok) throw new Error(`${label}: wrong response: ${v.reason}`);
}

async function coldStart(adapter: RuntimeAdapter, d: Deployment): Promise<number> {
  const start = process.hrtime.bigint();
  const { instance } = await adapter.start(d);
  try {
    const r = await adapter.invoke(instance, request);
    const ns = Number(process.hrtime.bigint() - start);
    verify(`${adapter.id}/${d.variant}`, r.response);
    return ns;
  } finally {
    await adapter.stop(instance);
  }
}

const rieAgent = new http.Agent({ keepAlive: true });
/** One invocation through an environment's Runtime Interface Emulator endpoint (no function URL). */
function rieInvoke(api: string, body: Buffer): Promise<number> {
  const [host, port] = api.split(':');
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const r = http.request(
      { host, port: Number(port), method: 'POST', path: '/2015-03-31/functions/function/invocations', agent: rieAgent },
      (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 && !res.headers['x-amz-function-error']
            ? resolve(Number(process.hrtime.bigint() - t))
            : reject(new Error(`RIE invoke: ${res.statusCode}`)),
        );
      },
    );
    r.on('error', reject);
    r.end(body);
  });
}

async function main(): Promise<void> {
  const wasm = referenceWasmAdapter();
  const lambda = new LambdaAdapter({ concurrency: 4, idleTimeoutMs: 600_000 });
  const dWasm = await wasm.prepare(workload, 'wasm');
  const dNode = await lambda.prepare(workload, 'node');
  const dNative = await lambda.prepare(workload, 'native');

  try {
    // 1. cold starts, interleaved round by round (rotating order) so drift hits all alike
    const cells: Array<{ name: string; run: () => Promise<number>; ns: number[] }> = [
      { name: 'lambda node    (env cold start)', run: () => coldStart(lambda, dNode), ns: [] },
      { name: 'lambda native  (env cold start)', run: () => coldStart(lambda, dNative), ns: [] },
      { name: 'wasm app cold start (compile+listen)', run: () => coldStart(wasm, dWasm), ns: [] },
    ];
    // AWS's own Node.js runtime client, when install-ric.sh has built it
    const ricLambda = awsLambdaRicMain() ? new LambdaAdapter({ concurrency: 4, nodeClient: 'aws-lambda-ric' }) : null;
    if (ricLambda) {
      const dRic = await ricLambda.prepare(workload, 'node');
      cells.splice(1, 0, { name: 'lambda node, aws-lambda-ric client', run: () => coldStart(ricLambda, dRic), ns: [] });
    }
    const wasmApp = await wasm.start(dWasm);
    const instanceCell = {
      name: 'wasm instance cold start (per request)',
      run: async () => {
        const r = await wasm.invoke(wasmApp.instance, request);
        verify('wasm', r.response);
        return r.totalNs;
      },
      ns: [] as number[],
    };
    cells.push(instanceCell);
    for (const c of cells) await c.run(); // one discarded warm-up each (file cache, JIT)
    let rounds = 0;
    for (let i = 0; i < ROUNDS && !overBudget(0.5, i); i++, rounds++) {
      for (let k = 0; k < cells.length; k++) {
        const c = cells[(i + k) % cells.length]!;
        c.ns.push(await c.run());
      }
    }
    await wasm.stop(wasmApp.instance);
    console.log(`\ncold start, hello, ${rounds} interleaved rounds (noisy dev machine):`);
    console.log('  runtime                                      median ms     p99 ms');
    for (const c of cells)
      console.log(`  ${c.name.padEnd(42)} ${ms(median(c.ns)).padStart(10)} ${ms(quantile(c.ns, 0.99)).padStart(10)}`);
    const cell = (prefix: string) => cells.find((c) => c.name.startsWith(prefix))!.ns;
    const w = median(cell('wasm app'));
    console.log(
      `  ratio lambda node / wasm app: ${(median(cell('lambda node ')) / w).toFixed(1)}x; lambda native / wasm app: ${(median(cell('lambda native')) / w).toFixed(1)}x`,
    );
    await ricLambda?.dispose();

    // 2. warm invoke overhead vs calling the handler directly
    const handler = await loadNodeHandler(workload.variantPaths.node!);
    const req: FunctionRequest = request;
    const warm: Record<string, number[]> = {
      lambdaNode: [],
      unfrozenNode: [],
      rieNode: [],
      directNode: [],
      lambdaNative: [],
      directNative: [],
    };
    const unfrozenAdapter = new LambdaAdapter({ concurrency: 4, freeze: false });
    const unfrozen = await unfrozenAdapter.start(await unfrozenAdapter.prepare(workload, 'node'));
    const node = await lambda.start(dNode);
    const rieEvent = Buffer.from(JSON.stringify(httpEventV2(req)));
    const native = await lambda.start(dNative);
    try {
      for (let i = 0; i < WARM && !overBudget(0.85, i / 3); i++) {
        const a = await lambda.invoke(node.instance, req);
        if (i === 0) verify('lambda node warm', a.response);
        warm.lambdaNode!.push(a.totalNs);
        warm.unfrozenNode!.push((await unfrozenAdapter.invoke(unfrozen.instance, req)).totalNs);
        warm.rieNode!.push(await rieInvoke(lambda.functionOf(node.instance).environments()[0]!.runtimeApi, rieEvent));
        let s = process.hrtime.bigint();
        const d = await callNodeHandler(handler, req);
        warm.directNode!.push(Number(process.hrtime.bigint() - s));
        if (i === 0) verify('direct node', d);
        if (i % 3 === 0) {
          const b = await lambda.invoke(native.instance, req);
          if (i === 0) verify('lambda native warm', b.response);
          warm.lambdaNative!.push(b.totalNs);
          s = process.hrtime.bigint();
          await runCgiProcess(workload.variantPaths.native!, req);
          warm.directNative!.push(Number(process.hrtime.bigint() - s));
        }
      }
      const inside = (i: typeof node.instance) => lambda.functionOf(i).environments().length;
      console.log(
        `\nwarm invoke, hello (${warm.lambdaNode!.length} node / ${warm.lambdaNative!.length} native invokes; ${inside(node.instance)}+${inside(native.instance)} environments):`,
      );
      console.log('                                                 median       p99');
      const row = (label: string, v: number[]) =>
        console.log(`  ${label.padEnd(44)} ${us(median(v)).padStart(8)} µs ${us(quantile(v, 0.99)).padStart(8)} µs`);
      row('lambda node: URL → Runtime API → env → back', warm.lambdaNode!);
      row('  same, environment not frozen between', warm.unfrozenNode!);
      row('  Runtime API only (RIE invoke → env → back)', warm.rieNode!);
      row('node handler called directly (in process)', warm.directNode!);
      row('lambda native: ... → bootstrap → CGI exec', warm.lambdaNative!);
      row('native CGI process run directly', warm.directNative!);
      console.log(
        `  overhead (median difference): node ${us(median(warm.lambdaNode!) - median(warm.directNode!))} µs, native ${us(median(warm.lambdaNative!) - median(warm.directNative!))} µs`,
      );
    } finally {
      await lambda.stop(node.instance);
      await lambda.stop(native.instance);
      await unfrozenAdapter.dispose();
    }

    // 3. idle memory per frozen environment
    console.log(`\nidle memory per frozen environment (${ENVS} environments each, after one invoke):`);
    for (const d of [dNode, dNative]) {
      const started = [];
      try {
        for (let i = 0; i < ENVS; i++) {
          const s = await lambda.start(d);
          started.push(s.instance);
          await lambda.invoke(s.instance, req);
        }
        await new Promise((r) => setTimeout(r, 100));
        const usage = await Promise.all(started.map((i) => lambda.usage(i)));
        const frozen = started.every((i) =>
          lambda
            .functionOf(i)
            .environments()
            .every((e) => e.isFrozen),
        );
        const rss = usage.map((u) => u.rssBytes ?? 0);
        const pss = usage.map((u) => u.pssBytes ?? 0);
        console.log(
          `  lambda ${d.variant.padEnd(7)} RSS median ${mib(median(rss))} MiB, PSS median ${mib(median(pss))} MiB (frozen: ${frozen})`,
        );
      } finally {
        for (const i of started) await lambda.stop(i);
      }
    }
    console.log(`\n(${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  } finally {
    rieAgent.destroy();
    await lambda.dispose();
    await wasm.dispose();
  }
}

await main();
