// Bring your own .wasm: a bare WAGI module with no manifest becomes a synthetic
// workload with one request, GET /. With nothing to compare against, the check is
// that the function answers it with a status below 500: a probe through the
// reference runtime finds the status, and every sample must then give that status
// again (a deterministic function does).

import { basename, dirname, resolve } from 'node:path';
import type { RuntimeAdapter } from '../runtimes/types.js';
import { FileRefused, readRegularFile } from '../model/safe-read.js';
import { ARTIFACT_MAX_BYTES, parseManifest, sha256, WorkloadError, type LoadedWorkload, type SampleRequest } from '../model/workload.js';

/**
 * The bytes of a --wasm file: a regular file (not a FIFO, directory or device, which
 * would hang or never end) of at most ARTIFACT_MAX_BYTES. Anywhere on the host: the
 * user named it. Returns its real path too, which the runtime then reads.
 */
function readWasmArg(file: string): { bytes: Buffer; realPath: string } {
  try {
    return readRegularFile(file, { maxBytes: ARTIFACT_MAX_BYTES });
  } catch (e) {
    if (e instanceof FileRefused) throw new WorkloadError(`--wasm ${file}: ${e.reason === 'missing' ? 'no such file' : e.message}`);
    throw e;
  }
}

/** The synthetic workload for `file`, expecting `status` (pure; the probe is below). */
export function wasmFileWorkload(file: string, status: number): LoadedWorkload {
  const abs = resolve(file);
  const { bytes, realPath } = readWasmArg(abs);
  const stem = basename(abs).replace(/\.wasm$/i, '').toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^[^a-z0-9]+/, '') || 'wasm';
  const name = `wasm-${stem}`;
  const manifest = parseManifest(
    {
      name,
      description: `${abs} (a bare WAGI module given with --wasm; checked only for a status below 500)`,
      variants: { wasm: { artifact: basename(abs), sha256: sha256(bytes) } },
      requests: [{ name: 'get', size: 'test', method: 'GET', path: '/', expect: { status } }],
    },
    `--wasm ${file}`,
  );
  const r = manifest.requests[0]!;
  const request: SampleRequest = { name: r.name, size: r.size, method: r.method, path: r.path, query: r.query, headers: {}, body: new Uint8Array(), expect: r.expect };
  return { name, description: manifest.description, dir: dirname(abs), manifest, requests: [request], variantPaths: { wasm: realPath } };
}

/**
 * Loads a bare .wasm file as a workload: checks it is a file, then sends GET / once
 * through `adapter` (the reference runtime, with its deadlines) and refuses the file
 * unless it answers with a status below 500.
 */
export async function loadWasmFile(file: string, adapter?: RuntimeAdapter): Promise<LoadedWorkload> {
  readWasmArg(file);
  const probe = wasmFileWorkload(file, 200);
  const own = adapter === undefined;
  const a: RuntimeAdapter = adapter ?? (await import('../runtimes/wasm/adapter.js')).referenceWasmAdapter();
  try {
    let deployment;
    try {
      deployment = await a.prepare(probe, 'wasm');
    } catch (e) {
      throw new WorkloadError(`--wasm ${file}: ${(e as Error).message}`);
    }
    const { instance } = await a.start(deployment);
    try {
      const { response } = await a.invoke(instance, { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() });
      if (response.status >= 500) {
        const preview = JSON.stringify(Buffer.from(response.body.subarray(0, 200)).toString('utf8'));
        throw new WorkloadError(`--wasm ${file}: GET / answered ${response.status} (${preview}); a --wasm function must answer GET / with a status below 500`);
      }
      return wasmFileWorkload(file, response.status);
    } finally {
      await a.stop(instance);
    }
  } finally {
    if (own) await a.dispose();
  }
}
