// The reference Wasm runtime's own figures on this machine, in one run, on `hello`:
//   1. per-request fresh-instance cold start in-process (instantiate + _start +
//      response bytes ready), median and p99: faasbench's WASI (engine alone on this
//      thread, and as served: through the worker pool with deadlines) vs node:wasi,
//      interleaved A B C A B C;
//   2. the same through HTTP: concurrency 1 (latency) and saturation (autocannon,
//      requests/s) as a ratio to a bare Node http server answering "hello" in the
//      same run (servers in a child process, load from this one, interleaved);
//   3. density: live idle instances one process holds before failing, reaching
//      4 GiB RSS, or the count/time bound (each in its own child process).
// Prints the figures and the targets with PASS/SHORT. Not a test.
//
// Run: npm run bench:wasm  (= flock /tmp/faasbench-bench.lock node <V8 flags> --import tsx scripts/bench-wasm.ts)
// Flags: --quick (a ~30 s run), --cold N, --c1 N, --seconds S (autocannon per run), --rounds R,
//        --connections C, --density-max N, --density-seconds S, --density-all (also cap = initial size),
//        --deadline-ms MS, --deadline-trials N, --skip-http, --skip-density.

import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median, quantile } from '../model/stats/descriptive.js';
import { cgiEnvironment } from '../runtimes/shared/cgi.js';
import { Runner, type ExecOutcome, type ExecRequest, type Executor } from '../runtimes/wasm/executor.js';
import { memorySpecOf } from '../runtimes/wasm/memory.js';
import { DEFAULT_MEMORY_CAP_BYTES, compileCommand, prepareModuleBytes } from '../runtimes/wasm/module.js';
import { NodeWasiExecutor } from '../runtimes/wasm/node-wasi-executor.js';
import { startWagiServer } from '../runtimes/wasm/server.js';
import { WasiHost } from '../runtimes/wasm/wasi/host.js';
import { GuestThreadExecutor } from '../runtimes/wasm/guest-threads.js';
import { commandModule, op } from '../test/wasm-fixtures.js';

const REQUIRED_FLAGS = ['--disable-wasm-trap-handler', '--no-turbo-fast-api-calls'];
const SELF = fileURLToPath(import.meta.url);
const HELLO = fileURLToPath(new URL('../workloads/hello/build/hello.wasm', import.meta.url));
const EXPECTED_BODY = 'Hello from faasbench\n';
const EXPECTED_STDOUT = `Content-Type: text/plain\n\n${EXPECTED_BODY}`;
const GiB = 2 ** 30;

const argv = process.argv.slice(2);
const has = (f: string) => argv.includes(`--${f}`);
function num(name: string, dflt: number): number {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}
const QUICK = has('quick');

const us = (ns: number) => (ns / 1e3).toFixed(1);
const request: ExecRequest = {
  args: ['hello'],
  env: cgiEnvironment({ method: 'GET', path: '/', query: '', headers: { host: '127.0.0.1' }, body: new Uint8Array() }),
  stdin: new Uint8Array(),
};

// ---------------------------------------------------------------- child roles

/** Serves bare "hello", faasbench's WAGI (worker pool) and node:wasi's WAGI; prints the ports as JSON. */
async function serveChild(): Promise<void> {
  const bytes = readFileSync(HELLO);
  const bare = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(EXPECTED_BODY);
  });
  bare.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const pool = new GuestThreadExecutor();
  await pool.ready();
  const wasm = await startWagiServer({ module: await compileCommand(bytes, 'hello'), executor: pool, name: 'hello' });
  const nodeWasi = await startWagiServer({
    module: await compileCommand(bytes, 'hello', { poolMemory: false }),
    executor: new NodeWasiExecutor(),
    name: 'hello',
  });
  process.stdout.write(
    JSON.stringify({
      bare: (bare.address() as AddressInfo).port,
      wasm: wasm.port,
      'node:wasi': nodeWasi.port,
      pool: pool.name,
    }) + '\n',
  );
}

/** Holds idle instances (instantiated, not started) until a bound; prints progress as JSON lines. */
function densityChild(): void {
  const cap = num('cap-bytes', DEFAULT_MEMORY_CAP_BYTES);
  const max = num('density-max', 60_000);
  const seconds = num('density-seconds', 20);
  const module = new WebAssembly.Module(prepareModuleBytes(readFileSync(HELLO), 'hello', { memoryCapBytes: cap }));
  const spec = memorySpecOf(module)!;
  const host = new WasiHost();
  const slot: { memory: WebAssembly.Memory | null } = { memory: null };
  const imports = { ...host.imports, faasbench: slot as unknown as WebAssembly.ModuleImports };
  const live: WebAssembly.Instance[] = [];
  const t0 = Date.now();
  let why = 'count bound';
  const report = (done: boolean, reason?: string) =>
    process.stdout.write(
      JSON.stringify({
        count: live.length,
        rss: process.memoryUsage.rss(),
        ms: Date.now() - t0,
        done,
        ...(reason ? { reason } : {}),
      }) + '\n',
    );
  try {
    while (live.length < max) {
      slot.memory = new WebAssembly.Memory({ initial: spec.initial, maximum: spec.maximum });
      live.push(new WebAssembly.Instance(module, imports));
      if (live.length % 1000 === 0) {
        report(false);
        if (process.memoryUsage.rss() >= 4 * GiB) {
          why = '4 GiB RSS';
          break;
        }
        if (Date.now() - t0 > seconds * 1000) {
          why = `time bound (${seconds} s)`;
          break;
        }
      }
    }
  } catch (e) {
    why = `failed: ${(e as Error).message}`;
  }
  report(true, why);
}

// ---------------------------------------------------------------- parent

interface Row {
  name: string;
  value: string;
  target: string;
  pass: boolean | null;
  note?: string;
}
const rows: Row[] = [];
const row = (name: string, value: string, target = '', pass: boolean | null = null, note?: string) =>
  rows.push({ name, value, target, pass, ...(note ? { note } : {}) });

function check(o: ExecOutcome, who: string): void {
  if (o.end.kind !== 'exit' || o.end.code !== 0 || Buffer.from(o.stdout).toString() !== EXPECTED_STDOUT) {
    throw new Error(
      `${who}: unexpected outcome ${JSON.stringify(o.end)} / ${JSON.stringify(Buffer.from(o.stdout).toString())}`,
    );
  }
}

async function coldInProcess(): Promise<void> {
  const n = num('cold', QUICK ? 1000 : 3000);
  const batch = 250;
  const bytes = readFileSync(HELLO);
  const pooled = await compileCommand(bytes, 'hello');
  const own = await compileCommand(bytes, 'hello', { poolMemory: false });
  const runner = new Runner();
  const pool = new GuestThreadExecutor();
  await pool.ready();
  const nodeWasi: Executor = new NodeWasiExecutor();
  type Contender = { name: string; once: () => Promise<ExecOutcome> | ExecOutcome; after?: () => void; ns: number[] };
  const contenders: Contender[] = [
    {
      name: 'faasbench engine (this thread)',
      once: () => runner.run(pooled, request),
      after: () => runner.release(),
      ns: [],
    },
    { name: `faasbench served (${pool.name})`, once: () => pool.execute(pooled, request), ns: [] },
    { name: 'node:wasi (this thread)', once: () => nodeWasi.execute(own, request), ns: [] },
  ];
  // Warm-up (JIT, pools), checked.
  for (const c of contenders)
    for (let i = 0; i < 100; i++) {
      check(await c.once(), c.name);
      c.after?.();
    }
  for (let round = 0; round * batch < n; round++) {
    for (let k = 0; k < contenders.length; k++) {
      const c = contenders[(round + k) % contenders.length]!;
      for (let i = 0; i < batch; i++) {
        const t0 = process.hrtime.bigint();
        const o = await c.once();
        const t1 = process.hrtime.bigint();
        c.after?.();
        if (i === 0) check(o, c.name);
        c.ns.push(Number(t1 - t0));
      }
    }
  }
  await pool.close();
  const [engine, served, node] = contenders.map((c) => ({ med: median(c.ns), p99: quantile(c.ns, 0.99) }));
  console.log(`\n1. per-request fresh-instance cold start, in-process (${n} each, interleaved):`);
  for (const c of contenders)
    console.log(
      `   ${c.name.padEnd(52)} median ${us(median(c.ns)).padStart(8)} µs   p99 ${us(quantile(c.ns, 0.99)).padStart(9)} µs`,
    );
  row('cold start median, engine', `${us(engine!.med)} µs`, '≤ 50 µs', engine!.med <= 50_000);
  row('cold start p99, engine', `${us(engine!.p99)} µs`, '≤ 500 µs', engine!.p99 <= 500_000);
  row(
    'node:wasi / faasbench median, engine',
    `${(node!.med / engine!.med).toFixed(1)}×`,
    '≥ 4×',
    node!.med / engine!.med >= 4,
  );
  row(
    'cold start median, served (worker pool)',
    `${us(served!.med)} µs`,
    '≤ 50 µs',
    served!.med <= 50_000,
    'includes the thread hop that buys the deadline',
  );
  row('cold start p99, served (worker pool)', `${us(served!.p99)} µs`, '≤ 500 µs', served!.p99 <= 500_000);
  row(
    'node:wasi / faasbench median, served',
    `${(node!.med / served!.med).toFixed(1)}×`,
    '≥ 4×',
    node!.med / served!.med >= 4,
  );
}

/** A guest in an endless loop on the worker pool: how long until its request ends (target ≤ 2× deadline)? */
async function deadlines(): Promise<void> {
  const deadlineMs = num('deadline-ms', 200);
  const trials = num('deadline-trials', QUICK ? 2 : 3);
  const looper = await compileCommand(commandModule({ imports: [], code: [...op.loopStart, ...op.loopEnd] }), 'loop');
  const hello = await compileCommand(readFileSync(HELLO), 'hello');
  const pool = new GuestThreadExecutor({ deadlineMs });
  await pool.ready();
  const took: number[] = [];
  for (let i = 0; i < trials; i++) {
    const t0 = process.hrtime.bigint();
    const [o, h] = await Promise.all([pool.execute(looper, request), pool.execute(hello, request)]);
    took.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (o.end.kind !== 'timeout') throw new Error(`looping guest ended as ${JSON.stringify(o.end)}`);
    check(h, 'hello beside a looping guest');
    await pool.ready();
  }
  await pool.close();
  const worst = Math.max(...took);
  console.log(
    `\n1b. endless loop on the worker pool, deadline ${deadlineMs} ms, ${trials} trials: request ended after ${took.map((t) => t.toFixed(0)).join(', ')} ms (hello served beside it each time)`,
  );
  row(
    'looping guest stopped, worst / deadline',
    `${(worst / deadlineMs).toFixed(2)}×`,
    '≤ 2×',
    worst <= 2 * deadlineMs,
  );
}

function startServers(): Promise<{ child: ChildProcess; ports: Record<string, number>; pool: string }> {
  const child = spawn(process.execPath, [...process.execArgv, SELF, '--serve'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.once('line', (l) => {
      const { pool, ...ports } = JSON.parse(l) as Record<string, number> & { pool: string };
      resolve({ child, ports, pool });
    });
    child.once('exit', (code) => reject(new Error(`server child exited (${code}) before listening`)));
  });
}

function get(agent: http.Agent, port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port, path: '/', agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          res.statusCode === 200 ? resolve(body) : reject(new Error(`status ${res.statusCode}: ${body}`)),
        );
      })
      .on('error', reject);
  });
}

async function overHttp(): Promise<void> {
  const { child, ports, pool } = await startServers();
  try {
    const names = Object.keys(ports);
    const agents = Object.fromEntries(names.map((n) => [n, new http.Agent({ keepAlive: true, maxSockets: 1 })]));
    for (const n of names)
      if ((await get(agents[n]!, ports[n]!)) !== EXPECTED_BODY) throw new Error(`${n}: wrong body`);
    // Concurrency 1.
    const c1 = num('c1', QUICK ? 600 : 1500);
    const batch = 200;
    const lat: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    for (let i = 0; i < 100; i++) for (const n of names) await get(agents[n]!, ports[n]!);
    for (let round = 0; round * batch < c1; round++) {
      for (let k = 0; k < names.length; k++) {
        const n = names[(round + k) % names.length]!;
        for (let i = 0; i < batch; i++) {
          const t0 = process.hrtime.bigint();
          const body = await get(agents[n]!, ports[n]!);
          lat[n]!.push(Number(process.hrtime.bigint() - t0));
          if (i === 0 && body !== EXPECTED_BODY) throw new Error(`${n}: wrong body`);
        }
      }
    }
    for (const a of Object.values(agents)) a.destroy();
    console.log(`\n2a. HTTP, concurrency 1 (${c1} requests each, keep-alive, interleaved; faasbench = ${pool}):`);
    for (const n of names)
      console.log(
        `   ${n.padEnd(12)} median ${us(median(lat[n]!)).padStart(8)} µs   p99 ${us(quantile(lat[n]!, 0.99)).padStart(9)} µs`,
      );
    row(
      'HTTP c=1 median, faasbench vs bare',
      `${us(median(lat['wasm']!))} vs ${us(median(lat['bare']!))} µs`,
      'info',
      null,
    );

    // Saturation.
    const seconds = num('seconds', QUICK ? 2 : 2.5);
    const rounds = num('rounds', QUICK ? 1 : 2);
    const connections = num('connections', 32);
    const rps: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
    let errors = 0;
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < names.length; k++) {
        const n = names[(r + k) % names.length]!;
        const res = await autocannon({
          url: `http://127.0.0.1:${ports[n]}/`,
          connections,
          duration: seconds,
          pipelining: 1,
        });
        errors += res.errors + res.timeouts + res.non2xx;
        rps[n]!.push(res.requests.average);
      }
    }
    const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    console.log(
      `\n2b. HTTP saturation (autocannon, ${connections} connections, ${seconds} s × ${rounds} rounds each, interleaved):`,
    );
    for (const n of names)
      console.log(
        `   ${n.padEnd(12)} ${avg(rps[n]!).toFixed(0).padStart(8)} req/s   (${((avg(rps[n]!) / avg(rps['bare']!)) * 100).toFixed(0)} % of bare)`,
      );
    if (errors) console.log(`   (${errors} errors/timeouts/non-2xx responses in total)`);
    const ratio = avg(rps['wasm']!) / avg(rps['bare']!);
    row('HTTP saturation, faasbench / bare rps', `${(ratio * 100).toFixed(0)} %`, '≥ 40 %', ratio >= 0.4);
  } finally {
    child.kill('SIGTERM');
  }
}

function densityRun(capBytes: number): Promise<{ count: number; rss: number; ms: number; reason: string }> {
  const args = [
    ...process.execArgv,
    SELF,
    '--density-child',
    '--cap-bytes',
    String(capBytes),
    '--density-max',
    String(num('density-max', QUICK ? 10_000 : 60_000)),
    '--density-seconds',
    String(num('density-seconds', QUICK ? 5 : 18)),
  ];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let last = { count: 0, rss: 0, ms: 0, reason: '' };
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()).length > 20_000 && (stderr = stderr.slice(-10_000)));
  createInterface({ input: child.stdout! }).on('line', (l) => {
    const p = JSON.parse(l) as { count: number; rss: number; ms: number; reason?: string };
    last = { count: p.count, rss: p.rss, ms: p.ms, reason: p.reason ?? last.reason };
  });
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('exit', (code, signal) => {
      clearTimeout(kill);
      if (!last.reason) {
        const fatal = /FATAL ERROR: ([^\n]*)|# (Fatal [^\n]*)/.exec(stderr);
        last.reason = `process died (${signal ?? `exit ${code}`}${fatal ? `: ${fatal[1] ?? fatal[2]}` : ''}) after the last progress report`;
      }
      resolve(last);
    });
  });
}

async function density(): Promise<void> {
  let mapCount = 'unknown';
  try {
    mapCount = readFileSync('/proc/sys/vm/max_map_count', 'utf8').trim();
  } catch {
    /* not Linux */
  }
  const spec = memorySpecOf(new WebAssembly.Module(prepareModuleBytes(readFileSync(HELLO), 'hello')))!;
  console.log(`\n3. live idle instances (instantiated, memory each, not started; vm.max_map_count = ${mapCount}):`);
  const configs: Array<[string, number]> = [
    [`default memory cap (${DEFAULT_MEMORY_CAP_BYTES / 2 ** 20} MiB)`, DEFAULT_MEMORY_CAP_BYTES],
    [`cap = initial memory (${spec.initial * 64} KiB, no growth)`, spec.initial * 65536],
  ];
  if (!has('density-all')) configs.pop();
  const results = [];
  for (const [label, cap] of configs) {
    const r = await densityRun(cap);
    results.push(r);
    console.log(
      `   ${label.padEnd(42)} ${String(r.count).padStart(7)} instances, RSS ${(r.rss / 2 ** 20).toFixed(0)} MiB (${r.count ? (r.rss / r.count / 1024).toFixed(1) : '-'} KiB each), ${(r.ms / 1000).toFixed(1)} s (${r.ms ? Math.round(r.count / (r.ms / 1000)) : 0}/s); stopped: ${r.reason}`,
    );
  }
  const hint =
    Number(mapCount) > 0 && Number(mapCount) < 200_000
      ? `each growable memory is 2 mappings: vm.max_map_count=${mapCount} allows ~${Math.floor(Number(mapCount) / 2 / 1000)}k; raise it (sysctl vm.max_map_count=262144)`
      : undefined;
  row(
    'live idle instances, default cap',
    String(results[0]!.count),
    '≥ 50,000',
    results[0]!.count >= 50_000,
    results[0]!.count < 50_000 ? (hint ?? results[0]!.reason) : undefined,
  );
  if (results[1])
    row('live idle instances, cap = initial', String(results[1].count), '≥ 50,000', results[1].count >= 50_000);
}

async function main(): Promise<void> {
  const missing = REQUIRED_FLAGS.filter((f) => !process.execArgv.includes(f));
  if (missing.length > 0) {
    // node:wasi needs --no-turbo-fast-api-calls; density needs --disable-wasm-trap-handler.
    const child = spawn(process.execPath, [...process.execArgv, ...missing, SELF, ...argv], { stdio: 'inherit' });
    child.on('exit', (code) => process.exit(code ?? 1));
    return;
  }
  if (has('serve')) return serveChild();
  if (has('density-child')) return densityChild();
  const t0 = Date.now();
  console.log(
    `bench:wasm on hello — node ${process.version}, V8 ${process.versions.v8}, flags ${process.execArgv.filter((a) => a.startsWith('--') && a !== '--import').join(' ')}`,
  );
  const timed = async (name: string, f: () => Promise<void>) => {
    const t = Date.now();
    await f();
    console.log(`   (${name}: ${((Date.now() - t) / 1000).toFixed(1)} s)`);
  };
  await timed('cold start', coldInProcess);
  await timed('deadlines', deadlines);
  if (!has('skip-http')) await timed('HTTP', overHttp);
  if (!has('skip-density')) await timed('density', density);
  console.log(`\nSummary (noisy unless the machine is quiet; ${((Date.now() - t0) / 1000).toFixed(0)} s):`);
  for (const r of rows) {
    const verdict = r.pass === null ? '' : r.pass ? 'PASS' : 'SHORT';
    console.log(
      `   ${r.name.padEnd(44)} ${r.value.padStart(18)}   target ${r.target.padEnd(9)} ${verdict}${r.note ? `  (${r.note})` : ''}`,
    );
  }
}

await main();
