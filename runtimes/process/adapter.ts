// Plain host processes: the baseline that separates a container's cost from the
// language runtime's. An instance is a server process on 127.0.0.1:
//   node:   node runtimes/shared/node-function-server.mjs <handler> (the same server
//           the node container runs);
//   native: by default busybox httpd serving the static CGI binary (the same server
//           and CGI route as the native container, so the difference is the container);
//           with nativeMode 'cgi', no server at all: every request spawns the binary
//           once (runtimes/process/cgi.ts), so start() is empty and the first
//           request carries the whole process cold start.
// start = spawn → port accepting connections (phases spawn, ready).

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LoadedWorkload, VariantKind } from '../../model/workload.js';
import { nodeFunctionServerPath } from '../shared/assets.js';
import { BUSYBOX_CANDIDATES, NATIVE_CGI_PREFIX } from '../shared/busybox.js';
import { cgiHttpInvoke, httpInvoke } from '../shared/http.js';
import { freePort, waitForPort } from '../shared/net.js';
import { commandLine, listPids, parentPid, processMemory } from '../shared/procfs.js';
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
import { runCgiProcess } from './cgi.js';

export type NativeMode = 'httpd' | 'cgi';

export interface ProcessAdapterOptions {
  id?: string;
  /** How the native variant runs (default httpd; `run --process-native`). */
  nativeMode?: NativeMode;
  /** spawn → port open must happen within this (default 20 s). */
  startDeadlineMs?: number;
}

/** The user's settings of this runtime (flags of `faasbench run`, resolved in harness/options.ts). */
export type ProcessConfig = Pick<ProcessAdapterOptions, 'nativeMode'>;

export const PROCESS_DEFAULTS: Required<ProcessConfig> = { nativeMode: 'httpd' };

interface ProcessDeployment {
  command: string;
  args: (port: number) => string[];
  env: (port: number) => Record<string, string>;
  pathPrefix: string;
  /** For nativeMode 'cgi': the binary run once per request. */
  cgiBinary?: string;
  cleanup?: () => void;
}

interface ProcessInstanceData {
  child: ChildProcess | null;
  port: number;
  agent: http.Agent;
  pathPrefix: string;
  cgiBinary?: string;
}

type ProcessInstance = OwnInstance<ProcessInstanceData, ProcessDeployment>;

export class ProcessStartError extends Error {
  override name = 'ProcessStartError';
}

const HTTPD_DIR_PREFIX = 'faasbench-httpd-';

/**
 * busybox httpd servers left by a faasbench that died without cleaning up (kill -9):
 * orphans (parent 1) serving one of our private folders. Node servers end themselves
 * when orphaned; httpd cannot, so the next start ends them.
 */
export function sweepOrphanedHttpd(): number[] {
  const killed: number[] = [];
  for (const pid of listPids()) {
    try {
      const args = commandLine(pid);
      if (!args?.[0]?.endsWith('busybox') || args[1] !== 'httpd') continue;
      const home = args[args.indexOf('-h') + 1] ?? '';
      if (!home.includes(`/${HTTPD_DIR_PREFIX}`)) continue;
      if (parentPid(pid) !== 1) continue;
      process.kill(pid, 'SIGKILL');
      killed.push(pid);
      rmSync(home, { recursive: true, force: true });
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return killed;
}

export class ProcessAdapter implements RuntimeAdapter<ProcessDeployment, ProcessInstanceData> {
  readonly id: string;
  readonly description: string;
  private readonly nativeMode: NativeMode;
  private readonly deadlineMs: number;
  private readonly live = new Set<ProcessInstance>();
  private readonly deployments: ProcessDeployment[] = [];
  private swept = false;
  private readonly exitHook = () => {
    for (const i of this.live) i.data.child?.kill('SIGKILL');
  };

  constructor(opts: ProcessAdapterOptions = {}) {
    this.id = opts.id ?? 'process';
    // Arrives resolved (flag > FAASBENCH_PROCESS_NATIVE) from the CLI; nothing here reads the environment.
    this.nativeMode = opts.nativeMode ?? PROCESS_DEFAULTS.nativeMode;
    this.deadlineMs = opts.startDeadlineMs ?? 20_000;
    this.description = `plain host processes: node-function-server for node, ${this.nativeMode === 'httpd' ? 'busybox httpd + CGI' : 'one CGI process per request'} for native`;
    process.once('exit', this.exitHook);
  }

  capabilities(): Capabilities {
    return {
      variants: ['node', 'native'],
      modes: ['cold', 'warm', 'throughput', 'density'],
      freshInstancePerRequest: false,
    };
  }

  async available(): Promise<Availability> {
    if (!this.swept) {
      this.swept = true;
      sweepOrphanedHttpd();
    }
    const busybox = BUSYBOX_CANDIDATES.find((p) => existsSync(p));
    if (this.nativeMode === 'httpd' && !busybox)
      return { ok: true, detail: 'node only: busybox is missing for native (apt-get install busybox-static)' };
    return {
      ok: true,
      detail: `node ${process.version}${this.nativeMode === 'httpd' ? `, ${busybox} httpd` : ', CGI per request'}`,
    };
  }

  async describeVersions(): Promise<Record<string, string>> {
    return { node: process.version, native: this.nativeMode };
  }

  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<OwnDeployment<ProcessDeployment>> {
    const path = workload.variantPaths[variant];
    if (!path || (variant !== 'node' && variant !== 'native'))
      throw new Error(`${this.id} runs node and native variants; ${workload.name} has no ${variant}`);
    let data: ProcessDeployment;
    if (variant === 'node') {
      const server = nodeFunctionServerPath();
      data = {
        command: process.execPath,
        args: () => [server, path],
        env: (port) => ({ PORT: String(port), HOST: '127.0.0.1' }),
        pathPrefix: '',
      };
    } else if (this.nativeMode === 'cgi') {
      data = { command: '', args: () => [], env: () => ({}), pathPrefix: '', cgiBinary: path };
    } else {
      const busybox = BUSYBOX_CANDIDATES.find((p) => existsSync(p));
      if (!busybox) throw new Error('busybox is not installed (apt-get install busybox-static)');
      // busybox httpd serves CGI only under <home>/cgi-bin/: a private folder with a link to the binary.
      const www = mkdtempSync(join(tmpdir(), HTTPD_DIR_PREFIX));
      mkdirSync(join(www, 'cgi-bin'));
      symlinkSync(path, join(www, 'cgi-bin', 'fn'));
      data = {
        command: busybox,
        args: (port) => ['httpd', '-f', '-p', `127.0.0.1:${port}`, '-h', www],
        env: () => ({}),
        pathPrefix: NATIVE_CGI_PREFIX,
        cleanup: () => rmSync(www, { recursive: true, force: true }),
      };
    }
    this.deployments.push(data);
    return { runtime: this.id, workload, variant, data };
  }

  async start(d: OwnDeployment<ProcessDeployment>): Promise<StartResult<ProcessInstance>> {
    const dep = d.data;
    const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
    if (dep.cgiBinary) {
      const instance: ProcessInstance = {
        id: `${this.id}-cgi`,
        deployment: d,
        data: { child: null, port: 0, agent, pathPrefix: '', cgiBinary: dep.cgiBinary },
      };
      this.live.add(instance);
      return { instance, phases: [] };
    }
    const port = await freePort();
    const t0 = process.hrtime.bigint();
    const child = spawn(dep.command, dep.args(port), { env: dep.env(port), stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (b: Buffer) => {
      if (stderr.length < 4096) stderr += b.toString('utf8');
    });
    const spawned = new Promise<bigint>((resolve, reject) => {
      child.once('spawn', () => resolve(process.hrtime.bigint()));
      child.once('error', (e) => reject(new ProcessStartError(`${dep.command}: ${e.message}`)));
    });
    const stopWaiting = new AbortController();
    const exited = new Promise<never>((_, reject) => {
      child.once('exit', (code, signal) =>
        reject(
          new ProcessStartError(
            `process exited at start with ${signal ? `signal ${signal}` : `code ${code}`} before opening port ${port}${stderr.trim() ? `; stderr: ${stderr.trim().split('\n').slice(-10).join('\n')}` : ''}`,
          ),
        ),
      );
    });
    exited.catch(() => {});
    const deadline = AbortSignal.timeout(this.deadlineMs);
    try {
      const t1 = await Promise.race([spawned, exited]);
      const ready = waitForPort(port, AbortSignal.any([deadline, stopWaiting.signal])).catch((e: Error) => {
        if (deadline.aborted)
          throw new ProcessStartError(`process did not open port ${port} within ${this.deadlineMs} ms`);
        throw e;
      });
      ready.catch(() => {});
      await Promise.race([ready, exited]);
      const t2 = process.hrtime.bigint();
      const data: ProcessInstanceData = { child, port, agent, pathPrefix: dep.pathPrefix };
      const instance: ProcessInstance = {
        id: `${this.id}-${child.pid}`,
        deployment: d,
        url: `http://127.0.0.1:${port}`,
        data,
        ...(dep.pathPrefix ? { pathPrefix: dep.pathPrefix, lenientHttp: true } : {}),
      };
      this.live.add(instance);
      return {
        instance,
        phases: [
          { phase: 'spawn', ns: Number(t1 - t0) },
          { phase: 'ready', ns: Number(t2 - t1) },
        ],
      };
    } catch (e) {
      child.kill('SIGKILL');
      agent.destroy();
      throw e;
    } finally {
      stopWaiting.abort();
    }
  }

  async invoke(i: ProcessInstance, r: FunctionRequest): Promise<InvokeResult> {
    const data = i.data;
    if (data.cgiBinary) {
      const res = await runCgiProcess(data.cgiBinary, r);
      return {
        response: { status: res.status, headers: res.headers, body: res.body },
        totalNs: res.totalNs,
        phases: [{ phase: 'spawn', ns: res.spawnNs }],
      };
    }
    if (data.pathPrefix)
      return cgiHttpInvoke(i.url!, { ...r, path: data.pathPrefix + (r.path === '/' ? '' : r.path) }, data.agent);
    return httpInvoke(i.url!, r, data.agent);
  }

  async stop(i: ProcessInstance): Promise<void> {
    const { child, agent } = i.data;
    agent.destroy();
    this.live.delete(i);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async usage(i: ProcessInstance): Promise<MemoryUsage> {
    const { child } = i.data;
    return child?.pid ? processMemory(child.pid) : {};
  }

  async dispose(): Promise<void> {
    await Promise.all([...this.live].map((i) => this.stop(i)));
    for (const d of this.deployments.splice(0)) d.cleanup?.();
    process.off('exit', this.exitHook);
  }
}

export function processAdapter(opts: ProcessAdapterOptions = {}): ProcessAdapter {
  return new ProcessAdapter(opts);
}
