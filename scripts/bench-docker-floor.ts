// The engine floor: is a container cold start through faasbench (dockerode:
// create → start → port open → first correct response) as fast as `docker run --rm`
// with the same image and flags, measured side by side, interleaved in alternating
// order? Target: faasbench's median within 10 % of docker run's.
// Also prints the pool's idle cost per pooled instance.
//
// Usage: flock /tmp/faasbench-bench.lock npx tsx scripts/bench-docker-floor.ts [--variant native|node|wasm] [--rounds 10]
// (stays under ~60 s on a quiet 2-core machine; stops adding rounds after --budget seconds)

import { spawn } from 'node:child_process';
import http from 'node:http';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { checkResponse } from '../harness/verify.js';
import { builtinWorkloadsDir, loadWorkload, type VariantKind } from '../model/workload.js';
import { ContainerAdapter } from '../runtimes/container/adapter.js';
import { freePort, waitForPort } from '../runtimes/shared/net.js';
import { cgiHttpInvoke } from '../runtimes/shared/http.js';
import { PoolAdapter } from '../runtimes/pool/adapter.js';

const { values } = parseArgs({
  options: {
    variant: { type: 'string', default: 'native' },
    rounds: { type: 'string', default: '10' },
    budget: { type: 'string', default: '35' },
  },
});
const variant = values.variant as VariantKind;
const rounds = Math.max(2, Number(values.rounds));
const budgetMs = Number(values.budget) * 1000;
const DOCKER = '/usr/bin/docker';

const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
const request = hello.requests[0]!;
const adapter = new ContainerAdapter();
const a = await adapter.available();
if (!a.ok) {
  console.error(`bench-docker-floor: ${a.reason}`);
  process.exit(1);
}
const deployment = await adapter.prepare(hello, variant);
const image = deployment.data.image;

const ms = (ns: number) => (ns / 1e6).toFixed(1);
const median = (xs: number[]) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function viaFaasbench(): Promise<number> {
  const t0 = process.hrtime.bigint();
  const { instance } = await adapter.start(deployment);
  try {
    const r = await adapter.invoke(instance, request);
    const ns = Number(process.hrtime.bigint() - t0);
    const v = checkResponse(request.expect, r.response);
    if (!v.ok) throw new Error(`faasbench: wrong response: ${v.reason}`);
    return ns;
  } finally {
    await adapter.stop(instance);
  }
}

let seq = 0;
async function viaDockerRun(): Promise<number> {
  const port = await freePort();
  const name = `faasbench-floor-${process.pid}-${++seq}`;
  const args = [
    'run',
    '--rm',
    '--name',
    name,
    '--label',
    'faasbench=1',
    '--label',
    `faasbench.pid=${process.pid}`,
    '--network',
    'host',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--read-only',
    '--tmpfs',
    '/tmp:rw,noexec,nosuid,size=64m',
    '--memory',
    String(256 * 2 ** 20),
    '--memory-swap',
    String(256 * 2 ** 20),
    '--pids-limit',
    '128',
    '--user',
    '65534:65534',
    ...image.env(port).flatMap((e) => ['-e', e]),
    image.tag,
    ...image.cmd(port),
  ];
  const t0 = process.hrtime.bigint();
  const child = spawn(DOCKER, args, { stdio: 'ignore' });
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (c) => reject(new Error(`docker run exited with ${c}`))),
  );
  exited.catch(() => {});
  try {
    await Promise.race([waitForPort(port, AbortSignal.timeout(30_000)), exited]);
    const agent = new http.Agent({ keepAlive: true });
    const req = image.pathPrefix ? { ...request, path: image.pathPrefix } : request;
    const r = await cgiHttpInvoke(`http://127.0.0.1:${port}`, req, agent);
    const ns = Number(process.hrtime.bigint() - t0);
    agent.destroy();
    const v = checkResponse(request.expect, r.response);
    if (!v.ok) throw new Error(`docker run: wrong response: ${v.reason}`);
    return ns;
  } finally {
    await new Promise<void>((resolve) => {
      const rm = spawn(DOCKER, ['rm', '-f', name], { stdio: 'ignore' });
      rm.once('exit', () => resolve());
    });
    if (child.exitCode === null) await new Promise((r) => child.once('exit', r));
  }
}

const fb: number[] = [];
const dr: number[] = [];
const start = Date.now();
// One unrecorded warm-up of each (page cache, image layers), then alternate the order per round.
await viaFaasbench();
await viaDockerRun();
for (let i = 0; i < rounds && Date.now() - start < budgetMs; i++) {
  if (i % 2 === 0) {
    fb.push(await viaFaasbench());
    dr.push(await viaDockerRun());
  } else {
    dr.push(await viaDockerRun());
    fb.push(await viaFaasbench());
  }
}
const mf = median(fb);
const md = median(dr);
console.log(`engine floor, hello ${variant} container, ${fb.length} interleaved rounds (noisy dev-machine figures):`);
console.log(
  `  faasbench (dockerode) cold start median ${ms(mf)} ms  [min ${ms(Math.min(...fb))}, max ${ms(Math.max(...fb))}]`,
);
console.log(
  `  docker run --rm       cold start median ${ms(md)} ms  [min ${ms(Math.min(...dr))}, max ${ms(Math.max(...dr))}]`,
);
console.log(
  `  ratio faasbench / docker run = ${(mf / md).toFixed(3)} (target ≤ 1.10: ${mf / md <= 1.1 ? 'met' : 'NOT met'})`,
);
await adapter.dispose();

// Idle cost of a pooled instance of the same image.
const pool = new PoolAdapter(new ContainerAdapter(), { size: 3, refill: 'on-demand' });
await pool.prepare(hello, variant);
await new Promise((r) => setTimeout(r, 2_000));
const cost = pool.idleCost()[0]!;
const mib = (b: number) => (b / 2 ** 20).toFixed(2);
console.log(`pool idle cost, hello ${variant}, ${cost.size} pooled containers:`);
console.log(
  `  cgroup memory per idle instance ${mib(cost.bytesPerInstance)} MiB; host MemAvailable drop per instance ${cost.memAvailableDropPerInstance === null ? 'n/a' : `${mib(cost.memAvailableDropPerInstance)} MiB`} (noisy: other processes move it)`,
);
console.log(`  held so far ${mib(cost.idleByteSeconds)} MiB·s over ~2 s idle`);
await pool.dispose();
