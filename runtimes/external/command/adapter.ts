// The generic `command` runtime: any platform a user has (Spin, WasmEdge, a custom
// server) measured beside the others, described by a spec file (spec.ts) naming the
// command that serves one deployment on {host}:{port}, how to tell it is ready, and
// which variants it takes.
//
// An instance = a private folder ({dir}, with the spec's files written into it) + the
// server process, owned and labelled like every external runtime's
// (runtimes/external/supervise.ts: stopped on stop/dispose/Ctrl-C, swept after a
// killed harness). start() = spawn → ready (phases spawn, ready); requests go through
// runtimes/shared/http.ts like every HTTP runtime's, and the harness checks each
// response against the workload's manifest. Usage = the server process's memory
// (its children are not added: a platform that forks per request has none idle).

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { LoadedWorkload, VariantKind } from '../../../model/workload.js';
import { httpInvoke } from '../../shared/http.js';
import type {
  Availability,
  Capabilities,
  OwnDeployment,
  FunctionRequest,
  OwnInstance,
  InvokeResult,
  MemoryUsage,
  RuntimeAdapter,
  StartResult,
} from '../../types.js';
import { frontLaunch } from '../cgi/launch.js';
import { ServedApps, type ServedProcess } from '../served-apps.js';
import { freePort, startServer, sweepOrphanedServers, type Readiness } from '../supervise.js';
import { requireTool } from '../tools.js';
import { CGI_FRONT_ARG, expand, readCommandSpec, type CommandSpec, type Placeholder } from './spec.js';

/** The user's settings of this runtime (flags of `faasbench run`, resolved in harness/options.ts). */
export interface CommandConfig {
  /** The spec file (`run --command-spec FILE`). */
  specFile?: string;
  /** A spec already parsed (the duet gate's `--baseline-command`/`--command`: one per side); wins over specFile. */
  spec?: CommandSpec;
}

export interface CommandAdapterOptions {
  /** A parsed spec (tests, scripts), instead of a file. */
  spec?: CommandSpec;
  specFile?: string;
  /** Per-request client timeout in ms (default 30 000). */
  requestTimeoutMs?: number;
}

type CommandInstanceData = ServedProcess & { dir: string };

function readiness(spec: CommandSpec): Readiness {
  const r = spec.ready;
  return 'port' in r
    ? { kind: 'port' }
    : 'http' in r
      ? { kind: 'http', path: r.http }
      : { kind: 'log', pattern: r.log };
}

type CommandDeployment = { module: string };
type CommandInstance = OwnInstance<CommandInstanceData, CommandDeployment>;

export class CommandAdapter implements RuntimeAdapter<CommandDeployment, CommandInstanceData> {
  readonly id: string;
  readonly description: string;
  private readonly spec: CommandSpec | null;
  private readonly specError: string | null;
  private readonly timeoutMs: number;
  private readonly apps = new ServedApps<CommandInstance>();
  private swept = false;

  constructor(opts: CommandAdapterOptions = {}) {
    let spec: CommandSpec | null = opts.spec ?? null;
    let error: string | null = null;
    if (!spec && opts.specFile) {
      try {
        spec = readCommandSpec(opts.specFile);
      } catch (e) {
        error = (e as Error).message;
      }
    } else if (!spec)
      error =
        'no command spec given (run --command-spec FILE, or FAASBENCH_COMMAND_SPEC; see the README, "The command runtime")';
    this.spec = spec;
    this.specError = error;
    this.id = spec?.id ?? 'command';
    this.description =
      spec?.description ??
      (spec ? `command: ${spec.command.join(' ')}` : 'a platform served by a command named in a spec file');
    this.timeoutMs = opts.requestTimeoutMs ?? 30_000;
  }

  capabilities(): Capabilities {
    return {
      variants: this.spec?.variants ?? ['wasm'],
      modes: ['cold', 'warm', 'throughput', 'density'],
      freshInstancePerRequest: this.spec?.freshInstancePerRequest ?? false,
    };
  }

  private value(p: Placeholder, ctx: Partial<Record<Placeholder, string>>): string {
    const v = ctx[p];
    if (v !== undefined) return v;
    if (p === 'node') return process.execPath;
    if (p === 'wasmtime' || p === 'wazero') return requireTool(p).path;
    throw new Error(`{${p}} has no value here`);
  }

  private versionText(): string | null {
    if (!this.spec?.version) return null;
    const [cmd, ...args] = this.spec.version.map((a) => expand(a, (p) => this.value(p, { host: '127.0.0.1' })));
    try {
      return (
        execFileSync(cmd!, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] })
          .trim()
          .split('\n')[0] ?? ''
      );
    } catch (e) {
      throw new Error(`${this.spec.version.join(' ')} failed: ${(e as Error).message.split('\n')[0]}`, { cause: e });
    }
  }

  async available(): Promise<Availability> {
    if (!this.swept) {
      this.swept = true;
      sweepOrphanedServers();
    }
    if (!this.spec) return { ok: false, reason: this.specError! };
    try {
      const version = this.versionText();
      return { ok: true, detail: `${version ?? 'version not given'}; ${this.spec.command.join(' ')}` };
    } catch (e) {
      return { ok: false, reason: (e as Error).message };
    }
  }

  async describeVersions(): Promise<Record<string, string>> {
    if (!this.spec) return {};
    let version: string;
    try {
      version = this.versionText() ?? '';
    } catch (e) {
      version = `unknown (${(e as Error).message})`;
    }
    return {
      command: JSON.stringify(this.spec.command),
      ready: JSON.stringify(this.spec.ready),
      ...(version ? { version } : {}),
    };
  }

  async prepare(workload: LoadedWorkload, variant: VariantKind): Promise<OwnDeployment<CommandDeployment>> {
    if (!this.spec) throw new Error(this.specError!);
    const path = workload.variantPaths[variant];
    if (!this.spec.variants.includes(variant))
      throw new Error(
        `${this.id} takes ${this.spec.variants.join(', ')} variants (its spec's "variants"), not ${variant}`,
      );
    if (!path) throw new Error(`${workload.name} has no ${variant} variant`);
    return { runtime: this.id, workload, variant, data: { module: path } };
  }

  async start(d: OwnDeployment<CommandDeployment>): Promise<StartResult<CommandInstance>> {
    const spec = this.spec!;
    const { module } = d.data;
    const dir = mkdtempSync(join(tmpdir(), `faasbench-command-${spec.id}-`));
    try {
      const port = await freePort();
      const ctx: Partial<Record<Placeholder, string>> = {
        host: '127.0.0.1',
        port: String(port),
        module,
        dir,
        workload: d.workload.name,
        variant: d.variant,
      };
      const sub = (text: string): string => expand(text, (p) => this.value(p, ctx));
      for (const [name, content] of Object.entries(spec.files)) {
        const file = join(dir, name);
        mkdirSync(dirname(file), { recursive: true });
        writeFileSync(file, sub(content));
      }
      const argv = spec.command.flatMap((a) => {
        if (a !== CGI_FRONT_ARG) return [sub(a)];
        const f = frontLaunch();
        return [f.command, ...f.prefix];
      });
      const env = Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, sub(v)]));
      const { server, phases } = await startServer({
        command: argv[0]!,
        args: argv.slice(1),
        env,
        cwd: dir,
        port,
        ready: readiness(spec),
        startDeadlineMs: spec.startTimeoutMs,
      });
      const data: CommandInstanceData = { server, dir, agent: new http.Agent({ keepAlive: true, maxSockets: 64 }) };
      const instance: CommandInstance = {
        id: `${this.id}-${server.pid}`,
        deployment: d,
        url: `http://127.0.0.1:${port}`,
        data,
      };
      this.apps.add(instance);
      return { instance, phases };
    } catch (e) {
      rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  invoke(i: CommandInstance, r: FunctionRequest): Promise<InvokeResult> {
    return httpInvoke(i.url!, r, i.data.agent, this.timeoutMs);
  }

  stop(i: CommandInstance): Promise<void> {
    return this.apps.stop(i);
  }

  async usage(i: CommandInstance): Promise<MemoryUsage> {
    return this.apps.usage(i);
  }

  dispose(): Promise<void> {
    return this.apps.stopAll();
  }
}

export function commandAdapter(opts: CommandAdapterOptions = {}): CommandAdapter {
  return new CommandAdapter(opts);
}
