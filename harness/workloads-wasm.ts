// Bring your own .wasm: a bare WAGI module (--wasm) or a wasi:http component
// (--component) with no manifest becomes a synthetic workload with one request, GET /. With nothing to compare against, the check is
// that the function answers it with a status below 500: a probe through the
// reference runtime finds the status, and every sample must then give that status
// again (a deterministic function does).

import { basename, dirname, resolve } from 'node:path';
import type { RuntimeAdapter } from '../runtimes/types.js';
import { FileRefused, readRegularFile } from '../model/safe-read.js';
import {
  ARTIFACT_MAX_BYTES,
  parseManifest,
  sha256,
  WorkloadError,
  type LoadedWorkload,
  type SampleRequest,
} from '../model/workload.js';

/**
 * The bytes of a --wasm file: a regular file (not a FIFO, directory or device, which
 * would hang or never end) of at most ARTIFACT_MAX_BYTES. Anywhere on the host: the
 * user named it. Returns its real path too, which the runtime then reads.
 */
export type WasmFileKind = 'wasm' | 'component';

function readWasmArg(file: string, kind: WasmFileKind = 'wasm'): { bytes: Buffer; realPath: string } {
  try {
    return readRegularFile(file, { maxBytes: ARTIFACT_MAX_BYTES });
  } catch (e) {
    if (e instanceof FileRefused)
      throw new WorkloadError(`--${kind} ${file}: ${e.reason === 'missing' ? 'no such file' : e.message}`);
    throw e;
  }
}

/** What a --component file may do beyond answering: its outbound HTTP allow-list (run --allow-outbound). */
export interface WasmFileOptions {
  allowedOutboundHosts?: string[];
}

/** The synthetic workload for `file`, expecting `status` (pure; the probe is below). */
export function wasmFileWorkload(
  file: string,
  status: number,
  kind: WasmFileKind = 'wasm',
  opts: WasmFileOptions = {},
): LoadedWorkload {
  const abs = resolve(file);
  const { bytes, realPath } = readWasmArg(abs, kind);
  const stem =
    basename(abs)
      .replace(/\.wasm$/i, '')
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '-')
      .replace(/^[^a-z0-9]+/, '') || 'wasm';
  const name = `${kind}-${stem}`;
  const what =
    kind === 'wasm' ? 'a bare WAGI module given with --wasm' : 'a wasi:http component given with --component';
  const manifest = parseManifest(
    {
      name,
      description: `${abs} (${what}; checked only for a status below 500)`,
      variants: {
        [kind]: {
          artifact: basename(abs),
          sha256: sha256(bytes),
          ...(kind === 'component' && opts.allowedOutboundHosts?.length
            ? { allowedOutboundHosts: opts.allowedOutboundHosts }
            : {}),
        },
      },
      requests: [{ name: 'get', size: 'test', method: 'GET', path: '/', expect: { status } }],
    },
    `--${kind} ${file}`,
  );
  const r = manifest.requests[0]!;
  const request: SampleRequest = {
    name: r.name,
    size: r.size,
    method: r.method,
    path: r.path,
    query: r.query,
    headers: {},
    body: new Uint8Array(),
    expect: r.expect,
  };
  return {
    name,
    description: manifest.description,
    dir: dirname(abs),
    manifest,
    requests: [request],
    variantPaths: { [kind]: realPath },
  };
}

/**
 * Loads a bare .wasm file as a workload: checks it is a file, then sends GET / once
 * through `adapter` (the reference runtime, with its deadlines) and refuses the file
 * unless it answers with a status below 500.
 */
export async function loadWasmFile(
  file: string,
  adapter?: RuntimeAdapter,
  kind: WasmFileKind = 'wasm',
  opts: WasmFileOptions = {},
): Promise<LoadedWorkload> {
  readWasmArg(file, kind);
  const probe = wasmFileWorkload(file, 200, kind, opts);
  const own = adapter === undefined;
  const a: RuntimeAdapter = adapter ?? (await import('../runtimes/wasm/adapter.js')).referenceWasmAdapter();
  try {
    let deployment;
    try {
      deployment = await a.prepare(probe, kind);
    } catch (e) {
      throw new WorkloadError(`--${kind} ${file}: ${(e as Error).message}`);
    }
    const { instance } = await a.start(deployment);
    try {
      const { response } = await a.invoke(instance, {
        method: 'GET',
        path: '/',
        query: '',
        headers: {},
        body: new Uint8Array(),
      });
      if (response.status >= 500) {
        const preview = JSON.stringify(Buffer.from(response.body.subarray(0, 200)).toString('utf8'));
        throw new WorkloadError(
          `--${kind} ${file}: GET / answered ${response.status} (${preview}); a --${kind} function must answer GET / with a status below 500`,
        );
      }
      return wasmFileWorkload(file, response.status, kind, opts);
    } finally {
      await a.stop(instance);
    }
  } finally {
    if (own) await a.dispose();
  }
}
