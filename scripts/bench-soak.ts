// Soak: does the reference Wasm runtime hold a steady load without leaking? On `hello`:
//   1. max throughput: closed loop (the project's load generator, harness/load/, in
//      its own process) at each --connections count for --probe-seconds, best clean one;
//   2. open loop at --fraction (80 %) of it for --seconds (default 600), requests due at
//      fixed intervals whatever the server does (coordinated omission corrected);
//   3. meanwhile, every --sample-seconds, the runtime process's RSS (/proc/PID/status
//      VmRSS), open file descriptors (entries of /proc/PID/fd) and thread count
//      (/proc/PID/status Threads).
// The runtime runs in a child process of this script (the adapter `run` uses,
// referenceWasmAdapter, started exactly as the throughput mode starts it; it runs the
// runtime as a `faasbench serve` process of its own), and what is sampled is that serve
// process alone: neither the load client nor this script's sampling.
//
// Verdict, printed with PASS/SHORT:
//   - flat: for each of RSS, fds and threads, the least-squares slope over the samples
//     after a warm-up (the first 10 % of the run, at most 60 s: JIT, heap sizing and
//     memory recyclers settle there) times the length of that window, i.e. the fitted
//     drift over the run, is at most 5 % of the mean (and at least one whole fd or
//     thread is allowed: counts move in steps of one). Slopes are printed per minute.
//   - no failed request: wrong status, wrong body or headers, connection errors,
//     timeouts, and requests due but never answered all count; the target is zero.
//   - the offered rate was held: correct responses/s ≥ 90 % of it.
// Not a test, and long: the full run is 10 minutes plus ~15 s of probing.
//
// Run: npm run bench:soak  (= flock /tmp/faasbench-bench.lock node <V8 flags> --import tsx scripts/bench-soak.ts)
// Flags: --seconds S (600), --sample-seconds S (5), --fraction F (0.8), --connections 8,64 (closed-loop probe),
//        --probe-seconds S (3), --open-connections N (64), --threads N (guest threads; default: the adapter's).

import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { LoadGenerator } from '../harness/load/client.js';
import { roundRate } from '../harness/load/sweep.js';
import { toWireRequest, type LoadResult } from '../harness/load/types.js';
import { builtinWorkloadsDir, loadWorkload } from '../model/workload.js';
import * as procfs from '../runtimes/shared/procfs.js';
import { referenceWasmAdapter } from '../runtimes/wasm/adapter.js';

const REQUIRED_FLAGS = ['--disable-wasm-trap-handler', '--no-turbo-fast-api-calls'];
const SELF = fileURLToPath(import.meta.url);
const MiB = 2 ** 20;

// ---------------------------------------------------------------- pure helpers (tested)

export interface Sample {
  /** Seconds since the open loop started. */
  t: number;
  rssBytes: number;
  fds: number;
  threads: number;
}

/** Least-squares line y = a + b·x; b is 0 with fewer than two distinct x. */
export function leastSquares(xs: readonly number[], ys: readonly number[]): { slope: number; intercept: number } {
  const n = xs.length;
  if (n === 0) return { slope: 0, intercept: 0 };
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (xs[i]! - mx) * (ys[i]! - my);
    sxx += (xs[i]! - mx) ** 2;
  }
  const slope = sxx === 0 ? 0 : sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

export interface Trend {
  mean: number;
  /** Units per minute. */
  slopePerMin: number;
  /** Fitted change over the window: slope × window length. */
  drift: number;
  /** How much drift is allowed: 5 % of the mean, at least `minAllowed`. */
  allowed: number;
  flat: boolean;
  samples: number;
}

/** The warm-up left out of the fit: the first 10 % of the run, at most 60 s. */
export function warmupSeconds(runSeconds: number): number {
  return Math.min(60, runSeconds * 0.1);
}

/** Trend of one series over the samples at or after `from` seconds (criterion in the header). */
export function trend(
  samples: readonly Sample[],
  pick: (s: Sample) => number,
  from: number,
  minAllowed: number,
): Trend {
  const kept = samples.filter((s) => s.t >= from);
  const xs = kept.map((s) => s.t / 60);
  const ys = kept.map(pick);
  const mean = ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : 0;
  const { slope } = leastSquares(xs, ys);
  const window = xs.length ? xs[xs.length - 1]! - xs[0]! : 0;
  const drift = slope * window;
  const allowed = Math.max(0.05 * mean, minAllowed);
  return {
    mean,
    slopePerMin: slope,
    drift,
    allowed,
    flat: kept.length >= 3 && Math.abs(drift) <= allowed,
    samples: kept.length,
  };
}

/** Every way a request of the open loop can fail. */
export function failedRequests(r: LoadResult): number {
  return r.badStatus + r.mismatches + r.errors + r.timeouts + r.unfinished;
}

// ---------------------------------------------------------------- the runtime's process

/** Runs the reference runtime on hello as `run` does; prints {url, pid, executor}; ends when stdin closes. */
async function serveChild(threads: number | undefined): Promise<void> {
  const workload = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
  const adapter = referenceWasmAdapter(threads ? { threads } : {});
  const deployment = await adapter.prepare(workload, 'wasm');
  const { instance } = await adapter.start(deployment);
  const versions = await adapter.describeVersions();
  // The runtime under test is the `faasbench serve` process the adapter spawned (the
  // wasm runtime is measured in its own process); the app lives under its path prefix.
  const out = {
    url: instance.url,
    prefix: instance.pathPrefix ?? '',
    pid: adapter.pid() ?? process.pid,
    executor: versions['executor'],
  };
  process.stdout.write(JSON.stringify(out) + '\n');
  const quit = () => void adapter.dispose().finally(() => process.exit(0));
  // The parent holds our stdin: when it goes away (even killed), so do we.
  process.stdin.on('end', quit).on('error', quit).resume();
  process.on('SIGTERM', quit);
  process.on('SIGINT', () => {}); // Ctrl-C is the parent's to handle; it ends us after its summary.
}

function startRuntime(
  threads: number | undefined,
): Promise<{ child: ChildProcess; url: string; prefix: string; pid: number; executor: string }> {
  const args = [...process.execArgv, SELF, '--serve', ...(threads ? ['--threads', String(threads)] : [])];
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', (l) => {
      const m = JSON.parse(l) as { url: string; prefix: string; pid: number; executor: string };
      resolve({ child, ...m });
    });
    child.once('exit', (code) => reject(new Error(`runtime process exited (${code}) before serving`)));
  });
}

/** One sample of a process from /proc (Linux). */
function sampleProcess(pid: number, t: number): Sample {
  const rssBytes = procfs.rssBytes(pid);
  const fds = procfs.fdCount(pid);
  // As reading the gone process's /proc entry would: the caller reports the code.
  if (rssBytes === null || fds === null) throw Object.assign(new Error(`no /proc/${pid}`), { code: 'ENOENT' });
  return { t, rssBytes, fds, threads: procfs.threadCount(pid) ?? NaN };
}

// ---------------------------------------------------------------- parent

const argv = process.argv.slice(2);
function num(name: string, dflt: number): number {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = Number(argv[i + 1]);
  if (!Number.isFinite(v) || v <= 0)
    throw new Error(`--${name} needs a number above 0, got ${JSON.stringify(argv[i + 1] ?? '')}`);
  return v;
}
function list(name: string, dflt: number[]): number[] {
  const i = argv.indexOf(`--${name}`);
  if (i < 0) return dflt;
  const v = String(argv[i + 1] ?? '')
    .split(',')
    .map(Number);
  if (!v.length || v.some((x) => !Number.isInteger(x) || x <= 0))
    throw new Error(
      `--${name} needs whole numbers above 0 separated by commas, got ${JSON.stringify(argv[i + 1] ?? '')}`,
    );
  return v;
}

async function soak(): Promise<number> {
  const seconds = num('seconds', 600);
  const every = num('sample-seconds', 5);
  const fraction = num('fraction', 0.8);
  const connections = list('connections', [8, 64]);
  const probeSeconds = num('probe-seconds', 3);
  const openConnections = num('open-connections', 64);
  const threads = argv.includes('--threads') ? num('threads', 2) : undefined;
  const workload = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
  const wire = toWireRequest(workload.requests.find((r) => r.size === 'test') ?? workload.requests[0]!);

  console.log(
    `bench:soak on hello — node ${process.version}, V8 ${process.versions.v8}, ${seconds} s at ${Math.round(fraction * 100)} % of the measured maximum`,
  );
  const runtime = await startRuntime(threads);
  // The app lives under its path prefix on the serve process's one listener (as the throughput mode does it).
  const request = runtime.prefix ? { ...wire, path: runtime.prefix + (wire.path === '/' ? '' : wire.path) } : wire;
  const gen = await LoadGenerator.start();
  const stopped = new AbortController();
  const onSigint = () => {
    console.log('\n(interrupted: stopping the load, summary of what was measured)');
    stopped.abort();
  };
  process.on('SIGINT', onSigint);
  try {
    console.log(`runtime: pid ${runtime.pid}, ${runtime.executor}, ${runtime.url}; load generator: pid ${gen.pid}`);
    // 1. Max throughput, closed loop.
    await gen.run({
      kind: 'closed',
      url: runtime.url,
      request,
      connections: Math.max(...connections),
      durationMs: 1000,
    });
    let max = 0;
    for (const c of connections) {
      const r = await gen.run(
        { kind: 'closed', url: runtime.url, request, connections: c, durationMs: probeSeconds * 1000 },
        stopped.signal,
      );
      const bad = failedRequests(r);
      console.log(
        `1. closed loop, ${String(c).padStart(3)} connections, ${probeSeconds} s: ${String(r.achievedRps).padStart(7)} req/s${bad ? `  (${bad} failed: ${r.firstError ?? ''}; not counted)` : ''}`,
      );
      if (bad === 0 && r.ok > 0) max = Math.max(max, r.achievedRps);
    }
    if (stopped.signal.aborted) throw new Error('interrupted before the soak started');
    if (max === 0) throw new Error('every closed-loop step had failed requests: no maximum to soak at');
    const rate = roundRate(max * fraction);
    // Let the probe's connections close and its garbage go before the baseline.
    await new Promise((r) => setTimeout(r, 2000));
    const idle = sampleProcess(runtime.pid, 0);
    console.log(
      `   runtime idle after the probe: RSS ${(idle.rssBytes / MiB).toFixed(1)} MiB, fds ${idle.fds}, threads ${idle.threads}`,
    );

    // 2 + 3. Open loop at the rate, sampling the runtime process meanwhile.
    console.log(
      `2. open loop at ${rate} req/s (${Math.round(fraction * 100)} % of ${max}), ${openConnections} connections, ${seconds} s; sampling pid ${runtime.pid} every ${every} s`,
    );
    const samples: Sample[] = [];
    const t0 = Date.now();
    let runtimeGone: string | null = null;
    const take = () => {
      try {
        samples.push(sampleProcess(runtime.pid, (Date.now() - t0) / 1000));
      } catch (e) {
        // The runtime process is gone (crashed, killed): stop the load, report what was measured.
        runtimeGone ??= `runtime process ${runtime.pid} could not be sampled (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
        stopped.abort();
      }
    };
    let lastPrinted = -Infinity;
    take();
    const sampler = setInterval(() => {
      take();
      const s = samples.at(-1);
      if (s && (s.t - lastPrinted >= 30 || process.env['FAASBENCH_SOAK_VERBOSE'])) {
        lastPrinted = s.t;
        console.log(
          `   t=${s.t.toFixed(0).padStart(4)} s   RSS ${(s.rssBytes / MiB).toFixed(1).padStart(7)} MiB   fds ${String(s.fds).padStart(4)}   threads ${String(s.threads).padStart(3)}`,
        );
      }
    }, every * 1000);
    let result: LoadResult;
    try {
      result = await gen.run(
        { kind: 'open', url: runtime.url, request, connections: openConnections, durationMs: seconds * 1000, rate },
        stopped.signal,
      );
    } finally {
      clearInterval(sampler);
    }
    // No sample after the run: the generator has closed its connections by then.
    const ranSeconds = samples.at(-1)?.t ?? 0;
    if (runtimeGone) console.log(`\n   ${runtimeGone}`);

    const from = warmupSeconds(ranSeconds);
    const rss = trend(samples, (s) => s.rssBytes, from, 1);
    const fds = trend(samples, (s) => s.fds, from, 1);
    const thr = trend(samples, (s) => s.threads, from, 1);
    const failed = failedRequests(result);
    const lat = result.latency!;
    const ms = (ns: number) => (ns / 1e6).toFixed(2);
    console.log(
      `\n   ${result.ok} correct of ${result.sent} sent in ${(result.elapsedNs / 1e9).toFixed(0)} s: ${result.achievedRps} req/s (offered ${rate}); latency p50 ${ms(lat.p50)} ms, p99 ${ms(lat.p99)} ms, p99.9 ${ms(lat.p999)} ms, max ${ms(lat.max)} ms`,
    );
    if (failed)
      console.log(
        `   failed: ${result.badStatus} wrong status, ${result.mismatches} wrong body/headers, ${result.errors} connection errors, ${result.timeouts} timeouts, ${result.unfinished} never answered; first: ${result.firstError ?? '-'}`,
      );
    console.log(
      `3. trends over ${rss.samples} samples from t=${from.toFixed(0)} s to t=${ranSeconds.toFixed(0)} s (least squares; flat = |slope × window| ≤ max(5 % of mean, 1)):`,
    );
    const rows: Array<[string, string, string, boolean]> = [];
    const row = (name: string, t: Trend, fmt: (v: number) => string) => {
      console.log(
        `   ${name.padEnd(8)} mean ${fmt(t.mean).padStart(12)}   slope ${fmt(t.slopePerMin).padStart(12)}/min   drift over the window ${fmt(t.drift).padStart(12)} (allowed ±${fmt(t.allowed)})`,
      );
      rows.push([`${name} flat`, `${fmt(t.slopePerMin)}/min`, `|drift| ≤ ${fmt(t.allowed)}`, t.flat]);
    };
    const mib = (v: number) => `${(v / MiB).toFixed(2)} MiB`;
    const count = (v: number) => v.toFixed(2);
    row('RSS', rss, mib);
    row('fds', fds, count);
    row('threads', thr, count);
    rows.push(['failed requests', String(failed), '0', failed === 0]);
    rows.push([
      'offered rate held',
      `${result.achievedRps} of ${rate} req/s`,
      '≥ 90 %',
      result.achievedRps >= 0.9 * rate,
    ]);
    if (runtimeGone) rows.push(['runtime alive', 'no', 'yes', false]);
    console.log(
      `\nSummary (${stopped.signal.aborted ? 'interrupted, ' : ''}${ranSeconds.toFixed(0)} s at ${rate} req/s):`,
    );
    for (const [name, value, target, pass] of rows)
      console.log(
        `   ${name.padEnd(20)} ${value.padStart(22)}   target ${target.padEnd(22)} ${pass ? 'PASS' : 'SHORT'}`,
      );
    return rows.every((r) => r[3]) ? 0 : 1;
  } finally {
    process.off('SIGINT', onSigint);
    await gen.close();
    runtime.child.stdin!.end();
    runtime.child.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  const missing = REQUIRED_FLAGS.filter((f) => !process.execArgv.includes(f));
  if (missing.length > 0) {
    // The same V8 flags as the faasbench bin (bin/faasbench.js): the runtime is measured as `run` runs it.
    const child = spawn(process.execPath, [...process.execArgv, ...missing, SELF, ...argv], { stdio: 'inherit' });
    process.on('SIGINT', () => {}); // the child prints its summary
    child.on('exit', (code) => process.exit(code ?? 1));
    return;
  }
  if (argv.includes('--serve')) return serveChild(argv.includes('--threads') ? num('threads', 2) : undefined);
  process.exitCode = await soak();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
