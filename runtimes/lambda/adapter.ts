// The Lambda-style runtime as a runtime adapter (id `lambda`). An instance is a
// function with its function URL and one execution environment started by start()
// (the cold start: listen → spawn → init; the harness adds the first response).
// More environments are started when all are busy (scale-out up to `concurrency`);
// beyond it requests queue for the next free environment (or, with whenThrottled
// 'reject' (`run --lambda-throttle reject`), get Lambda's 429); a timed-out or crashed environment is replaced on the next request. usage() is
// the RSS/PSS of the instance's environments, frozen between invocations.
// The pool adapter pre-warms instances through start() (provisioned concurrency).

import http from 'node:http';
import { basename, dirname } from 'node:path';
import type { LoadedWorkload, VariantKind } from '../../model/workload.js';
import { httpInvoke } from '../shared/http.js';
import type {
  Availability,
  Capabilities,
  FunctionRequest,
  InvokeResult,
  MemoryUsage,
  OwnDeployment,
  OwnInstance,
  RuntimeAdapter,
  StartResult,
} from '../types.js';
import { awsLambdaRicMain, lambdaAssetDir } from './assets.js';
import { reapOrphanEnvironments, type EnvironmentSpec } from './environment.js';
import { LambdaFunction } from './function.js';
import { startFunctionUrl, type FunctionUrlServer } from './function-url.js';

export interface LambdaAdapterOptions {
  /** Most environments per instance (reserved concurrency). Default 10. */
  concurrency?: number;
  /** Function timeout. Default 30 s. */
  timeoutMs?: number;
  memoryMb?: number;
  /** Environment idle timeout. Default 10 min. */
  idleTimeoutMs?: number;
  /** Freeze environments between invocations. Default true. */
  freeze?: boolean;
  /** AWS_LAMBDA_INITIALIZATION_TYPE for environments started by start(). */
  initializationType?: 'on-demand' | 'provisioned-concurrency';
  /** At the concurrency limit: queue for the next free environment (default) or answer 429 as Lambda does. */
  whenThrottled?: 'queue' | 'reject';
  /** Runtime client for the node variant: ours (default) or AWS's aws-lambda-ric (install-ric.sh). */
  nodeClient?: 'faasbench' | 'aws-lambda-ric';
}

/** The user's settings of this runtime (flags of `faasbench run`, resolved in harness/options.ts). */
export type LambdaConfig = Pick<
  LambdaAdapterOptions,
  'concurrency' | 'timeoutMs' | 'memoryMb' | 'idleTimeoutMs' | 'freeze' | 'whenThrottled' | 'nodeClient'
>;

/** What an unset setting means (the function and environment code applies the same numbers). */
export const LAMBDA_DEFAULTS: Required<LambdaConfig> = {
  concurrency: 10,
  timeoutMs: 30_000,
  memoryMb: 256,
  idleTimeoutMs: 600_000,
  freeze: true,
  whenThrottled: 'queue',
  nodeClient: 'faasbench',
};

interface LambdaDeployment {
  spec: EnvironmentSpec;
}
interface LambdaInstanceData {
  fn: LambdaFunction;
  front: FunctionUrlServer;
  agent: http.Agent;
}
type LambdaInstance = OwnInstance<LambdaInstanceData, LambdaDeployment>;

export function deploymentSpec(
  workload: LoadedWorkload,
  variant: VariantKind,
  o: LambdaAdapterOptions = {},
): EnvironmentSpec {
  const assets = lambdaAssetDir();
  const common = {
    functionName: `faasbench-${workload.name}-${variant}`,
    command: process.execPath,
    timeoutMs: o.timeoutMs ?? 30_000,
    memoryMb: o.memoryMb ?? 256,
    freeze: o.freeze ?? true,
    initializationType: o.initializationType ?? 'on-demand',
  };
  if (variant === 'node') {
    const module = workload.variantPaths.node;
    if (!module) throw new Error(`${workload.name} has no node variant`);
    let client = `${assets}/bootstrap-node.mjs`;
    if (o.nodeClient === 'aws-lambda-ric') {
      const ric = awsLambdaRicMain();
      if (!ric) throw new Error('aws-lambda-ric is not installed: run runtimes/lambda/install-ric.sh');
      client = ric;
    }
    return {
      ...common,
      args: [client],
      handler: 'http-adapter.handler',
      taskRoot: assets,
      executionEnv: 'AWS_Lambda_nodejs20.x',
      env: { FAASBENCH_NODE_HANDLER: module },
    };
  }
  if (variant === 'native') {
    const binary = workload.variantPaths.native;
    if (!binary) throw new Error(`${workload.name} has no native variant`);
    return {
      ...common,
      args: [`${assets}/bootstrap-native.mjs`],
      handler: basename(binary),
      taskRoot: dirname(binary),
    };
  }
  throw new Error(`lambda runs the node and native variants, not ${variant}`);
}

export class LambdaAdapter implements RuntimeAdapter<LambdaDeployment, LambdaInstanceData> {
  readonly id = 'lambda';
  readonly description =
    'Lambda-style: AWS Runtime API server, a frozen process per execution environment, node runtime and provided-style custom runtime';
  private readonly live = new Set<LambdaInstance>();
  private readonly opts: LambdaAdapterOptions;
  private seq = 0;

  constructor(opts: LambdaAdapterOptions = {}) {
    // Settings arrive resolved (flag > FAASBENCH_LAMBDA_* > default) from the CLI; nothing here reads the environment.
    this.opts = { ...LAMBDA_DEFAULTS, ...opts };
    // environments frozen by a faasbench that crashed would stay stopped forever
    reapOrphanEnvironments();
  }

  capabilities(): Capabilities {
    return {
      variants: ['node', 'native'],
      modes: ['cold', 'warm', 'throughput', 'density'],
      freshInstancePerRequest: false,
    };
  }

  async available(): Promise<Availability> {
    if (process.platform === 'win32')
      return { ok: false, reason: 'execution environments are frozen with SIGSTOP/SIGCONT, which Windows lacks' };
    try {
      lambdaAssetDir();
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
    return {
      ok: true,
      detail: `process per environment, node ${process.version} runtime client, freeze ${this.opts.freeze ? 'SIGSTOP' : 'off'}`,
    };
  }

  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<OwnDeployment<LambdaDeployment>> {
    const data: LambdaDeployment = { spec: deploymentSpec(workload, variant, this.opts) };
    return { runtime: this.id, workload, variant, data };
  }

  async start(d: OwnDeployment<LambdaDeployment>): Promise<StartResult<LambdaInstance>> {
    const { spec } = d.data;
    const fn = new LambdaFunction(spec, {
      concurrency: this.opts.concurrency,
      idleTimeoutMs: this.opts.idleTimeoutMs,
      whenThrottled: this.opts.whenThrottled,
    });
    const t0 = process.hrtime.bigint();
    let front: FunctionUrlServer | null = null;
    try {
      front = await startFunctionUrl(fn, spec.timeoutMs ?? 30_000);
      const t1 = process.hrtime.bigint();
      const env = await fn.addEnvironment();
      const data: LambdaInstanceData = { fn, front, agent: new http.Agent({ keepAlive: true, maxSockets: 64 }) };
      const instance: LambdaInstance = {
        id: `lambda-${spec.functionName}-${++this.seq}`,
        deployment: d,
        url: front.url,
        data,
      };
      this.live.add(instance);
      return { instance, phases: [{ phase: 'url_listen', ns: Number(t1 - t0) }, ...env.phases] };
    } catch (e) {
      await fn.close();
      await front?.close();
      throw e;
    }
  }

  invoke(i: LambdaInstance, r: FunctionRequest): Promise<InvokeResult> {
    const { front, agent } = i.data;
    return httpInvoke(front.url, r, agent, (i.deployment.data.spec.timeoutMs ?? 30_000) + 5_000);
  }

  async stop(i: LambdaInstance): Promise<void> {
    if (!this.live.delete(i)) return;
    const { fn, front, agent } = i.data;
    agent.destroy();
    await front.close();
    await fn.close();
  }

  async usage(i: LambdaInstance): Promise<MemoryUsage> {
    const { rssBytes, pssBytes, environments } = i.data.fn.usage();
    return environments > 0 ? { rssBytes, pssBytes } : {};
  }

  /** The instance's function (its environments, for tests and the bench script). */
  functionOf(i: LambdaInstance): LambdaFunction {
    return i.data.fn;
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.live].map((i) => this.stop(i)));
  }

  async describeVersions(): Promise<Record<string, string>> {
    return {
      lambdaRuntimeApi: '2018-06-01',
      lambdaNode: process.version,
      lambdaFreeze: String(this.opts.freeze),
      lambdaConcurrency: String(this.opts.concurrency ?? 10),
      lambdaWhenThrottled: this.opts.whenThrottled ?? 'queue',
      lambdaNodeClient: this.opts.nodeClient ?? 'faasbench',
    };
  }
}

export function lambdaAdapter(opts?: LambdaAdapterOptions): LambdaAdapter {
  return new LambdaAdapter(opts);
}
