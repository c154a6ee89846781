// Every setting a user can give `faasbench run` besides the run's shape (workloads,
// runtimes, modes, iterations), typed once here and resolved once at the CLI
// (harness/commands/run.ts), then passed down typed: modes get ModeOptions, adapters
// their XxxConfig through the registry's create(config). Nothing below the CLI reads
// process.env for these.
//
// Two kinds:
// - mode settings (throughput, density): flags only; the defaults are filled in once
//   per run by resolveModeOptions, so a mode never re-validates what it is given;
// - runtime settings (pool, lambda, container, process): one row per setting in
//   RUNTIME_SETTINGS below, each a flag with its FAASBENCH_* environment variable as a
//   documented fallback: flag > environment > the adapter's own default (which lives
//   beside the adapter, e.g. LAMBDA_DEFAULTS). The environment is read here and nowhere
//   else (resolveRuntimeConfig), and a bad value there is refused like a bad flag.
//
// Types of the adapters' configs are imported type-only: loading this file must not
// load an adapter (the container one pulls in dockerode).

import type { VariantKind } from '../model/workload.js';
import { DEFAULT_PRICES } from './trace/accounting.js';
import { DEFAULT_POLICIES } from './trace/policy.js';
import type { ContainerConfig } from '../runtimes/container/adapter.js';
import type { CommandConfig } from '../runtimes/external/command/adapter.js';
import type { WasmtimeConfig } from '../runtimes/external/wasmtime/adapter.js';
import type { K8sConfig } from '../runtimes/k8s/adapter.js';
import { parseLoadTemplate } from '../runtimes/k8s/images.js';
import { K8S_KINDS } from '../runtimes/k8s/kinds.js';
import { MAX_REUSE, PREINIT_KINDS, type Preinit, type WasmSeriesConfig } from '../runtimes/wasm/series.js';
import type { LambdaConfig } from '../runtimes/lambda/adapter.js';
import type { PoolConfig, RefillPolicy } from '../runtimes/pool/adapter.js';
import type { NativeMode, ProcessConfig } from '../runtimes/process/adapter.js';

// ---- mode options ---------------------------------------------------------------

/** What the user set for the modes (flags), as recorded in the results header's config. */
export interface ModeSettings {
  /** throughput: closed-loop connection counts. */
  connections?: number[];
  /** throughput: explicit open-loop rates, req/s. */
  rates?: number[];
  /** throughput: ms per load step. */
  durationMs?: number;
  /** throughput: p99 objective, ns. */
  sloNs?: number;
  loadClient?: LoadClient;
  /** throughput: times each closed-loop connection count is measured. */
  throughputRepeats?: number;
  /** density: memory budget, MiB. */
  budgetMiB?: number;
  /** density: most instances. */
  maxInstances?: number;
  /** density: full ramps per runtime × workload × variant. */
  densityRepeats?: number;
  /** trace: what was given (the CLI records the complete settings, defaults included, so the header states the compression). */
  trace?: Partial<TraceOptions>;
}

export const LOAD_CLIENTS = ['autocannon', 'raw'] as const;
export type LoadClient = (typeof LOAD_CLIENTS)[number];

export interface ThroughputOptions {
  connections: number[];
  /** Explicit offered rates, ascending; empty: sweep from the closed-loop maximum. */
  rates: number[];
  durationMs: number;
  sloNs: number;
  /** Unrecorded closed-loop warm-up before the first step. */
  warmupMs: number;
  /** Closed-loop client: autocannon (default) or faasbench's raw client (cheaper per request, exact bytes). */
  client: LoadClient;
  /**
   * Each closed-loop connection count is measured this many times, interleaved (8, 64,
   * 8, 64, …): one figure per count would have no interval, and the report would say
   * "single measurement".
   */
  repeats: number;
}

export const THROUGHPUT_DEFAULTS: ThroughputOptions = {
  connections: [8, 64],
  rates: [],
  durationMs: 2000,
  sloNs: 10_000_000,
  warmupMs: 500,
  client: 'autocannon',
  repeats: 3,
};

export interface DensityOptions {
  budgetBytes: number;
  maxInstances: number;
  /** Fixed batch size; 0: batches double from 1 up to a tenth of maxInstances (cheap early checks for slow runtimes). */
  batch: number;
  /** Random instances checked after each batch, besides the newest. */
  checkSample: number;
  /**
   * Full ramps (zero → stop → zero) per runtime × workload × variant, interleaved with
   * the other runtimes' by the run loop: one instances_per_gib per source each, so the
   * headline has a median with an interval (one ramp is a "single measurement").
   */
  repeats: number;
  /** The whole measurement's time limit, every repetition together (each deploys for an equal share of what is left). */
  timeLimitMs: number;
}

export const DENSITY_DEFAULTS: DensityOptions = {
  budgetBytes: 2 * 2 ** 30,
  maxInstances: 1000,
  batch: 0,
  checkSample: 4,
  repeats: 3,
  timeLimitMs: 20_000,
};

export interface MicroOptions {
  /** Time budget per task, ms (tinybench `time`). */
  timeMs: number;
  /** Minimum samples per task. */
  minSamples: number;
}

/** The trace mode's settings (harness/modes/trace.ts; README, "Trace-driven load"). */
export interface TraceOptions {
  /** A trace in the Azure Functions CSV layout; absent: the synthetic generator (harness/trace/synthetic.ts). */
  file?: string;
  /** Functions (synthetic: generated; a file: a seeded sample of this many). */
  functions: number;
  /** Trace length, hours (a file: from its first minute). */
  hours: number;
  /** Seed of the generator, or of a file's sample and arrival placement. */
  seed: number;
  /** synthetic: the busiest function's mean rate at most, per minute of trace time; 0: no cap. */
  maxPerMinute: number;
  /** Trace time ÷ wall time: 12 replays an hour in five minutes. */
  compress: number;
  /** Policy specs (harness/trace/policy.ts), each a cell per runtime it suits. */
  policies: string[];
  /** Cost model: USD per GiB-second of memory held (busy or idle), per request. */
  gibSecondUsd: number;
  requestUsd: number;
  /** Memory charged for an instance when its runtime reports none, MiB. */
  assumedMiB: number;
}

export const TRACE_DEFAULTS: TraceOptions = {
  functions: 100,
  hours: 1,
  seed: 1,
  maxPerMinute: 6,
  compress: 12,
  policies: [...DEFAULT_POLICIES],
  gibSecondUsd: DEFAULT_PRICES.gibSecondUsd,
  requestUsd: DEFAULT_PRICES.requestUsd,
  assumedMiB: 128,
};

/** What every mode receives, complete: defaults filled in, nothing left to check. */
export interface ModeOptions {
  iterations: number;
  warmup: number;
  throughput: ThroughputOptions;
  density: DensityOptions;
  micro: MicroOptions;
  trace: TraceOptions;
}

/**
 * The modes' options from the user's settings (already checked by the CLI's parsers)
 * and the defaults. Called once per run; tests start here and override the internal
 * knobs (warm-up, batch, time limits) on the result.
 */
export function resolveModeOptions(base: { iterations: number; warmup: number }, s: ModeSettings = {}): ModeOptions {
  return {
    iterations: base.iterations,
    warmup: base.warmup,
    throughput: {
      ...THROUGHPUT_DEFAULTS,
      ...(s.connections?.length ? { connections: [...s.connections] } : {}),
      ...(s.rates?.length ? { rates: [...s.rates].sort((a, b) => a - b) } : {}),
      ...(s.durationMs !== undefined ? { durationMs: s.durationMs } : {}),
      ...(s.sloNs !== undefined ? { sloNs: s.sloNs } : {}),
      ...(s.loadClient ? { client: s.loadClient } : {}),
      ...(s.throughputRepeats !== undefined ? { repeats: s.throughputRepeats } : {}),
    },
    density: {
      ...DENSITY_DEFAULTS,
      ...(s.budgetMiB !== undefined ? { budgetBytes: Math.round(s.budgetMiB * 2 ** 20) } : {}),
      ...(s.maxInstances !== undefined ? { maxInstances: s.maxInstances } : {}),
      ...(s.densityRepeats !== undefined ? { repeats: s.densityRepeats } : {}),
    },
    micro: { timeMs: 500, minSamples: Math.max(1, Math.min(base.iterations, 64)) },
    trace: { ...TRACE_DEFAULTS, ...s.trace },
  };
}

/** `o` with some of each mode's options replaced (tests, scripts: the internal knobs no flag sets). */
export function withModeOptions(
  o: ModeOptions,
  over: {
    throughput?: Partial<ThroughputOptions>;
    density?: Partial<DensityOptions>;
    micro?: Partial<MicroOptions>;
    trace?: Partial<TraceOptions>;
  },
): ModeOptions {
  return {
    ...o,
    throughput: { ...o.throughput, ...over.throughput },
    density: { ...o.density, ...over.density },
    micro: { ...o.micro, ...over.micro },
    trace: { ...o.trace, ...over.trace },
  };
}

// ---- runtime options ------------------------------------------------------------

/** Each runtime's user settings, only those given (flag or environment); adapters fill in their defaults. */
export interface RuntimeConfig {
  container: ContainerConfig;
  process: ProcessConfig;
  lambda: LambdaConfig;
  pool: PoolConfig;
  command: CommandConfig;
  wasmtime: WasmtimeConfig;
  k8s: K8sConfig;
  /** The reference runtime's own axes (SERIES_SETTINGS): each value a series of its own. */
  wasm: WasmSeriesConfig;
}

/** Nothing set: every adapter on its defaults. */
export function emptyRuntimeConfig(): RuntimeConfig {
  return { container: {}, process: {}, lambda: {}, pool: {}, command: {}, wasmtime: {}, k8s: {}, wasm: {} };
}

export const POOL_REFILL_POLICIES = ['eager', 'on-demand'] as const satisfies readonly RefillPolicy[];
export const LAMBDA_THROTTLE_CHOICES = ['queue', 'reject'] as const satisfies readonly NonNullable<
  LambdaConfig['whenThrottled']
>[];
export const LAMBDA_NODE_CLIENTS = ['faasbench', 'aws-lambda-ric'] as const satisfies readonly NonNullable<
  LambdaConfig['nodeClient']
>[];
export const PROCESS_NATIVE_MODES = ['httpd', 'cgi'] as const satisfies readonly NativeMode[];
const IMAGE_VARIANTS = ['node', 'native', 'wasm'] as const satisfies readonly VariantKind[];

/** One user setting of one runtime: its flag, its environment fallback, its parser. */
export interface RuntimeSetting {
  runtime: keyof RuntimeConfig;
  key: string;
  /** Long flag without its value, e.g. `--pool-size`. A boolean also gets `--no-…`. */
  flag: string;
  /** Value placeholder in --help; absent for a boolean. */
  arg?: string;
  env: string;
  help: string;
  /** Valid values, shown in --help and in every refusal. */
  choices?: readonly string[];
  /** Checks and converts a flag or environment value; throws an Error whose message says what is valid. */
  parse(value: string): string | number | boolean | readonly (string | number)[];
}

function whole(what: string, min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max)
      throw new Error(`${what} must be a whole number from ${min} to ${max}`);
    return n;
  };
}

function oneOf(what: string, choices: readonly string[]) {
  return (value: string): string => {
    if (!choices.includes(value)) throw new Error(`${what}: '${value}' is not one of: ${choices.join(', ')}`);
    return value;
  };
}

/** FAASBENCH_LAMBDA_FREEZE=0 (documented) or 1; the flags are --lambda-freeze / --no-lambda-freeze. */
function onOff(what: string) {
  return (value: string): boolean => {
    if (value === '0' || value === 'false') return false;
    if (value === '1' || value === 'true') return true;
    throw new Error(`${what} must be 0 or 1`);
  };
}

/** Runtime ids the pool can hold: every registry id but its own (kept in step with harness/runtimes.ts by a test). */
export const POOLABLE_RUNTIMES = [
  'wasm',
  'node-wasi',
  'container',
  'process',
  'lambda',
  'wasmtime',
  'wazero',
  'command',
  'k8s',
] as const;

/** Every user-facing runtime setting, in --help order. */
export const RUNTIME_SETTINGS: readonly RuntimeSetting[] = [
  {
    runtime: 'pool',
    key: 'of',
    flag: '--pool-of',
    arg: 'id',
    env: 'FAASBENCH_POOL_OF',
    help: 'pool: the runtime whose instances are pre-warmed (default: container)',
    choices: POOLABLE_RUNTIMES,
    parse: oneOf('--pool-of', POOLABLE_RUNTIMES),
  },
  {
    runtime: 'pool',
    key: 'size',
    flag: '--pool-size',
    arg: 'n',
    env: 'FAASBENCH_POOL_SIZE',
    help: 'pool: instances kept pre-warmed per deployment (default: 2)',
    parse: whole('--pool-size', 0, 10_000),
  },
  {
    runtime: 'pool',
    key: 'refill',
    flag: '--pool-refill',
    arg: 'policy',
    env: 'FAASBENCH_POOL_REFILL',
    help: 'pool: refill as soon as one is handed out, or once the pool ran dry (default: eager)',
    choices: POOL_REFILL_POLICIES,
    parse: oneOf('--pool-refill', POOL_REFILL_POLICIES),
  },
  {
    runtime: 'lambda',
    key: 'concurrency',
    flag: '--lambda-concurrency',
    arg: 'n',
    env: 'FAASBENCH_LAMBDA_CONCURRENCY',
    help: 'lambda: most execution environments per function (default: 10)',
    parse: whole('--lambda-concurrency', 1, 10_000),
  },
  {
    runtime: 'lambda',
    key: 'whenThrottled',
    flag: '--lambda-throttle',
    arg: 'policy',
    env: 'FAASBENCH_LAMBDA_THROTTLE',
    help: 'lambda: beyond the concurrency, queue for a free environment or answer 429 (default: queue)',
    choices: LAMBDA_THROTTLE_CHOICES,
    parse: oneOf('--lambda-throttle', LAMBDA_THROTTLE_CHOICES),
  },
  {
    runtime: 'lambda',
    key: 'timeoutMs',
    flag: '--lambda-timeout-ms',
    arg: 'ms',
    env: 'FAASBENCH_LAMBDA_TIMEOUT_MS',
    help: 'lambda: function timeout (default: 30000)',
    parse: whole('--lambda-timeout-ms', 1, 86_400_000),
  },
  {
    runtime: 'lambda',
    key: 'memoryMb',
    flag: '--lambda-memory-mb',
    arg: 'mb',
    env: 'FAASBENCH_LAMBDA_MEMORY_MB',
    help: 'lambda: memory per environment; above it the environment is killed (default: 256)',
    parse: whole('--lambda-memory-mb', 1, 1_048_576),
  },
  {
    runtime: 'lambda',
    key: 'idleTimeoutMs',
    flag: '--lambda-idle-ms',
    arg: 'ms',
    env: 'FAASBENCH_LAMBDA_IDLE_MS',
    help: 'lambda: an idle environment is stopped after this long (default: 600000)',
    parse: whole('--lambda-idle-ms', 1, 86_400_000),
  },
  {
    runtime: 'lambda',
    key: 'freeze',
    flag: '--lambda-freeze',
    env: 'FAASBENCH_LAMBDA_FREEZE',
    help: 'lambda: freeze environments between invocations (SIGSTOP; default: on; --no-lambda-freeze: off)',
    parse: onOff('FAASBENCH_LAMBDA_FREEZE'),
  },
  {
    runtime: 'lambda',
    key: 'nodeClient',
    flag: '--lambda-node-client',
    arg: 'client',
    env: 'FAASBENCH_LAMBDA_NODE_CLIENT',
    help: "lambda: runtime client of the node variant (aws-lambda-ric: AWS's, see install-ric.sh; default: faasbench)",
    choices: LAMBDA_NODE_CLIENTS,
    parse: oneOf('--lambda-node-client', LAMBDA_NODE_CLIENTS),
  },
  {
    runtime: 'container',
    key: 'image',
    flag: '--container-image',
    arg: 'tag',
    env: 'FAASBENCH_CONTAINER_IMAGE',
    help: 'container: an existing local image serving HTTP on $PORT at $HOST, instead of the built ones',
    parse: (v) => v,
  },
  {
    runtime: 'container',
    key: 'imageVariant',
    flag: '--container-image-variant',
    arg: 'kind',
    env: 'FAASBENCH_CONTAINER_IMAGE_VARIANT',
    help: 'container: the workload variant --container-image stands for (default: node)',
    choices: IMAGE_VARIANTS,
    parse: oneOf('--container-image-variant', IMAGE_VARIANTS),
  },
  {
    runtime: 'process',
    key: 'nativeMode',
    flag: '--process-native',
    arg: 'mode',
    env: 'FAASBENCH_PROCESS_NATIVE',
    help: 'process: run the native variant under busybox httpd, or one CGI process per request (default: httpd)',
    choices: PROCESS_NATIVE_MODES,
    parse: oneOf('--process-native', PROCESS_NATIVE_MODES),
  },
  {
    runtime: 'wasmtime',
    key: 'pooling',
    flag: '--wasmtime-pooling',
    env: 'FAASBENCH_WASMTIME_POOLING',
    help: "wasmtime: wasmtime serve's pooling allocator (-O pooling-allocator; default: on; --no-wasmtime-pooling: off)",
    parse: onOff('FAASBENCH_WASMTIME_POOLING'),
  },
  {
    runtime: 'command',
    key: 'specFile',
    flag: '--command-spec',
    arg: 'file',
    env: 'FAASBENCH_COMMAND_SPEC',
    help: 'command: the JSON spec naming the command that serves a deployment (README, "The command runtime")',
    parse: (v) => v,
  },
  {
    runtime: 'k8s',
    key: 'kubeconfig',
    flag: '--kubeconfig',
    arg: 'file',
    env: 'KUBECONFIG',
    help: "k8s: the cluster's kubeconfig (a `:`-separated list is merged, as kubectl does; default: ~/.kube/config, else in-cluster)",
    parse: (v) => v,
  },
  {
    runtime: 'k8s',
    key: 'kind',
    flag: '--k8s-kind',
    arg: 'kind',
    env: 'FAASBENCH_K8S_KIND',
    help: 'k8s: deploy variants as Deployments, SpinKube SpinApps (components) or Knative Services; auto: SpinApp for components and Knative for containers when their CRDs exist, else Deployment (default: auto)',
    choices: K8S_KINDS,
    parse: oneOf('--k8s-kind', K8S_KINDS),
  },
  {
    runtime: 'k8s',
    key: 'imageRegistry',
    flag: '--k8s-image-registry',
    arg: 'registry',
    env: 'FAASBENCH_K8S_IMAGE_REGISTRY',
    help: 'k8s: build each image here and push it (docker tag + docker push) as REGISTRY/faasbench/…; pods pull it from there',
    parse: (v) => v,
  },
  {
    runtime: 'k8s',
    key: 'imageLoad',
    flag: '--k8s-image-load',
    arg: 'command',
    env: 'FAASBENCH_K8S_IMAGE_LOAD',
    help: "k8s: build each image here and load it into the cluster with this command, {image} its tag (e.g. 'kind load docker-image {image}')",
    parse: (v) => (parseLoadTemplate(v), v),
  },
];

/** `a,b,c` → its items, each checked by `one`; empty items and repeats refused (a repeat would be one series twice). */
function listOf<T extends string | number>(what: string, one: (v: string) => T) {
  return (value: string): T[] => {
    const items = value.split(',').map((x) => x.trim());
    if (items.some((x) => x === ''))
      throw new Error(`${what}: '${value}' has an empty item (give a comma-separated list)`);
    const out = items.map(one);
    const twice = out.find((x, i) => out.indexOf(x) !== i);
    if (twice !== undefined) throw new Error(`${what}: ${twice} is given twice`);
    return out;
  };
}

/**
 * The reference runtime's measured axes (runtimes/wasm/series.ts): lists, each value
 * its own series (rows tagged preinit=…, reuse=…), swept by `faasbench run`; `faasbench
 * serve` takes one value of each. Flags --preinit and --reuse, with FAASBENCH_* as for
 * the runtime settings. Not in RUNTIME_SETTINGS: those are scalar settings every verb
 * that starts runtimes takes (the gate's duet too), these are sweep axes of `run`.
 */
export const SERIES_SETTINGS: readonly RuntimeSetting[] = [
  {
    runtime: 'wasm',
    key: 'preinit',
    flag: '--preinit',
    arg: 'kinds',
    env: 'FAASBENCH_PREINIT',
    help: 'wasm: how modules are pre-initialised, a series per value (comma-separated): plain (compile at deploy), code-cache (V8 caches reused), wizer (pre-initialised by Wizer at prepare; preview1 modules only) (default: plain, untagged)',
    choices: PREINIT_KINDS,
    parse: listOf('--preinit', (v) => oneOf('--preinit', PREINIT_KINDS)(v) as Preinit),
  },
  {
    runtime: 'wasm',
    key: 'reuse',
    flag: '--reuse',
    arg: 'n',
    env: 'FAASBENCH_REUSE',
    help: `wasm: requests one component instance may serve, a series per value (comma-separated, e.g. 1,128; like wasmtime serve --max-instance-reuse-count; preview1 modules: 1 only) (default: 1, untagged)`,
    parse: listOf('--reuse', whole('--reuse', 1, MAX_REUSE)),
  },
];

/** The name commander gives a flag's value: `--pool-size` → poolSize (and `--no-lambda-freeze` → lambdaFreeze). */
export function flagAttribute(flag: string): string {
  return flag.replace(/^--/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

/**
 * Flag > environment > (the adapter's) default, for every runtime setting. `flags`
 * holds the parsed flag values by attribute name (undefined: not given); `env` is
 * read for the settings no flag gave. A bad environment value throws, naming the
 * variable and what is valid (the CLI exits 2, as for a bad flag).
 */
export function resolveRuntimeConfig(
  flags: Readonly<Record<string, unknown>>,
  env: NodeJS.ProcessEnv = process.env,
): RuntimeConfig {
  const config = emptyRuntimeConfig();
  for (const s of [...RUNTIME_SETTINGS, ...SERIES_SETTINGS]) {
    let value = flags[flagAttribute(s.flag)];
    if (value === undefined) {
      const raw = env[s.env];
      if (raw === undefined || raw === '') continue;
      try {
        value = s.parse(raw);
      } catch (e) {
        throw new Error(`${s.env}=${raw}: ${(e as Error).message}`, { cause: e });
      }
    }
    (config[s.runtime] as Record<string, unknown>)[s.key] = value;
  }
  return config;
}
