// Workload manifests: what a workload is, its variants, its sample requests and
// the response each must get. The manifest is what holds the variants together:
// a sample only counts once its response matches the expectation here.

import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { checkRegularFile, FileRefused, notADirectory, readRegularFile, type ReadLimits } from './safe-read.js';
import { parseOutboundHost } from './outbound-host.js';

export const VARIANT_KINDS = ['wasm', 'native', 'node', 'component', 'component-c'] as const;
export type VariantKind = (typeof VARIANT_KINDS)[number];
/**
 * The variants that are wasi:http components (WASI 0.2), served by a component host:
 * `component` (the node handler through componentize-js) and `component-c` (the C
 * source through a WAGI bridge, scripts/build-c-components.ts).
 */
export const COMPONENT_KINDS: readonly VariantKind[] = ['component', 'component-c'];
export function isComponentVariant(kind: VariantKind): boolean {
  return COMPONENT_KINDS.includes(kind);
}
export const REQUEST_SIZES = ['test', 'small', 'large'] as const;
export type RequestSize = (typeof REQUEST_SIZES)[number];

const sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits');

/** A file inside the workload folder: relative, no '..' segment (a manifest cannot reach out of its folder). */
const localPath = z
  .string()
  .min(1)
  .refine((p) => !isAbsolute(p) && !p.split(/[\\/]/).includes('..'), {
    message: 'must be a path inside the workload folder (relative, no "..")',
  });

const ArtifactVariant = z
  .object({
    /** Built file, relative to the workload folder (committed, so users need no toolchain). */
    artifact: localPath,
    sha256: sha256Hex,
    /** C source it is built from, relative to the workload folder. */
    source: localPath.optional(),
  })
  .strict();

const OutboundHosts = z
  .array(
    z.string().superRefine((v, ctx) => {
      try {
        parseOutboundHost(v);
      } catch (e) {
        ctx.addIssue({ code: z.ZodIssueCode.custom, message: (e as Error).message });
      }
    }),
  )
  .max(64)
  .refine((a) => new Set(a.map((h) => h.toLowerCase())).size === a.length, { message: 'lists a host twice' });

/**
 * A wasi:http component (WASI 0.2), built from `source` by scripts/build-components.ts.
 * A JS component is ~13 MB and componentize-js's snapshot differs from build to build,
 * so the artifact is not committed and its bytes cannot be pinned: the manifest pins
 * the bundled source (`bundleSha256`, deterministic), and the builder writes beside the
 * artifact a `<artifact>.json` record { sha256, bundleSha256 }. A workload whose
 * component is not built, or was built from another source, lacks the variant
 * (`unbuilt` says why); an artifact whose bytes differ from its record is refused.
 */
const ComponentVariant = z
  .object({
    artifact: localPath,
    source: localPath.optional(),
    bundleSha256: sha256Hex.optional(),
    /** Pinned bytes instead (a component brought as is, e.g. `run --component`): checked like the other artifacts. */
    sha256: sha256Hex.optional(),
    /**
     * Outbound HTTP (wasi:http/outgoing-handler) is denied unless the request's authority
     * is one of these HOST:PORT entries, e.g. ["127.0.0.1:8080"] (the reference runtime
     * then performs it: runtimes/wasm/component/outbound.ts). Absent or empty: all denied.
     */
    allowedOutboundHosts: OutboundHosts.optional(),
  })
  .strict()
  .refine((v) => (v.bundleSha256 === undefined) !== (v.sha256 === undefined), {
    message: 'give either bundleSha256 (built by scripts/build-components.ts) or sha256 (pinned bytes)',
  });

const NodeVariant = z
  .object({
    /** ES module exporting `default async function handle(request) → response`. */
    module: localPath,
  })
  .strict();

const RequestSpec = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, 'lower-case letters, digits, - and _'),
    size: z.enum(REQUEST_SIZES).default('test'),
    method: z
      .string()
      .regex(/^[A-Z]+$/)
      .default('GET'),
    path: z.string().startsWith('/').default('/'),
    query: z.string().default(''),
    headers: z.record(z.string()).default({}),
    /** Exactly one body source at most: text, base64, or a file in the workload folder. */
    body: z.string().optional(),
    bodyBase64: z.string().optional(),
    bodyFile: localPath.optional(),
    expect: z
      .object({
        status: z.number().int().min(100).max(599),
        /** Subset match, names compared lower-cased. */
        headers: z.record(z.string()).default({}),
        body: z.string().optional(),
        bodyBase64: z.string().optional(),
        bodySha256: sha256Hex.optional(),
      })
      .strict()
      .refine((e) => [e.body, e.bodyBase64, e.bodySha256].filter((x) => x !== undefined).length <= 1, {
        message: 'give at most one of body, bodyBase64, bodySha256',
      }),
  })
  .strict()
  .refine((r) => [r.body, r.bodyBase64, r.bodyFile].filter((x) => x !== undefined).length <= 1, {
    message: 'give at most one of body, bodyBase64, bodyFile',
  });

export const ManifestSchema = z
  .object({
    $schema: z.string().optional(),
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/),
    description: z.string().min(1),
    variants: z
      .object({
        wasm: ArtifactVariant.optional(),
        native: ArtifactVariant.optional(),
        node: NodeVariant.optional(),
        component: ComponentVariant.optional(),
        /**
         * The C source as a wasi:http component: built deterministically (clang, wit-bindgen's
         * C bindings, jco's preview1 reactor adapter) by scripts/build-c-components.ts, so
         * committed and pinned like the wasm and native artifacts.
         */
        'component-c': ArtifactVariant.optional(),
      })
      .strict()
      .refine((v) => Object.keys(v).length > 0, { message: 'declare at least one variant' }),
    /** What the wasm variant's instances get of a filesystem: a private in-memory directory per request. */
    wasi: z
      .object({
        scratch: z
          .string()
          .regex(/^\/[^\0]*$/, 'an absolute guest path such as /tmp')
          .optional(),
      })
      .strict()
      .optional(),
    requests: z.array(RequestSpec).min(1),
  })
  .strict();

export type Manifest = z.infer<typeof ManifestSchema>;
export type RequestSpec = z.infer<typeof RequestSpec>;

export interface SampleRequest {
  name: string;
  size: RequestSize;
  method: string;
  path: string;
  query: string;
  headers: Record<string, string>;
  body: Uint8Array;
  expect: RequestSpec['expect'];
}

export interface LoadedWorkload {
  name: string;
  description: string;
  dir: string;
  manifest: Manifest;
  requests: SampleRequest[];
  /** Absolute path of each available variant's artifact or module. */
  variantPaths: Partial<Record<VariantKind, string>>;
  /** Declared variants whose artifact is not built here (only `component`), with the reason. */
  unbuilt?: Partial<Record<VariantKind, string>>;
}

export class WorkloadError extends Error {
  override name = 'WorkloadError';
}

/**
 * Size caps on what a workload folder makes us read (safe-read.ts: each file is
 * also confined to the folder, symlinks resolved, and must be a regular file). The
 * built-in workloads' largest manifest is ~10 KiB, input ~250 KiB, artifact ~730 KiB:
 * the caps leave ample room for real workloads and stop /dev/zero-like files early.
 */
export const MANIFEST_MAX_BYTES = 2 ** 20;
export const BODY_FILE_MAX_BYTES = 64 * 2 ** 20;
/** wasm and native artifacts and the node module. */
export const ARTIFACT_MAX_BYTES = 256 * 2 ** 20;

const inFolder = (dir: string, maxBytes: number): ReadLimits => ({
  inside: dir,
  insideName: 'the workload folder',
  maxBytes,
});

/** Runs a safe-read call, turning its refusal into a WorkloadError that names the file and what it is. */
function guarded<T>(what: string, fn: () => T, hint = ''): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof FileRefused) throw new WorkloadError(`${what} ${e.message}${e.reason === 'missing' ? hint : ''}`);
    throw e;
  }
}

/** The repository's own workloads folder (works from src via tsx and from dist). */
export function builtinWorkloadsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'workloads')) && existsSync(join(dir, 'package.json'))) return join(dir, 'workloads');
    dir = dirname(dir);
  }
  throw new WorkloadError('cannot find the faasbench workloads folder');
}

export function listWorkloadDirs(root = builtinWorkloadsDir()): string[] {
  return readdirSync(root)
    .filter((n) => existsSync(join(root, n, 'workload.json')))
    .sort()
    .map((n) => join(root, n));
}

function lexists(p: string): boolean {
  try {
    lstatSync(p);
    return true;
  } catch {
    return false;
  }
}

function formatZodError(file: string, err: z.ZodError): string {
  return err.issues.map((i) => `${file}: ${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('\n');
}

export function parseManifest(json: unknown, file = 'workload.json'): Manifest {
  const r = ManifestSchema.safeParse(json);
  if (!r.success) throw new WorkloadError(formatZodError(file, r.error));
  return r.data;
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Loads and validates a workload folder. Variants whose files are missing or whose
 * SHA-256 differs from the manifest are refused by name: a stale artifact would
 * make a comparison silently unfair.
 */
export function loadWorkload(dir: string): LoadedWorkload {
  const abs = resolve(dir);
  const file = join(abs, 'workload.json');
  const text = guarded(file, () => readRegularFile(file, inFolder(abs, MANIFEST_MAX_BYTES)).bytes.toString('utf8'));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new WorkloadError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  const manifest = parseManifest(json, file);
  const variantPaths: Partial<Record<VariantKind, string>> = {};
  for (const kind of ['wasm', 'native', 'component-c'] as const) {
    const v = manifest.variants[kind];
    if (!v) continue;
    const p = join(abs, v.artifact);
    const what = `${manifest.name}: ${kind} variant artifact ${p}`;
    const { bytes, realPath } = guarded(
      what,
      () => readRegularFile(p, inFolder(abs, ARTIFACT_MAX_BYTES)),
      kind === 'component-c' ? ' (run scripts/build-c-components.ts)' : ' (run scripts/build-workloads)',
    );
    const actual = sha256(bytes);
    if (actual !== v.sha256) {
      throw new WorkloadError(
        `${manifest.name}: ${kind} artifact ${p} has SHA-256 ${actual}, manifest says ${v.sha256}`,
      );
    }
    // The runtimes read the artifact again by this path: the checked real one, with no symlink left to swap.
    variantPaths[kind] = realPath;
    // The source is only read to rebuild; if it is there, it too must be a file inside the folder.
    if (v.source !== undefined)
      checkIfPresent(`${manifest.name}: ${kind} variant source ${join(abs, v.source)}`, join(abs, v.source), abs);
  }
  const unbuilt: Partial<Record<VariantKind, string>> = {};
  if (manifest.variants.component) {
    const v = manifest.variants.component;
    const p = join(abs, v.artifact);
    const rebuild = `(npx tsx scripts/build-components.ts ${manifest.name})`;
    const record = v.sha256 ? { sha256: v.sha256, bundleSha256: undefined } : readComponentRecord(`${p}.json`, abs);
    if (v.sha256) {
      const { bytes, realPath } = guarded(`${manifest.name}: component variant artifact ${p}`, () =>
        readRegularFile(p, inFolder(abs, ARTIFACT_MAX_BYTES)),
      );
      const actual = sha256(bytes);
      if (actual !== v.sha256)
        throw new WorkloadError(
          `${manifest.name}: component artifact ${p} has SHA-256 ${actual}, manifest says ${v.sha256}`,
        );
      variantPaths.component = realPath;
    } else if (!existsSync(p) || !record) {
      unbuilt.component = `${manifest.name}: component variant ${p} is not built ${rebuild}`;
    } else if (record.bundleSha256 !== v.bundleSha256) {
      unbuilt.component = `${manifest.name}: component variant ${p} was built from another version of ${v.source} ${rebuild}`;
    } else {
      const { bytes, realPath } = guarded(`${manifest.name}: component variant artifact ${p}`, () =>
        readRegularFile(p, inFolder(abs, ARTIFACT_MAX_BYTES)),
      );
      const actual = sha256(bytes);
      if (actual !== record.sha256)
        throw new WorkloadError(
          `${manifest.name}: component artifact ${p} has SHA-256 ${actual}, its build record says ${record.sha256}`,
        );
      variantPaths.component = realPath;
    }
  }
  if (manifest.variants.node) {
    const p = join(abs, manifest.variants.node.module);
    variantPaths.node = guarded(`${manifest.name}: node variant module ${p}`, () =>
      checkRegularFile(p, inFolder(abs, ARTIFACT_MAX_BYTES)),
    );
  }
  const requests = manifest.requests.map((r): SampleRequest => ({
    name: r.name,
    size: r.size,
    method: r.method,
    path: r.path,
    query: r.query,
    headers: Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k.toLowerCase(), v])),
    body: requestBody(abs, r),
    expect: r.expect,
  }));
  return {
    name: manifest.name,
    description: manifest.description,
    dir: abs,
    manifest,
    requests,
    variantPaths,
    ...(Object.keys(unbuilt).length ? { unbuilt } : {}),
  };
}

/** The builder's record beside a component artifact, or null when absent or unreadable. */
function readComponentRecord(path: string, dir: string): { sha256: string; bundleSha256: string } | null {
  if (!existsSync(path)) return null;
  try {
    const r = JSON.parse(readRegularFile(path, inFolder(dir, MANIFEST_MAX_BYTES)).bytes.toString('utf8')) as {
      sha256?: unknown;
      bundleSha256?: unknown;
    };
    return typeof r.sha256 === 'string' && typeof r.bundleSha256 === 'string'
      ? { sha256: r.sha256, bundleSha256: r.bundleSha256 }
      : null;
  } catch {
    return null;
  }
}

function checkIfPresent(what: string, p: string, dir: string): void {
  try {
    lstatSync(p);
  } catch {
    return;
  }
  guarded(what, () => checkRegularFile(p, inFolder(dir, ARTIFACT_MAX_BYTES)));
}

function requestBody(dir: string, r: RequestSpec): Uint8Array {
  if (r.body !== undefined) return Buffer.from(r.body, 'utf8');
  if (r.bodyBase64 !== undefined) return Buffer.from(r.bodyBase64, 'base64');
  if (r.bodyFile !== undefined) {
    const p = join(dir, r.bodyFile);
    return guarded(`${r.name}: bodyFile ${p}`, () => readRegularFile(p, inFolder(dir, BODY_FILE_MAX_BYTES)).bytes);
  }
  return new Uint8Array(0);
}

/** Resolves --workload values: a built-in name or a path to a workload folder. */
export function resolveWorkloads(names: string[] | undefined): LoadedWorkload[] {
  if (!names || names.length === 0 || names.includes('all')) return listWorkloadDirs().map(loadWorkload);
  const builtin = builtinWorkloadsDir();
  return names.map((n) => {
    if (/^[a-z0-9][a-z0-9_-]*$/.test(n) && existsSync(join(builtin, n, 'workload.json')))
      return loadWorkload(join(builtin, n));
    // lstat: a workload.json that is a FIFO, device or dangling symlink still counts as there, and loadWorkload says what it is.
    if (lexists(join(n, 'workload.json'))) return loadWorkload(n);
    const what = notADirectory(n);
    if (what === null) throw new WorkloadError(`--workload ${n}: a folder without a workload.json`);
    if (!what.startsWith('is missing'))
      throw new WorkloadError(`--workload ${n}: ${what.replace(/not a directory$/, 'not a workload folder')}`);
    const known = listWorkloadDirs()
      .map((d) => d.split('/').pop())
      .join(', ');
    throw new WorkloadError(`unknown workload '${n}' (built-in: ${known}; or give a folder with a workload.json)`);
  });
}
