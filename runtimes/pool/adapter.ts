// A pre-warmed pool over any instance factory (any RuntimeAdapter: containers by
// default, host processes, Lambda-style environments). Each deployment gets a pool
// of `size` started instances. start() hands out an idle one (phase `pool_hit`: the
// hand-out time) or, when the pool is empty, falls back to the inner cold start
// (phase `pool_miss`: the whole fallback start), so every sample row says which.
//
// Refill: 'eager' starts a replacement in the background as soon as an instance is
// handed out; 'on-demand' refills only once the pool has run dry (after a miss).
// Idle timeout: an instance left idle longer is stopped (not replaced until a refill).
// Handed-out instances are used once and stopped (no reuse: every hit is an
// instance that has never served a request).
//
// Idle cost is counted, not ignored: the memory each idle instance holds (cgroup
// memory for containers, PSS/RSS for processes) × the seconds it sat idle, and the
// drop in host MemAvailable when the pool was filled (which also counts what the
// cgroup does not: the containerd shim, the engine's bookkeeping).
//
// Choosing the inner runtime: `pool` in the registry (harness/runtimes.ts) pools
// containers; `run --pool-of process|lambda|…` pools another runtime. The registry
// creates the inner adapter and hands its factory to poolAdapter(): this file knows
// no registry.

import type { LoadedWorkload, VariantKind } from '../../model/workload.js';
import { memAvailableBytes } from '../shared/procfs.js';
import type {
  AdapterMeasurement,
  Availability,
  Capabilities,
  Deployment,
  FunctionRequest,
  Instance,
  InvokeResult,
  MemoryUsage,
  OwnDeployment,
  OwnInstance,
  RuntimeAdapter,
  StartResult,
} from '../types.js';

export type RefillPolicy = 'eager' | 'on-demand';

export interface PoolOptions {
  id?: string;
  /** Instances kept pre-warmed per deployment (default 2). */
  size?: number;
  refill?: RefillPolicy;
  /** Idle instances older than this are stopped (default 10 min; 0 = never). */
  idleTimeoutMs?: number;
}

/**
 * The user's settings of this runtime (flags of `faasbench run`, resolved in
 * harness/options.ts). `of` is the registry id of the pooled runtime: the registry
 * reads it to build the inner adapter.
 */
export interface PoolConfig extends Pick<PoolOptions, 'size' | 'refill'> {
  of?: string;
}

export const POOL_DEFAULTS: Required<PoolConfig> = { of: 'container', size: 2, refill: 'eager' };

/** MemoryUsage of one instance, plus the pool's idle cost at the time of asking. */
export interface PoolUsage extends MemoryUsage {
  /** Memory held right now by the idle instances of this instance's pool. */
  idleBytes: number;
  /** Memory held × seconds idle, summed over every instance that sat in this pool. */
  idleByteSeconds: number;
}

export interface IdleCost {
  runtime: string;
  workload: string;
  variant: string;
  size: number;
  idle: number;
  hits: number;
  misses: number;
  /** Mean memory one idle instance held (cgroup, else PSS, else RSS). */
  bytesPerInstance: number;
  /** Host MemAvailable before the first fill minus after it, per instance filled. */
  memAvailableDropPerInstance: number | null;
  idleByteSeconds: number;
}

interface Idle {
  instance: Instance;
  since: number;
  bytes: number;
  timer: NodeJS.Timeout | null;
}

interface Pool {
  deployment: PoolDeployment;
  inner: Deployment;
  idle: Idle[];
  pending: number;
  fills: Set<Promise<void>>;
  lastError: string | null;
  hits: number;
  misses: number;
  heldSamples: number[];
  byteSecondsDone: number;
  memAvailableDrop: number | null;
}

interface PoolInstanceData {
  inner: Instance;
  pool: Pool;
}

type PoolDeployment = OwnDeployment<Pool>;
type PoolInstance = OwnInstance<PoolInstanceData, Pool>;

function heldBytes(u: MemoryUsage): number {
  return u.cgroupBytes ?? u.pssBytes ?? u.rssBytes ?? 0;
}

export class PoolAdapter implements RuntimeAdapter<Pool, PoolInstanceData> {
  readonly id: string;
  readonly description: string;
  readonly size: number;
  readonly refill: RefillPolicy;
  readonly idleTimeoutMs: number;
  private readonly pools: Pool[] = [];
  private readonly out = new Set<PoolInstance>();
  private closed = false;

  constructor(
    readonly inner: RuntimeAdapter,
    opts: PoolOptions = {},
  ) {
    this.id = opts.id ?? 'pool';
    this.size = Math.max(0, opts.size ?? POOL_DEFAULTS.size);
    this.refill = opts.refill ?? POOL_DEFAULTS.refill;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 10 * 60_000;
    this.description = `pre-warmed pool of ${this.size} ${inner.id} instance(s) per deployment, ${this.refill} refill`;
  }

  capabilities(): Capabilities {
    const c = this.inner.capabilities();
    return { variants: c.variants, modes: c.modes, freshInstancePerRequest: false };
  }

  async available(): Promise<Availability> {
    const a = await this.inner.available();
    return a.ok
      ? { ok: true, detail: `${this.description}; ${a.detail ?? ''}`.trim() }
      : { ok: false, reason: `pool of ${this.inner.id}: ${a.reason}` };
  }

  async describeVersions(): Promise<Record<string, string>> {
    const inner = (await this.inner.describeVersions?.()) ?? {};
    return {
      inner: this.inner.id,
      size: String(this.size),
      refill: this.refill,
      idleTimeoutMs: String(this.idleTimeoutMs),
      ...Object.fromEntries(Object.entries(inner).map(([k, v]) => [`inner.${k}`, v])),
    };
  }

  /** Prepares the inner deployment and fills its pool (measuring the host memory it took). */
  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<PoolDeployment> {
    const inner = await this.inner.prepare(workload, variant);
    const pool: Pool = {
      deployment: undefined as unknown as PoolDeployment,
      inner,
      idle: [],
      pending: 0,
      fills: new Set(),
      lastError: null,
      hits: 0,
      misses: 0,
      heldSamples: [],
      byteSecondsDone: 0,
      memAvailableDrop: null,
    };
    const deployment: PoolDeployment = { runtime: this.id, workload, variant, data: pool };
    pool.deployment = deployment;
    this.pools.push(pool);
    const before = memAvailableBytes();
    await this.fill(pool);
    const after = memAvailableBytes();
    if (pool.idle.length === 0 && this.size > 0)
      throw new Error(`pool of ${this.inner.id} could not start any instance: ${pool.lastError ?? 'unknown error'}`);
    if (before !== null && after !== null && pool.idle.length > 0)
      pool.memAvailableDrop = (before - after) / pool.idle.length;
    return deployment;
  }

  /** Starts instances until the pool holds `size` (idle + starting); resolves when they are in. */
  private fill(pool: Pool): Promise<void> {
    const starts: Promise<void>[] = [];
    while (!this.closed && pool.idle.length + pool.pending < this.size) {
      pool.pending++;
      const p: Promise<void> = this.inner
        .start(pool.inner)
        .then(
          async ({ instance }) => {
            if (this.closed) return this.inner.stop(instance);
            const bytes = heldBytes((await this.inner.usage?.(instance).catch(() => ({}))) ?? {});
            pool.heldSamples.push(bytes);
            const entry: Idle = { instance, since: Date.now(), bytes, timer: null };
            if (this.idleTimeoutMs > 0) {
              entry.timer = setTimeout(() => void this.retire(pool, entry), this.idleTimeoutMs);
              entry.timer.unref();
            }
            pool.idle.push(entry);
          },
          (e: Error) => {
            pool.lastError = e.message;
          },
        )
        .finally(() => {
          pool.pending--;
          pool.fills.delete(p);
        });
      pool.fills.add(p);
      starts.push(p);
    }
    return Promise.all(starts).then(() => {});
  }

  private leave(pool: Pool, entry: Idle): void {
    if (entry.timer) clearTimeout(entry.timer);
    pool.byteSecondsDone += entry.bytes * ((Date.now() - entry.since) / 1000);
    pool.idle.splice(pool.idle.indexOf(entry), 1);
  }

  private async retire(pool: Pool, entry: Idle): Promise<void> {
    if (!pool.idle.includes(entry)) return;
    this.leave(pool, entry);
    await this.inner.stop(entry.instance).catch(() => {});
  }

  async start(d: PoolDeployment): Promise<StartResult<PoolInstance>> {
    const pool = d.data;
    const t0 = process.hrtime.bigint();
    const entry = pool.idle[0];
    if (entry) {
      this.leave(pool, entry);
      pool.hits++;
      if (this.refill === 'eager') void this.fill(pool);
      const instance = this.wrap(pool, entry.instance);
      return { instance, phases: [{ phase: 'pool_hit', ns: Number(process.hrtime.bigint() - t0) }] };
    }
    pool.misses++;
    const started = await this.inner.start(pool.inner);
    const ns = Number(process.hrtime.bigint() - t0);
    // On demand: the pool ran dry, so refill it now, in the background.
    void this.fill(pool);
    return { instance: this.wrap(pool, started.instance), phases: [{ phase: 'pool_miss', ns }] };
  }

  private wrap(pool: Pool, inner: Instance): PoolInstance {
    const data: PoolInstanceData = { inner, pool };
    const instance: PoolInstance = {
      id: `${this.id}-${inner.id}`,
      deployment: pool.deployment,
      ...(inner.url ? { url: inner.url } : {}),
      ...(inner.pathPrefix ? { pathPrefix: inner.pathPrefix } : {}),
      ...(inner.lenientHttp ? { lenientHttp: true } : {}),
      data,
    };
    this.out.add(instance);
    return instance;
  }

  invoke(i: PoolInstance, r: FunctionRequest): Promise<InvokeResult> {
    return this.inner.invoke(i.data.inner, r);
  }

  async stop(i: PoolInstance): Promise<void> {
    const { inner, pool } = i.data;
    this.out.delete(i);
    await this.inner.stop(inner);
    // Let a background refill finish here, outside any timed span, rather than
    // overlapping (and slowing) the next sample of whichever runtime comes next.
    await Promise.all([...pool.fills]);
  }

  async usage(i: PoolInstance): Promise<PoolUsage> {
    const { inner, pool } = i.data;
    const own = (await this.inner.usage?.(inner)) ?? {};
    const now = Date.now();
    return {
      ...own,
      idleBytes: pool.idle.reduce((s, e) => s + e.bytes, 0),
      idleByteSeconds: Math.round(
        pool.byteSecondsDone + pool.idle.reduce((s, e) => s + e.bytes * ((now - e.since) / 1000), 0),
      ),
    };
  }

  /** The idle cost of every pool so far. */
  idleCost(): IdleCost[] {
    const now = Date.now();
    return this.pools.map((p) => ({
      runtime: this.inner.id,
      workload: p.deployment.workload.name,
      variant: p.deployment.variant,
      size: this.size,
      idle: p.idle.length,
      hits: p.hits,
      misses: p.misses,
      bytesPerInstance: p.heldSamples.length
        ? Math.round(p.heldSamples.reduce((a, b) => a + b, 0) / p.heldSamples.length)
        : 0,
      memAvailableDropPerInstance: p.memAvailableDrop === null ? null : Math.round(p.memAvailableDrop),
      idleByteSeconds: Math.round(
        p.byteSecondsDone + p.idle.reduce((s, e) => s + e.bytes * ((now - e.since) / 1000), 0),
      ),
    }));
  }

  /** The idle cost as result rows (mode 'idle'): memory per idle instance, byte-seconds held, hits and misses. */
  runReport(): AdapterMeasurement[] {
    return this.idleCost().flatMap((c) => {
      const base = {
        workload: c.workload,
        variant: c.variant as VariantKind,
        tags: { pool_of: c.runtime, pool_size: c.size },
      };
      return [
        { ...base, metric: 'idle_bytes_per_instance', value: c.bytesPerInstance },
        ...(c.memAvailableDropPerInstance === null
          ? []
          : [{ ...base, metric: 'idle_memavailable_drop_bytes_per_instance', value: c.memAvailableDropPerInstance }]),
        { ...base, metric: 'idle_byte_seconds', value: c.idleByteSeconds },
        { ...base, metric: 'pool_hits_count', value: c.hits },
        { ...base, metric: 'pool_misses_count', value: c.misses },
      ];
    });
  }

  /** Waits for background refills (tests and benchmarks: a quiet machine before the next sample). */
  async settle(): Promise<void> {
    for (const p of this.pools) await Promise.all([...p.fills]);
  }

  async dispose(): Promise<void> {
    this.closed = true;
    await this.settle();
    for (const p of this.pools) {
      for (const e of [...p.idle]) {
        this.leave(p, e);
        await this.inner.stop(e.instance).catch(() => {});
      }
    }
    await Promise.all([...this.out].map((i) => this.stop(i).catch(() => {})));
    await this.inner.dispose();
  }
}

/** The registry's `pool`: a pool over the adapter `createInner` makes (the registry's entry for `config.of`). */
export async function poolAdapter(
  createInner: () => Promise<RuntimeAdapter>,
  config: PoolConfig = {},
): Promise<PoolAdapter> {
  return new PoolAdapter(await createInner(), {
    ...(config.size !== undefined ? { size: config.size } : {}),
    ...(config.refill ? { refill: config.refill } : {}),
  });
}
