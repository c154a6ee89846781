// The offline image builder. No registry is reachable, so every image is built
// FROM scratch out of files on this machine, and tagged with a hash of everything
// that goes into it: an unchanged workload is never rebuilt, a changed one always is.
//
//   node:   host node binary + the libraries ldd lists (base image, shared) +
//           node-function-server.mjs + the workload's node/ folder
//   native: busybox-static httpd + the static CGI binary at /www/cgi-bin/fn
//   wasm:   the node base + faasbench's reference runtime (compiled dist/ JS) + the .wasm
//   user:   an existing local image that serves HTTP on $PORT (not built, only checked)

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import type { LoadedWorkload, VariantKind } from '../../model/workload.js';
import { nodeFunctionServerPath, packageRoot } from '../shared/assets.js';
import { BUSYBOX_CANDIDATES, NATIVE_CGI_PREFIX } from '../shared/busybox.js';
import { LABEL, type Engine } from './engine.js';
import { tarArchive, type TarFile } from './tar.js';

export const NODE_PATH_IN_IMAGE = '/usr/bin/node';

export interface ImageSpec {
  tag: string;
  kind: VariantKind | 'user';
  /** Was it built just now (false: it existed already, a cache hit). */
  built: boolean;
  buildMs: number;
  /** Command arguments that tell the server its port (after the image's entrypoint). */
  cmd(port: number): string[];
  /** Environment that tells the server its port. */
  env(port: number): string[];
  /** Prefix to put before a request path (the native variant's CGI route), '' otherwise. */
  pathPrefix: string;
}

export class ImageBuildError extends Error {
  override name = 'ImageBuildError';
}

interface ImageRecipe {
  repo: string;
  dockerfile: string;
  files: TarFile[];
}

function fileEntry(hostPath: string, imagePath: string, mode?: number): TarFile {
  const data = readFileSync(hostPath);
  const m = mode ?? (statSync(hostPath).mode & 0o111 ? 0o755 : 0o644);
  return { path: `rootfs/${imagePath.replace(/^\/+/, '')}`, mode: m, data };
}

function dirEntries(hostDir: string, imageDir: string): TarFile[] {
  const out: TarFile[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile())
        out.push(fileEntry(p, join(imageDir, relative(hostDir, p)), st.mode & 0o111 ? 0o755 : 0o644));
    }
  };
  walk(hostDir);
  return out;
}

/** Content hash over the Dockerfile and every file's path, mode and bytes. */
export function recipeHash(r: Pick<ImageRecipe, 'dockerfile' | 'files'>): string {
  const h = createHash('sha256').update(r.dockerfile).update('\0');
  for (const f of [...r.files].sort((a, b) => (a.path < b.path ? -1 : 1))) {
    h.update(f.path)
      .update('\0')
      .update(String(f.mode))
      .update('\0')
      .update(createHash('sha256').update(f.data).digest('hex'))
      .update('\n');
  }
  return h.digest('hex').slice(0, 16);
}

/** The shared libraries `ldd` lists for a binary (absolute paths; vdso left out). */
export function lddLibraries(binary: string): string[] {
  let out: string;
  try {
    out = execFileSync('ldd', [binary], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const msg = String((e as { stdout?: string }).stdout ?? '') + String((e as { stderr?: string }).stderr ?? '');
    if (/not a dynamic executable|statically linked/.test(msg)) return [];
    throw new ImageBuildError(`ldd ${binary} failed: ${(e as Error).message}`);
  }
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /=>\s+(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
    if (m?.[1]) libs.push(m[1]);
    else if (/not found/.test(line)) throw new ImageBuildError(`ldd ${binary}: ${line.trim()}`);
  }
  return [...new Set(libs)];
}

function dockerfile(from: string, kind: string, extra: string[]): string {
  return [`FROM ${from}`, 'COPY rootfs/ /', `LABEL ${LABEL}=1 faasbench.kind=${kind}`, ...extra, ''].join('\n');
}

const NODE_BASE_CACHE = new Map<string, Promise<string>>();

export class ImageBuilder {
  private readonly inflight = new Map<string, Promise<{ built: boolean; ms: number }>>();

  constructor(private readonly engine: Engine) {}

  /** Builds a recipe unless an image with its content tag exists. */
  async ensure(recipe: ImageRecipe): Promise<{ tag: string; built: boolean; ms: number }> {
    const tag = `${recipe.repo}:${recipeHash(recipe)}`;
    let p = this.inflight.get(tag);
    if (!p) {
      p = this.buildIfMissing(tag, recipe);
      this.inflight.set(tag, p);
      p.catch(() => this.inflight.delete(tag));
    }
    const r = await p;
    return { tag, ...r };
  }

  async exists(tag: string): Promise<boolean> {
    try {
      await this.engine.docker.getImage(tag).inspect();
      return true;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return false;
      throw e;
    }
  }

  private async buildIfMissing(tag: string, recipe: ImageRecipe): Promise<{ built: boolean; ms: number }> {
    const t0 = performance.now();
    if (await this.exists(tag)) return { built: false, ms: performance.now() - t0 };
    const context = tarArchive([
      ...recipe.files,
      { path: 'Dockerfile', mode: 0o644, data: Buffer.from(recipe.dockerfile) },
    ]);
    const stream = await this.engine.docker.buildImage(Readable.from([context]), { t: tag, rm: true, forcerm: true });
    const log: string[] = [];
    let error: string | null = null;
    await new Promise<void>((resolve, reject) => {
      this.engine.docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (ev: { stream?: string; error?: string; errorDetail?: { message?: string } }) => {
          if (ev.stream) log.push(...ev.stream.split('\n').filter((l) => l.trim()));
          if (ev.error) error = ev.errorDetail?.message ?? ev.error;
        },
      );
    }).catch((e: Error) => {
      error ??= e.message;
    });
    if (error)
      throw new ImageBuildError(
        `building image ${tag} failed: ${error}\nlast lines of the build log:\n${log.slice(-10).join('\n')}`,
      );
    return { built: true, ms: performance.now() - t0 };
  }

  /** FROM scratch + the host's node binary + its libraries. Shared by node and wasm images. */
  nodeBase(): Promise<string> {
    // Hashing ~100 MB of node takes a while: once per process for an unchanged binary.
    const node = realpathSync(process.execPath);
    const st = statSync(node);
    const key = `${this.engine.socketPath}|${node}|${st.size}|${st.mtimeMs}|${st.ino}`;
    let p = NODE_BASE_CACHE.get(key);
    if (!p) {
      p = this.buildNodeBase();
      NODE_BASE_CACHE.set(key, p);
      p.catch(() => NODE_BASE_CACHE.delete(key));
    }
    // The image may have been removed since (faasbench clean): check it is still there.
    return p.then(async (tag) => {
      if (await this.exists(tag)) return tag;
      NODE_BASE_CACHE.delete(key);
      return this.buildNodeBase();
    });
  }

  private async buildNodeBase(): Promise<string> {
    const node = realpathSync(process.execPath);
    const files = [
      fileEntry(node, NODE_PATH_IN_IMAGE, 0o755),
      ...lddLibraries(node).map((l) => fileEntry(realpathSync(l), l, 0o755)),
    ];
    return (
      await this.ensure({ repo: 'faasbench/node-base', dockerfile: dockerfile('scratch', 'node-base', []), files })
    ).tag;
  }

  async forVariant(workload: LoadedWorkload, variant: VariantKind): Promise<ImageSpec> {
    const t0 = performance.now();
    const path = workload.variantPaths[variant];
    if (!path) throw new ImageBuildError(`${workload.name} has no ${variant} variant`);
    const repo = `faasbench/${workload.name}-${variant}`;
    const portEnv = (port: number) => [`PORT=${port}`, 'HOST=127.0.0.1'];
    let r: { tag: string; built: boolean };
    if (variant === 'node') {
      const base = await this.nodeBase();
      const files = [
        fileEntry(nodeFunctionServerPath(), '/app/node-function-server.mjs', 0o644),
        ...dirEntries(dirname(path), '/app/fn'),
      ];
      const entry = JSON.stringify([NODE_PATH_IN_IMAGE, '/app/node-function-server.mjs', `/app/fn/${basename(path)}`]);
      r = await this.ensure({ repo, dockerfile: dockerfile(base, 'node', [`ENTRYPOINT ${entry}`]), files });
      return this.spec(r, 'node', t0, () => [], portEnv, '');
    }
    if (variant === 'native') {
      const busybox = BUSYBOX_CANDIDATES.find((p) => existsSync(p));
      if (!busybox) throw new ImageBuildError('busybox is not installed (apt-get install busybox-static)');
      if (lddLibraries(realpathSync(busybox)).length > 0)
        throw new ImageBuildError(`${busybox} is not statically linked (install busybox-static)`);
      if (lddLibraries(path).length > 0)
        throw new ImageBuildError(`${path} is not statically linked (the native variant is built with gcc -static)`);
      const files = [
        fileEntry(realpathSync(busybox), '/bin/busybox', 0o755),
        fileEntry(path, '/www/cgi-bin/fn', 0o755),
      ];
      r = await this.ensure({
        repo,
        dockerfile: dockerfile('scratch', 'native', ['ENTRYPOINT ["/bin/busybox", "httpd", "-f", "-h", "/www"]']),
        files,
      });
      return this.spec(
        r,
        'native',
        t0,
        (port) => ['-p', `127.0.0.1:${port}`],
        () => [],
        NATIVE_CGI_PREFIX,
      );
    }
    // wasm: the reference runtime's compiled JS, from dist/.
    const base = await this.nodeBase();
    const dist = join(packageRoot(), 'dist', 'runtimes');
    const entryJs = join(dist, 'container', 'wasm-entry.js');
    if (!existsSync(entryJs))
      throw new ImageBuildError(
        `${entryJs} is missing: the wasm container image needs the compiled runtime (run npm run build)`,
      );
    const js = (d: string) => dirEntries(join(dist, d), `/app/runtimes/${d}`).filter((f) => f.path.endsWith('.js'));
    const files = [
      { path: 'rootfs/app/package.json', mode: 0o644, data: Buffer.from('{"type":"module"}\n') },
      fileEntry(join(dist, 'types.js'), '/app/runtimes/types.js', 0o644),
      ...js('shared'),
      ...js('wasm'),
      fileEntry(entryJs, '/app/runtimes/container/wasm-entry.js', 0o644),
      fileEntry(path, '/app/fn.wasm', 0o644),
    ];
    const entry = JSON.stringify([
      NODE_PATH_IN_IMAGE,
      '/app/runtimes/container/wasm-entry.js',
      '/app/fn.wasm',
      workload.name,
    ]);
    r = await this.ensure({ repo, dockerfile: dockerfile(base, 'wasm', [`ENTRYPOINT ${entry}`]), files });
    return this.spec(r, 'wasm', t0, () => [], portEnv, '');
  }

  /** An existing local image that serves HTTP on $PORT (bound to $HOST). */
  async userImage(tag: string): Promise<ImageSpec> {
    if (!(await this.exists(tag)))
      throw new ImageBuildError(`image ${tag} is not present locally (no registry is used: build or load it first)`);
    return this.spec(
      { tag, built: false },
      'user',
      performance.now(),
      () => [],
      (port) => [`PORT=${port}`, 'HOST=127.0.0.1'],
      '',
    );
  }

  private spec(
    r: { tag: string; built: boolean },
    kind: ImageSpec['kind'],
    t0: number,
    cmd: ImageSpec['cmd'],
    env: ImageSpec['env'],
    pathPrefix: string,
  ): ImageSpec {
    return { tag: r.tag, kind, built: r.built, buildMs: performance.now() - t0, cmd, env, pathPrefix };
  }
}
