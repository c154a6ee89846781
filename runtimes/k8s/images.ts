// Getting a variant's image where the cluster's nodes can run it. Three ways:
//
//   nothing given      the image is named faasbench/<workload>-<variant>:<12 hex of the
//                      artifact's SHA-256> and must already be on the nodes (kwok's
//                      simulated nodes pull nothing, so the tests need nothing more).
//   --k8s-image-load   a command template run once per image, e.g.
//                      'kind load docker-image {image}' or 'k3s ctr images import …':
//                      faasbench builds the image in the local Docker engine (the
//                      container runtime's offline builder), then runs the template with
//                      {image} replaced by its tag; pods use that tag (IfNotPresent).
//   --k8s-image-registry REG
//                      faasbench builds the image, then `docker tag` + `docker push` it
//                      as REG/<tag>; pods pull REG/<tag>.
//
// Container variants (node, native, wasm) are the images the container runtime already
// builds (runtimes/container/images.ts). A component variant becomes a Spin application
// image for SpinKube's containerd-shim-spin: FROM scratch with /spin.toml and /fn.wasm
// (the shim also runs images built this way, not only `spin registry push` artifacts).
//
// The docker CLI does the push, not dockerode: the CLI reads the user's registry login
// (docker login, credential helpers), which dockerode would need us to re-implement.
// The template is split into words by shell-quote (no shell runs it: $VARS are expanded
// from the environment, operators such as | or ; are refused), so an image name can
// never be read as shell syntax.

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse } from 'shell-quote';
import type { LoadedWorkload, VariantKind } from '../../model/workload.js';
import { isComponent } from './kinds.js';

/** The user's choice of how images reach the cluster (harness/options.ts: --k8s-image-registry, --k8s-image-load). */
export interface ImageDelivery {
  registry?: string;
  loadTemplate?: string;
}

export const IMAGE_PLACEHOLDER = '{image}';

/** A DNS-1035 label: lower-case alphanumerics and '-', starting with a letter, ≤ `max` characters. */
export function dnsName(s: string, max = 50): string {
  const v = s
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^[^a-z]+/, '')
    .slice(0, max)
    .replace(/-+$/, '');
  return v === '' ? 'fn' : v;
}

/** The image name of a variant when faasbench builds nothing (see the file comment). */
export function imageFor(workload: LoadedWorkload, variant: VariantKind): string {
  const path = workload.variantPaths[variant];
  if (!path) throw new Error(`${workload.name} has no ${variant} variant here`);
  const sha = createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 12);
  return `faasbench/${dnsName(workload.name)}-${variant}:${sha}`;
}

/** A template's words, checked: it must name {image} and hold no shell operator. Throws one sentence. */
export function parseLoadTemplate(template: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const words = parse(template, env as Record<string, string | undefined>);
  const argv: string[] = [];
  for (const w of words) {
    if (typeof w !== 'string') {
      const what = 'op' in w ? (w.op === 'glob' ? `a glob (${w.pattern})` : `'${w.op}'`) : 'a comment';
      throw new Error(
        `--k8s-image-load: ${what} is shell syntax; the template is one command (put pipelines in a script)`,
      );
    }
    argv.push(w);
  }
  if (argv.length === 0) throw new Error('--k8s-image-load: the template is empty');
  if (!argv.some((a) => a.includes(IMAGE_PLACEHOLDER)))
    throw new Error(
      `--k8s-image-load: the template must contain ${IMAGE_PLACEHOLDER}, e.g. 'kind load docker-image {image}'`,
    );
  return argv;
}

/** The command that loads `image`: the template's words with {image} replaced. */
export function loadCommand(template: string, image: string, env: NodeJS.ProcessEnv = process.env): string[] {
  return parseLoadTemplate(template, env).map((a) => a.split(IMAGE_PLACEHOLDER).join(image));
}

/** REG/<local tag>. The registry may carry a path (host:port/team); a trailing '/' is dropped. */
export function remoteName(local: string, registry: string): string {
  const reg = registry.replace(/\/+$/, '');
  if (reg === '' || /\s/.test(reg) || /^[a-z]+:\/\//i.test(reg))
    throw new Error(`--k8s-image-registry '${registry}': give host[:port][/path], without a scheme`);
  return `${reg}/${local}`;
}

/** The docker commands that push `local` as REG/`local`. */
export function pushCommands(local: string, registry: string): { remote: string; commands: string[][] } {
  const remote = remoteName(local, registry);
  return {
    remote,
    commands: [
      ['docker', 'tag', local, remote],
      ['docker', 'push', remote],
    ],
  };
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** Runs argv (no shell); rejects with one sentence naming the command, its exit and the end of its output. */
export function runCommand(argv: string[], o: RunOptions = {}): Promise<void> {
  const [file, ...args] = argv;
  if (!file) return Promise.reject(new Error('no command'));
  const shown = argv.join(' ');
  const timeoutMs = o.timeoutMs ?? 600_000;
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { env: o.env ?? process.env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        if (!err) return resolve();
        const e = err as NodeJS.ErrnoException & { code?: string | number; killed?: boolean; signal?: string };
        const tail = `${stderr}\n${stdout}`
          .split('\n')
          .map((l) => l.trim())
          .filter((l) => l !== '')
          .slice(-3)
          .join(' | ');
        let why: string;
        if (e.code === 'ENOENT') why = `${file} is not installed (not found on PATH)`;
        else if (e.killed || e.signal) why = `killed after ${timeoutMs} ms`;
        else why = `exit ${String(e.code)}`;
        reject(new Error(`${shown}: ${why}${tail ? `: ${tail}` : ''}`, { cause: err }));
      },
    );
  });
}

/** A local image faasbench has built: its tag, and the engine socket it is in. */
export interface LocalImage {
  tag: string;
  /** The Docker engine's socket, for the docker CLI (DOCKER_HOST). */
  socketPath: string;
}

export type BuildImage = (workload: LoadedWorkload, variant: VariantKind) => Promise<LocalImage>;

/**
 * The Spin manifest of a one-component app serving every path. Its outbound allow-list
 * (the manifest's allowedOutboundHosts, HOST:PORT) becomes Spin's allowed_outbound_hosts
 * (which names a scheme: http://HOST:PORT), so the app may reach under SpinKube what it
 * may reach under the reference runtime, and nothing more (Spin denies the rest too).
 */
export function spinToml(app: string, allowedOutboundHosts: readonly string[] = []): string {
  const allowed = allowedOutboundHosts.length
    ? [`allowed_outbound_hosts = [${allowedOutboundHosts.map((h) => JSON.stringify(`http://${h}`)).join(', ')}]`]
    : [];
  return [
    'spin_manifest_version = 2',
    '',
    '[application]',
    `name = "${dnsName(app)}"`,
    'version = "0.1.0"',
    '',
    '[[trigger.http]]',
    'route = "/..."',
    'component = "fn"',
    '',
    '[component.fn]',
    'source = "fn.wasm"',
    ...allowed,
    '',
  ].join('\n');
}

/** Builds a variant's image in the local Docker engine: the container runtime's images, a Spin image for components. */
export const buildInDocker: BuildImage = async (workload, variant) => {
  // Loaded on first use: dockerode is not needed to name images (and harness/options.ts imports this file).
  const { connectEngine } = await import('../container/engine.js');
  const { ImageBuilder } = await import('../container/images.js');
  const engine = connectEngine();
  const builder = new ImageBuilder(engine);
  if (!isComponent(variant))
    return { tag: (await builder.forVariant(workload, variant)).tag, socketPath: engine.socketPath };
  const path = workload.variantPaths[variant];
  if (!path) throw new Error(`${workload.name} has no ${variant} variant here`);
  const r = await builder.ensure({
    repo: `faasbench/${dnsName(workload.name)}-${variant}`,
    dockerfile: 'FROM scratch\nCOPY rootfs/ /\nLABEL faasbench=1 faasbench.kind=spin\n',
    files: [
      {
        path: 'rootfs/spin.toml',
        mode: 0o644,
        data: Buffer.from(
          spinToml(
            workload.name,
            variant === 'component' ? (workload.manifest.variants.component?.allowedOutboundHosts ?? []) : [],
          ),
        ),
      },
      { path: 'rootfs/fn.wasm', mode: 0o644, data: readFileSync(path) },
    ],
  });
  return { tag: r.tag, socketPath: engine.socketPath };
};

/**
 * Resolves each variant's image once: the plain name when no delivery is asked for, else
 * build + load or build + push (see the file comment). Failures name the step and the command.
 */
export class ImageDeliverer {
  private readonly done = new Map<string, Promise<string>>();

  constructor(
    private readonly delivery: ImageDelivery,
    private readonly build: BuildImage = buildInDocker,
    private readonly run: (argv: string[], o?: RunOptions) => Promise<void> = runCommand,
  ) {
    // Refuse a bad template or registry before anything is built.
    if (delivery.loadTemplate !== undefined) parseLoadTemplate(delivery.loadTemplate);
    if (delivery.registry !== undefined) remoteName('x', delivery.registry);
  }

  /** Builds nothing: the images must be on the nodes already. */
  get passive(): boolean {
    return this.delivery.registry === undefined && this.delivery.loadTemplate === undefined;
  }

  image(workload: LoadedWorkload, variant: VariantKind): Promise<string> {
    if (this.passive) return Promise.resolve(imageFor(workload, variant));
    const key = `${workload.dir}\0${variant}`;
    let p = this.done.get(key);
    if (!p) {
      p = this.deliver(workload, variant);
      this.done.set(key, p);
      p.catch(() => this.done.delete(key));
    }
    return p;
  }

  private async deliver(workload: LoadedWorkload, variant: VariantKind): Promise<string> {
    let local: LocalImage;
    try {
      local = await this.build(workload, variant);
    } catch (e) {
      throw new Error(`building the ${variant} image of ${workload.name}: ${(e as Error).message}`, { cause: e });
    }
    const env = { ...process.env, DOCKER_HOST: `unix://${local.socketPath}` };
    let image = local.tag;
    if (this.delivery.loadTemplate !== undefined) {
      const argv = loadCommand(this.delivery.loadTemplate, local.tag);
      try {
        await this.run(argv, { env });
      } catch (e) {
        throw new Error(`loading image ${local.tag} into the cluster (--k8s-image-load): ${(e as Error).message}`, {
          cause: e,
        });
      }
    }
    if (this.delivery.registry !== undefined) {
      const { remote, commands } = pushCommands(local.tag, this.delivery.registry);
      for (const argv of commands) {
        try {
          await this.run(argv, { env });
        } catch (e) {
          throw new Error(
            `pushing image ${local.tag} to ${this.delivery.registry} (--k8s-image-registry; docker login first?): ${(e as Error).message}`,
            { cause: e },
          );
        }
      }
      image = remote;
    }
    return image;
  }
}
