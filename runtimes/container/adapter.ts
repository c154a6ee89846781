// Containers on a real Docker engine, through dockerode. A cold start is
// create → start → the port accepting connections (phases create, start, ready);
// the harness then times the first response. Containers are hardened by default
// (no capabilities, no-new-privileges, read-only root with a tmpfs /tmp, memory
// and pids limits, an unprivileged user), use the host network bound to
// 127.0.0.1 on a free port each, and carry faasbench labels so that whatever a
// crash leaves behind is removed at the next start (or by `faasbench clean`).

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { LoadedWorkload, VariantKind } from '../../model/workload.js';
import { cgiHttpInvoke, httpInvoke } from '../shared/http.js';
import { freePort, waitForPort } from '../shared/net.js';
import { cgroupFolderMemory } from '../shared/procfs.js';
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
import { LABEL, LABEL_PID, LABEL_RUN, connectEngine, engineStatus, removeContainers, type Engine } from './engine.js';
import { ImageBuilder, type ImageSpec } from './images.js';

export interface ContainerAdapterOptions {
  id?: string;
  /** Engine socket (default: see engine.ts). */
  socketPath?: string;
  /** Memory limit per container (default 256 MiB; swap off). */
  memoryBytes?: number;
  /** Process/thread limit per container (default 128). */
  pidsLimit?: number;
  /** create → port open must happen within this (default 30 s). */
  startDeadlineMs?: number;
  /** Run as this user (default 65534:65534, nobody). */
  user?: string;
  /** An existing local image serving HTTP on $PORT instead of built ones (`run --container-image`). */
  image?: string;
  /** The workload variant that image stands in for (default node; `run --container-image-variant`). */
  imageVariant?: VariantKind;
  /** Label value for faasbench.run (default: derived from the pid and time). */
  runId?: string;
}

/** The user's settings of this runtime (flags of `faasbench run`, resolved in harness/options.ts); unset: built images. */
export type ContainerConfig = Pick<ContainerAdapterOptions, 'image' | 'imageVariant'>;

export interface ContainerDeployment {
  image: ImageSpec;
}

export interface ContainerInstanceData {
  containerId: string;
  port: number;
  agent: http.Agent;
  pathPrefix: string;
}

type ContainerInstance = OwnInstance<ContainerInstanceData, ContainerDeployment>;

export class ContainerStartError extends Error {
  override name = 'ContainerStartError';
}

const DEFAULTS = { memoryBytes: 256 * 2 ** 20, pidsLimit: 128, startDeadlineMs: 30_000, user: '65534:65534' };

/** The container's cgroup memory (v1 under memory/docker/, v2 under systemd's or docker's slice), or null when none is found. */
function cgroupMemory(containerId: string): MemoryUsage | null {
  for (const dir of [
    `/sys/fs/cgroup/memory/docker/${containerId}`,
    `/sys/fs/cgroup/system.slice/docker-${containerId}.scope`,
    `/sys/fs/cgroup/docker/${containerId}`,
  ]) {
    const memory = cgroupFolderMemory(dir);
    if (memory) return memory;
  }
  return null;
}

export class ContainerAdapter implements RuntimeAdapter<ContainerDeployment, ContainerInstanceData> {
  readonly id: string;
  readonly description =
    'containers on the local Docker engine (dockerode): images built offline FROM scratch, hardened, host network on 127.0.0.1';
  readonly engine: Engine;
  readonly runId: string;
  private readonly builder: ImageBuilder;
  private readonly opts: typeof DEFAULTS & ContainerAdapterOptions;
  private readonly live = new Map<string, ContainerInstance>();
  private readonly usedPorts = new Set<number>();
  private swept = false;
  private exitHook: (() => void) | null = null;
  private seq = 0;

  constructor(opts: ContainerAdapterOptions = {}) {
    // image/imageVariant arrive resolved (flag > FAASBENCH_CONTAINER_IMAGE* ) from the CLI; nothing here reads the environment.
    const { image, imageVariant } = opts;
    this.opts = { ...DEFAULTS, ...opts, ...(image ? { image } : {}), ...(imageVariant ? { imageVariant } : {}) };
    this.id = opts.id ?? 'container';
    this.engine = connectEngine(opts.socketPath ? { socketPath: opts.socketPath } : {});
    this.builder = new ImageBuilder(this.engine);
    this.runId = opts.runId ?? `${process.pid}-${Date.now().toString(36)}`;
  }

  capabilities(): Capabilities {
    const variants: VariantKind[] = this.opts.image ? [this.opts.imageVariant ?? 'node'] : ['node', 'native', 'wasm'];
    return { variants, modes: ['cold', 'warm', 'throughput', 'density'], freshInstancePerRequest: false };
  }

  async available(): Promise<Availability> {
    const s = await engineStatus(this.engine);
    if (s.availability.ok && !this.swept) {
      this.swept = true;
      // Containers of faasbench processes that no longer exist: a crash or kill -9 earlier.
      const stale = (await removeContainers(this.engine, { stale: true }).catch(() => null))?.removed ?? [];
      if (stale.length > 0)
        return { ok: true, detail: `${s.availability.detail}; removed ${stale.length} stale container(s)` };
    }
    return s.availability;
  }

  async describeVersions(): Promise<Record<string, string>> {
    const s = await engineStatus(this.engine);
    return {
      engine: s.version ?? 'unknown',
      api: s.apiVersion ?? 'unknown',
      hardening: `cap-drop ALL, no-new-privileges, read-only rootfs + tmpfs /tmp, memory ${this.opts.memoryBytes}, pids ${this.opts.pidsLimit}, user ${this.opts.user}`,
      network: 'host, 127.0.0.1',
      ...(this.opts.image ? { image: this.opts.image } : {}),
    };
  }

  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<OwnDeployment<ContainerDeployment>> {
    const image = this.opts.image
      ? await this.builder.userImage(this.opts.image)
      : await this.builder.forVariant(workload, variant);
    const data: ContainerDeployment = { image };
    return { runtime: this.id, workload, variant, data };
  }

  private async pickPort(): Promise<number> {
    for (let i = 0; i < 20; i++) {
      const p = await freePort();
      if (!this.usedPorts.has(p)) return p;
    }
    throw new ContainerStartError('could not find a free port on 127.0.0.1');
  }

  async start(d: OwnDeployment<ContainerDeployment>): Promise<StartResult<ContainerInstance>> {
    const { image } = d.data;
    const port = await this.pickPort();
    this.usedPorts.add(port);
    const deadline = AbortSignal.timeout(this.opts.startDeadlineMs);
    const t0 = process.hrtime.bigint();
    let containerId: string | null = null;
    try {
      const container = await this.engine.docker.createContainer({
        name: `faasbench-${d.workload.name}-${d.variant}-${this.runId}-${++this.seq}`,
        Image: image.tag,
        Cmd: image.cmd(port),
        Env: image.env(port),
        User: this.opts.user,
        Labels: {
          [LABEL]: '1',
          [LABEL_RUN]: this.runId,
          [LABEL_PID]: String(process.pid),
          'faasbench.workload': d.workload.name,
          'faasbench.variant': d.variant,
        },
        NetworkDisabled: false,
        HostConfig: {
          NetworkMode: 'host',
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          ReadonlyRootfs: true,
          Tmpfs: { '/tmp': 'rw,noexec,nosuid,size=64m' },
          Memory: this.opts.memoryBytes,
          MemorySwap: this.opts.memoryBytes,
          PidsLimit: this.opts.pidsLimit,
        },
      });
      containerId = container.id;
      this.track(containerId);
      const t1 = process.hrtime.bigint();
      await container.start();
      const t2 = process.hrtime.bigint();
      const stopWaiting = new AbortController();
      const exited = container.wait({ abortSignal: stopWaiting.signal }).then(
        async (r: { StatusCode?: number }) => {
          const logs = await this.logTail(containerId!);
          throw new ContainerStartError(
            `container exited at start with code ${r.StatusCode ?? '?'} before opening port ${port}${logs ? `; last output:\n${logs}` : ''}`,
          );
        },
        (e: Error) => {
          if (stopWaiting.signal.aborted) return new Promise<never>(() => {}); // we stopped waiting: ready won
          throw e;
        },
      );
      const portDeadline = AbortSignal.any([deadline, stopWaiting.signal]);
      const ready = waitForPort(port, portDeadline).catch((e: Error) => {
        if (deadline.aborted)
          throw new ContainerStartError(`container did not open port ${port} within ${this.opts.startDeadlineMs} ms`);
        throw e;
      });
      // Whichever loses the race settles later with nobody listening.
      ready.catch(() => {});
      exited.catch(() => {});
      try {
        await Promise.race([ready, exited]);
      } finally {
        stopWaiting.abort();
      }
      const t3 = process.hrtime.bigint();
      const data: ContainerInstanceData = {
        containerId,
        port,
        agent: new http.Agent({ keepAlive: true, maxSockets: 64 }),
        pathPrefix: image.pathPrefix,
      };
      const instance: ContainerInstance = {
        id: containerId.slice(0, 12),
        deployment: d,
        url: `http://127.0.0.1:${port}`,
        data,
        ...(image.pathPrefix ? { pathPrefix: image.pathPrefix, lenientHttp: true } : {}),
      };
      this.live.set(containerId, instance);
      return {
        instance,
        phases: [
          { phase: 'create', ns: Number(t1 - t0) },
          { phase: 'start', ns: Number(t2 - t1) },
          { phase: 'ready', ns: Number(t3 - t2) },
        ],
      };
    } catch (e) {
      this.usedPorts.delete(port);
      if (containerId) await this.removeContainer(containerId);
      throw e;
    }
  }

  private async logTail(containerId: string): Promise<string> {
    try {
      const buf = (await this.engine.docker
        .getContainer(containerId)
        .logs({ stdout: true, stderr: true, tail: 10 })) as unknown as Buffer;
      // Multiplexed stream: 8-byte frame headers before each chunk.
      const parts: string[] = [];
      for (let i = 0; i + 8 <= buf.length;) {
        const len = buf.readUInt32BE(i + 4);
        parts.push(buf.subarray(i + 8, i + 8 + len).toString('utf8'));
        i += 8 + len;
      }
      return parts.join('').trim().split('\n').slice(-10).join('\n');
    } catch {
      return '';
    }
  }

  invoke(i: ContainerInstance, r: FunctionRequest): Promise<InvokeResult> {
    const { agent, pathPrefix } = i.data;
    if (!pathPrefix) return httpInvoke(i.url!, r, agent);
    // busybox httpd: the CGI route; PATH_INFO is then '' for '/' (busybox cannot express '/').
    return cgiHttpInvoke(i.url!, { ...r, path: pathPrefix + (r.path === '/' ? '' : r.path) }, agent);
  }

  async stop(i: ContainerInstance): Promise<void> {
    const { containerId, agent, port } = i.data;
    agent.destroy();
    this.live.delete(containerId);
    this.usedPorts.delete(port);
    await this.removeContainer(containerId);
  }

  async usage(i: ContainerInstance): Promise<MemoryUsage> {
    const { containerId } = i.data;
    const fromCgroup = cgroupMemory(containerId);
    if (fromCgroup) return fromCgroup;
    const s = (await this.engine.docker
      .getContainer(containerId)
      .stats({ stream: false, 'one-shot': true } as { stream: false })) as { memory_stats?: { usage?: number } };
    return s.memory_stats?.usage !== undefined ? { cgroupBytes: s.memory_stats.usage } : {};
  }

  private tracked = new Set<string>();

  /** Remembers a container so a synchronous exit hook can remove it if dispose never runs. */
  private track(containerId: string): void {
    this.tracked.add(containerId);
    if (!this.exitHook) {
      this.exitHook = () => {
        if (this.tracked.size === 0 || !existsSync('/usr/bin/docker')) return;
        spawnSync('/usr/bin/docker', ['-H', `unix://${this.engine.socketPath}`, 'rm', '-f', ...this.tracked], {
          stdio: 'ignore',
          timeout: 10_000,
        });
      };
      process.once('exit', this.exitHook);
    }
  }

  private async removeContainer(containerId: string): Promise<void> {
    try {
      await this.engine.docker.getContainer(containerId).remove({ force: true });
    } catch (e) {
      const code = (e as { statusCode?: number }).statusCode;
      if (code !== 404 && code !== 409) throw e;
    } finally {
      this.tracked.delete(containerId);
    }
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.live.values()].map((i) => this.stop(i).catch(() => {})));
    // Anything of this run left over (a start that failed halfway).
    await removeContainers(this.engine, { runId: this.runId }).catch(() => {});
    this.tracked.clear();
    if (this.exitHook) process.off('exit', this.exitHook);
    this.exitHook = null;
  }
}

export function containerAdapter(opts: ContainerAdapterOptions = {}): ContainerAdapter {
  return new ContainerAdapter(opts);
}
