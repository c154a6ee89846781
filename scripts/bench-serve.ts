// `faasbench serve` on this machine, in one run, against the issue-14 targets:
//   1. HTTP concurrency 1, fresh instance of `hello` per request: the median of the
//      reference runtime served by `faasbench serve` (its own process, as `run`
//      measures it) vs a bare Node http server answering the same bytes vs the same
//      host with node:wasi, interleaved A B C A B C over kept-alive connections
//      (target: ≤ 100 µs above bare, below node:wasi). The server's own Server-Timing
//      split (instantiate, run, dispatch) is printed beside it, and a diagnostic fourth
//      server (the same host running the guest on its HTTP thread, no deadline) splits
//      the gap to bare into the host's HTTP/CGI path and the guest-thread hop.
//   2. Saturation: autocannon req/s against each, interleaved (target: ≥ 60 % of bare).
//   3. Apps on one listener: `faasbench serve --apps DIR` with N copies of hello
//      (default 10,000) vs one app; every app must answer correctly; memory per idle
//      app = PSS growth / (N - 1) (target ≥ 10,000 apps, ≤ 20 KiB each). Copies share
//      their bytes, so V8 shares their code: this is the host's own cost per app.
//   4. SIGTERM under load: requests in flight (sleep 300 ms and hello), then SIGTERM:
//      time to exit (target ≤ 2 s), and that no request hangs.
//   5. Live idle instances: in a process of its own (the runtime's flags), N instances
//      of hello (default 50,000), each with its own memory, kept alive and idle; PSS
//      growth / N is the memory of one (target ≥ 50,000 at ≤ 8 KiB each). A sample of
//      them (1 in 1,000) then runs hello's _start and must answer correctly, so the
//      count is of working instances, not of objects.
// Every server runs in its own process; the client (this process) is alone in its
// event loop. Prints PASS/SHORT per target. Not a test.
//
// Run: flock /tmp/faasbench-bench.lock node --import tsx scripts/bench-serve.ts [--quick]  (~2 min; --quick ~1 min)
// Flags: --quick, --c1 N (requests per server), --seconds S, --rounds R, --connections C,
//        --apps N, --skip-http, --skip-apps, --skip-sigterm, --threads N,
//        --instances N, --skip-instances.

import { spawn, type ChildProcess } from 'node:child_process';
import { linkSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { median, quantile } from '../model/stats/descriptive.js';
import { builtinWorkloadsDir, loadWorkload } from '../model/workload.js';
import { parseServerTiming } from '../runtimes/shared/http.js';
import * as procfs from '../runtimes/shared/procfs.js';
import { referenceWasmAdapter } from '../runtimes/wasm/adapter.js';
import { InlineExecutor } from '../runtimes/wasm/executor.js';
import { memorySpecOf } from '../runtimes/wasm/memory.js';
import { WasiHost } from '../runtimes/wasm/wasi/host.js';
import { compileCommand } from '../runtimes/wasm/module.js';
import { nodeWasiAdapter } from '../runtimes/wasm/node-wasi-adapter.js';
import { startServeHost } from '../runtimes/wasm/serve/host.js';
import type { ServedWasmAdapter } from '../runtimes/wasm/served-adapter.js';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HELLO = join(ROOT, 'workloads/hello/build/hello.wasm');
const SLEEP = join(ROOT, 'workloads/sleep/build/sleep.wasm');
const EXPECTED = 'Hello from faasbench\n';

const argv = process.argv.slice(2);
const has = (f: string) => argv.includes(`--${f}`);
function num(name: string, dflt: number): number {
  const i = argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}
const QUICK = has('quick');
const us = (ns: number) => (ns / 1e3).toFixed(1);

interface Row {
  name: string;
  value: string;
  target: string;
  pass: boolean | null;
  note?: string;
}
const rows: Row[] = [];
const row = (name: string, value: string, target: string, pass: boolean | null, note?: string) =>
  rows.push({ name, value, target, pass, ...(note ? { note } : {}) });

/**
 * Role (diagnostic only): the same multi-app host with the guest run on the HTTP thread
 * (InlineExecutor: no deadline, never how the runtime serves). Beside bare and the real
 * serve process it splits the gap into the host's HTTP/CGI path and the thread hop that
 * buys the deadline.
 */
async function inlineHostChild(): Promise<void> {
  const host = await startServeHost({ executor: new InlineExecutor() });
  host.deploy({ name: 'hello', module: await compileCommand(readFileSync(HELLO), 'hello') });
  process.stdout.write(`${host.port}\n`);
  process.once('disconnect', () => process.exit(0));
}

/** Role: a bare Node http server answering hello's bytes; prints its port. */
async function bareChild(): Promise<void> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(EXPECTED);
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
  process.once('disconnect', () => process.exit(0));
}

function spawnRole(role: 'bare' | 'inline-host', path: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...process.execArgv, SELF, `--${role}`], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) =>
      resolve({ child, url: `http://127.0.0.1:${l.trim()}${path}` }),
    );
    child.once('exit', (c) => reject(new Error(`${role} server exited (${c})`)));
  });
}

interface Target {
  name: string;
  url: string;
  agent: http.Agent;
  ns: number[];
  phases: Map<string, number[]>;
}

function get(t: Target): Promise<{ body: string; timing?: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(t.url, { agent: t.agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () =>
          res.statusCode === 200
            ? resolve({ body, timing: res.headers['server-timing'] as string | undefined })
            : reject(new Error(`${t.name}: status ${res.statusCode}: ${body}`)),
        );
      })
      .on('error', reject);
  });
}

async function servedApp(adapter: ServedWasmAdapter): Promise<string> {
  const w = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
  const d = await adapter.prepare(w, 'wasm');
  const { instance } = await adapter.start(d);
  return `${instance.url}${instance.pathPrefix}/`;
}

async function latencyAndSaturation(): Promise<void> {
  if (has('skip-http')) return;
  const threads = num('threads', 0);
  const wasm = referenceWasmAdapter(threads ? { threads } : {});
  const nodeWasi = nodeWasiAdapter();
  const bare = await spawnRole('bare', '/');
  const inline = await spawnRole('inline-host', '/hello/');
  try {
    const mk = (name: string, url: string): Target => ({
      name,
      url,
      agent: new http.Agent({ keepAlive: true, maxSockets: 1 }),
      ns: [],
      phases: new Map(),
    });
    const targets = [
      mk('bare node http', bare.url),
      mk('faasbench serve', await servedApp(wasm)),
      mk('node:wasi serve', await servedApp(nodeWasi)),
      mk('host, guest inline', inline.url),
    ];
    for (const t of targets)
      for (let i = 0; i < 200; i++) if ((await get(t)).body !== EXPECTED) throw new Error(`${t.name}: wrong body`);
    const n = num('c1', QUICK ? 1000 : 3000);
    const batch = 200;
    for (let round = 0; round * batch < n; round++) {
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(round + k) % targets.length]!;
        for (let i = 0; i < batch; i++) {
          const t0 = process.hrtime.bigint();
          const r = await get(t);
          t.ns.push(Number(process.hrtime.bigint() - t0));
          for (const p of parseServerTiming(r.timing)) {
            let a = t.phases.get(p.phase);
            if (!a) t.phases.set(p.phase, (a = []));
            a.push(p.ns);
          }
          if (i === 0 && r.body !== EXPECTED) throw new Error(`${t.name}: wrong body`);
        }
      }
    }
    console.log(
      `\n1. HTTP, concurrency 1, fresh instance of hello per request (${n} each, keep-alive, interleaved; every server in its own process):`,
    );
    for (const t of targets) {
      const split = [...t.phases].map(([p, a]) => `${p} ${us(median(a))}`).join(', ');
      console.log(
        `   ${t.name.padEnd(18)} median ${us(median(t.ns)).padStart(7)} µs   p99 ${us(quantile(t.ns, 0.99)).padStart(8)} µs${split ? `   (server: ${split} µs)` : ''}`,
      );
    }
    const [b, f, nw, inl] = targets.map((t) => median(t.ns)) as [number, number, number, number];
    console.log(
      `   gap to bare ${us(f - b)} µs = host HTTP/CGI path with the guest inline ${us(inl - b)} µs + guest-thread hop (the deadline's price) ${us(f - inl)} µs ("host, guest inline" has no deadline: a diagnostic, never served)`,
    );
    row('c=1 median above bare', `${us(f - b)} µs (${us(f)} vs ${us(b)})`, '≤ 100 µs', f - b <= 100_000);
    row('c=1 median vs node:wasi', `${us(f)} vs ${us(nw)} µs`, 'below', f < nw);
    for (const t of targets) t.agent.destroy();

    const seconds = num('seconds', QUICK ? 2 : 3);
    const rounds = num('rounds', QUICK ? 1 : 2);
    const connections = num('connections', 32);
    const rps = new Map<string, number[]>(targets.map((t) => [t.name, []]));
    let errors = 0;
    for (let r = 0; r < rounds; r++) {
      for (let k = 0; k < targets.length; k++) {
        const t = targets[(r + k) % targets.length]!;
        const res = await autocannon({ url: t.url, connections, duration: seconds, pipelining: 1 });
        errors += res.errors + res.timeouts + res.non2xx;
        rps.get(t.name)!.push(res.requests.average);
      }
    }
    const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
    const bareRps = avg(rps.get('bare node http')!);
    console.log(
      `\n2. saturation (autocannon in this process, ${connections} connections, ${seconds} s × ${rounds} each, interleaved; ${errors} errors/timeouts/non-2xx):`,
    );
    for (const t of targets)
      console.log(
        `   ${t.name.padEnd(18)} ${avg(rps.get(t.name)!).toFixed(0).padStart(8)} req/s   (${((avg(rps.get(t.name)!) / bareRps) * 100).toFixed(0)} % of bare)`,
      );
    const ratio = avg(rps.get('faasbench serve')!) / bareRps;
    row(
      'saturation, % of bare req/s',
      `${(ratio * 100).toFixed(0)} %`,
      '≥ 60 %',
      ratio >= 0.6,
      errors ? `${errors} errors` : undefined,
    );
  } finally {
    bare.child.kill('SIGKILL');
    inline.child.kill('SIGKILL');
    await Promise.all([wasm.dispose(), nodeWasi.dispose()]);
  }
}

/** Starts `faasbench serve ARGS` (from source) and resolves with its URL and process. */
function startServe(args: string[]): Promise<{ child: ChildProcess; url: string; exited: Promise<number> }> {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '--disable-wasm-trap-handler',
      join(ROOT, 'test/cli-entry.ts'),
      'serve',
      '--listen',
      '127.0.0.1:0',
      ...args,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  const exited = new Promise<number>((r) => child.once('exit', () => r(Date.now())));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (l) => {
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(l);
      if (m) resolve({ child, url: m[1]!, exited });
    });
    void exited.then(() => reject(new Error(`serve exited before listening: ${err}`)));
  });
}

function pssBytes(pid: number): number {
  const pss = procfs.pssBytes(pid);
  if (pss === null) throw new Error(`no PSS for process ${pid} (gone, or no /proc/${pid}/smaps_rollup)`);
  return pss;
}

async function appsOnOneListener(): Promise<void> {
  const n = num('apps', 10_000);
  const dir = mkdtempSync(join(tmpdir(), 'faasbench-bench-apps-'));
  try {
    for (let i = 0; i < n; i++) linkSync(HELLO, join(dir, `app${i}.wasm`));
    const t0 = Date.now();
    const many = await startServe(['--apps', dir, '--threads', '2']);
    const loadMs = Date.now() - t0;
    const one = await startServe(['--app', `app0=${HELLO}`, '--threads', '2']);
    try {
      const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
      // Every app answers, 8 at a time.
      let ok = 0;
      let next = 0;
      const worker = async () => {
        for (let i = next++; i < n; i = next++) {
          const r = await get({ name: `app${i}`, url: `${many.url}/app${i}/`, agent, ns: [], phases: new Map() }).catch(
            () => null,
          );
          if (r?.body === EXPECTED) ok++;
        }
      };
      const c0 = Date.now();
      await Promise.all(Array.from({ length: 8 }, worker));
      const checkMs = Date.now() - c0;
      await get({ name: 'one', url: `${one.url}/app0/`, agent, ns: [], phases: new Map() });
      agent.destroy();
      await new Promise((r) => setTimeout(r, 500));
      const perApp = (pssBytes(many.child.pid!) - pssBytes(one.child.pid!)) / (n - 1);
      console.log(
        `\n3. apps on one listener: ${n} copies of hello (hard links, so V8 shares their code) loaded in ${(loadMs / 1000).toFixed(1)} s; ${ok} of ${n} answered correctly (checked in ${(checkMs / 1000).toFixed(1)} s); PSS ${(pssBytes(many.child.pid!) / 2 ** 20).toFixed(0)} MiB vs ${(pssBytes(one.child.pid!) / 2 ** 20).toFixed(0)} MiB with one app: ${(perApp / 1024).toFixed(1)} KiB per idle app`,
      );
      row('apps on one listener, all answering', `${ok} of ${n}`, '≥ 10,000', ok === n && n >= 10_000);
      row('memory per idle deployed app (PSS)', `${(perApp / 1024).toFixed(1)} KiB`, '≤ 20 KiB', perApp <= 20 * 1024);
    } finally {
      many.child.kill('SIGKILL');
      one.child.kill('SIGKILL');
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function sigtermUnderLoad(): Promise<void> {
  const s = await startServe(['--app', `hello=${HELLO}`, '--app', `sleep=${SLEEP}`, '--threads', '2']);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
  let stop = false;
  const outcomes = { ok: 0, refused: 0, other: 0, hung: 0 };
  const one = (path: string) =>
    new Promise<void>((resolve) => {
      const r = http.get(`${s.url}${path}`, { agent }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) outcomes.ok++;
          else if (res.statusCode === 503) outcomes.refused++;
          else outcomes.other++;
          resolve();
        });
      });
      r.setTimeout(5000, () => {
        outcomes.hung++;
        r.destroy();
      });
      r.on('error', () => {
        outcomes.refused++;
        resolve();
      });
    });
  const loops = Array.from({ length: 12 }, (_, i) =>
    (async () => {
      while (!stop) await one(i % 6 === 0 ? '/sleep/?ms=300' : '/hello/');
    })(),
  );
  await new Promise((r) => setTimeout(r, 1000));
  const t0 = Date.now();
  s.child.kill('SIGTERM');
  const exitAt = await Promise.race([s.exited, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))]);
  stop = true;
  await Promise.all(loops);
  agent.destroy();
  if (exitAt < 0) s.child.kill('SIGKILL');
  const ms = exitAt < 0 ? Infinity : exitAt - t0;
  console.log(
    `\n4. SIGTERM under load (12 clients: 10 hello, 2 with 300 ms sleeps): exited after ${ms} ms; requests: ${outcomes.ok} answered 200, ${outcomes.refused} refused (503 or connection closed while shutting down), ${outcomes.other} other, ${outcomes.hung} hung`,
  );
  row('SIGTERM under load: exit time', `${ms} ms`, '≤ 2000 ms', ms <= 2000);
  row('SIGTERM under load: requests hung', String(outcomes.hung), '0', outcomes.hung === 0);
}

/**
 * Role: N live idle instances of hello in this process. Each has its own memory (a new
 * one of the module's spec, as a fresh instance gets), all share the module's code and
 * one WASI host's import object (as instances on one thread do). Prints one JSON line.
 */
async function idleInstancesChild(): Promise<void> {
  const n = num('idle-instances', 50_000);
  const module = await compileCommand(readFileSync(HELLO), 'hello');
  const spec = memorySpecOf(module);
  const host = new WasiHost();
  const slot: { memory: WebAssembly.Memory | null } = { memory: null };
  const imports = { ...host.imports, faasbench: slot as unknown as WebAssembly.ModuleImports };
  const make = () => {
    slot.memory = spec ? new WebAssembly.Memory({ initial: spec.initial, maximum: spec.maximum }) : null;
    return new WebAssembly.Instance(module, imports);
  };
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      (globalThis as { gc?: () => void }).gc?.();
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const live: WebAssembly.Instance[] = [make()];
  await settle();
  const before = procfs.pssBytes(process.pid)!;
  const t0 = Date.now();
  for (let i = 1; i <= n; i++) live.push(make());
  const makeMs = Date.now() - t0;
  await settle();
  const after = procfs.pssBytes(process.pid)!;
  // A sample runs, each in its own instance, as a request would.
  let sampled = 0;
  let answered = 0;
  for (let i = 1; i <= n; i += 1000) {
    sampled++;
    const inst = live[i]!;
    host.begin({ args: ['hello'], env: [], stdin: new Uint8Array(), stdoutLimit: 1 << 20, stderrLimit: 1 << 20 });
    host.attach(inst.exports['memory'] as WebAssembly.Memory);
    try {
      (inst.exports['_start'] as () => void)();
    } catch {
      // proc_exit(0) ends _start by throwing; the output says whether it answered
    }
    if (Buffer.from(host.finish().stdout).toString().endsWith(EXPECTED)) answered++;
  }
  process.stdout.write(`${JSON.stringify({ n, makeMs, before, after, sampled, answered, live: live.length })}\n`);
}

async function liveIdleInstances(): Promise<void> {
  const n = num('instances', QUICK ? 10_000 : 50_000);
  const child = spawn(
    process.execPath,
    [...process.execArgv, '--disable-wasm-trap-handler', '--expose-gc', SELF, '--idle-instances', String(n)],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', resolve);
    child.once('exit', (c) => reject(new Error(`idle-instances child exited (${c})`)));
  });
  child.kill('SIGKILL');
  const r = JSON.parse(line) as {
    n: number;
    makeMs: number;
    before: number;
    after: number;
    sampled: number;
    answered: number;
  };
  const per = (r.after - r.before) / r.n;
  console.log(
    `\n5. live idle instances: ${r.n} instances of hello in one process, each with its own memory, made in ${(r.makeMs / 1000).toFixed(1)} s; PSS ${(r.before / 2 ** 20).toFixed(0)} → ${(r.after / 2 ** 20).toFixed(0)} MiB: ${(per / 1024).toFixed(2)} KiB each; ${r.answered} of ${r.sampled} sampled instances then ran and answered correctly`,
  );
  row('live idle instances in one process', `${r.n}`, '≥ 50,000', r.n >= 50_000 && r.answered === r.sampled);
  row('memory per live idle instance (PSS)', `${(per / 1024).toFixed(2)} KiB`, '≤ 8 KiB', per <= 8 * 1024);
}

async function main(): Promise<void> {
  if (has('bare')) return bareChild();
  if (has('inline-host')) return inlineHostChild();
  if (has('idle-instances')) return idleInstancesChild();
  const t0 = Date.now();
  console.log(`bench:serve on hello — node ${process.version}, V8 ${process.versions.v8}`);
  await latencyAndSaturation();
  if (!has('skip-apps')) await appsOnOneListener();
  if (!has('skip-sigterm')) await sigtermUnderLoad();
  if (!has('skip-instances')) await liveIdleInstances();
  console.log(`\nSummary (${((Date.now() - t0) / 1000).toFixed(0)} s; noisy unless the machine is quiet):`);
  for (const r of rows)
    console.log(
      `   ${r.name.padEnd(40)} ${r.value.padStart(28)}   target ${r.target.padEnd(10)} ${r.pass === null ? '' : r.pass ? 'PASS' : 'SHORT'}${r.note ? `  (${r.note})` : ''}`,
    );
}

await main();
