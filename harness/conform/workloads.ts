// Cross-variant conformance: every manifest request against every variant of a
// workload — wasm in the reference runtime (in-process), native as a CGI process,
// node in-process — each response checked against the manifest and against the
// other variants byte for byte. A disagreement comes with a diff of the two responses.

import { statSync } from 'node:fs';
import { basename } from 'node:path';
import { cgiEnvironment, parseCgiOutput } from '../../runtimes/shared/cgi.js';
import { callNodeHandler, loadNodeHandler } from '../../runtimes/shared/node-handler.js';
import { runCgiProcess } from '../../runtimes/process/cgi.js';
import type { FunctionRequest, FunctionResponse } from '../../runtimes/types.js';
import type { Executor } from '../../runtimes/wasm/executor.js';
import { GuestThreadExecutor } from '../../runtimes/wasm/guest-threads.js';
import { compileCommand, readWasmFile } from '../../runtimes/wasm/module.js';
import { ComponentThreadExecutor } from '../../runtimes/wasm/component/executor.js';
import { prepareComponent } from '../../runtimes/wasm/component/prepare.js';
import { componentRequestOf, functionResponseOf } from '../../runtimes/wasm/component/http.js';
import { median } from '../../model/stats/descriptive.js';
import { checkResponse } from '../verify.js';
import {
  isComponentVariant,
  VARIANT_KINDS,
  type LoadedWorkload,
  type RequestSize,
  type SampleRequest,
  type VariantKind,
} from '../../model/workload.js';

/** Runs one request on one variant and returns its response (throws on a crash). */
export type VariantCall = (req: FunctionRequest) => Promise<FunctionResponse>;

export interface VariantRunners {
  get(workload: LoadedWorkload, kind: VariantKind): Promise<VariantCall>;
  close(): Promise<void>;
}

/** The hosts conformance uses: reference runtime on a guest thread (modules and components), CGI process, node in-process. */
export function defaultRunners(opts: { timeoutMs?: number } = {}): VariantRunners {
  // A guest thread with a deadline, as in the runtime: a looping module brought by a
  // user fails its request instead of hanging the check.
  const executor: Executor = new GuestThreadExecutor({ size: 1, deadlineMs: opts.timeoutMs ?? 60_000 });
  // Components run as they are served: on a guest thread with the same deadline.
  let components: ComponentThreadExecutor | null = null;
  const cache = new Map<string, Promise<VariantCall>>();
  const make = async (w: LoadedWorkload, kind: VariantKind): Promise<VariantCall> => {
    const path = w.variantPaths[kind];
    if (!path) throw new Error(`${w.name} has no ${kind} variant`);
    if (kind === 'wasm') {
      const module = await compileCommand(readWasmFile(path), basename(path));
      return async (req) => {
        const out = await executor.execute(module, { args: [w.name], env: cgiEnvironment(req), stdin: req.body });
        if (out.end.kind !== 'exit' || out.end.code !== 0) {
          const why = out.end.kind === 'exit' ? `exit code ${out.end.code}` : out.end.message;
          throw new Error(
            `wasm guest failed: ${why}; stderr: ${Buffer.from(out.stderr).toString('utf8').slice(0, 200)}`,
          );
        }
        const parsed = parseCgiOutput(out.stdout);
        if (!parsed.ok) throw new Error(parsed.reason);
        return parsed.response;
      };
    }
    if (isComponentVariant(kind)) {
      const component = await prepareComponent(readWasmFile(path), basename(path));
      components ??= new ComponentThreadExecutor({ size: 1, deadlineMs: opts.timeoutMs ?? 60_000 });
      const ex = components;
      return async (req) => {
        const out = await ex.handle(component, componentRequestOf(req));
        if (out.end.kind !== 'ok' || !out.response) {
          const why = 'message' in out.end ? out.end.message : out.end.kind;
          throw new Error(
            `component failed: ${why}; stderr: ${Buffer.from(out.stderr).toString('utf8').slice(0, 200)}`,
          );
        }
        return functionResponseOf(out.response);
      };
    }
    if (kind === 'native') {
      return async (req) => {
        const r = await runCgiProcess(path, req, { timeoutMs: opts.timeoutMs ?? 60_000 });
        return { status: r.status, headers: r.headers, body: r.body };
      };
    }
    const handler = await loadNodeHandler(path);
    return (req) => callNodeHandler(handler, req);
  };
  return {
    get(w, kind) {
      const key = `${w.dir}\0${kind}`;
      let p = cache.get(key);
      if (!p) cache.set(key, (p = make(w, kind)));
      return p;
    },
    close: async () => {
      await executor.close();
      await components?.close();
    },
  };
}

export interface ConformRow {
  workload: string;
  request: string;
  size: RequestSize;
  variant: VariantKind;
  ok: boolean;
  /** Why it failed: the manifest check, a crash, or disagreement with another variant. */
  reason?: string;
  ms: number;
  bodyBytes: number;
}

export interface ConformReport {
  rows: ConformRow[];
  /** Diffs between variants that disagree (each against the first variant that answered). */
  diffs: string[];
  ok: boolean;
}

export interface ConformOptions {
  sizes?: readonly RequestSize[];
  variants?: readonly VariantKind[];
  runners?: VariantRunners;
}

function toRequest(r: SampleRequest): FunctionRequest {
  return { method: r.method, path: r.path, query: r.query, headers: r.headers, body: r.body };
}

export async function conformWorkloads(workloads: LoadedWorkload[], opts: ConformOptions = {}): Promise<ConformReport> {
  const runners = opts.runners ?? defaultRunners();
  const rows: ConformRow[] = [];
  const diffs: string[] = [];
  try {
    for (const w of workloads) {
      const kinds = VARIANT_KINDS.filter((k) => w.variantPaths[k] && (!opts.variants || opts.variants.includes(k)));
      for (const req of w.requests) {
        if (opts.sizes && !opts.sizes.includes(req.size)) continue;
        let reference: { kind: VariantKind; res: FunctionResponse } | null = null;
        for (const kind of kinds) {
          const row: ConformRow = {
            workload: w.name,
            request: req.name,
            size: req.size,
            variant: kind,
            ok: false,
            ms: 0,
            bodyBytes: 0,
          };
          rows.push(row);
          let res: FunctionResponse;
          let t0 = process.hrtime.bigint();
          try {
            // Loading (compile, import) is not part of the request's time.
            const call = await runners.get(w, kind);
            t0 = process.hrtime.bigint();
            res = await call(toRequest(req));
          } catch (e) {
            row.ms = Number(process.hrtime.bigint() - t0) / 1e6;
            row.reason = (e as Error).message;
            continue;
          }
          row.ms = Number(process.hrtime.bigint() - t0) / 1e6;
          row.bodyBytes = res.body.length;
          const verdict = checkResponse(req.expect, res);
          if (!verdict.ok) row.reason = verdict.reason;
          if (reference === null) {
            reference = { kind, res };
          } else {
            const d = diffResponses(reference.res, res);
            if (d !== null) {
              row.reason = row.reason ?? `differs from ${reference.kind}`;
              diffs.push(`${w.name} / ${req.name} (${req.size}): ${reference.kind} vs ${kind}\n${d}`);
            }
          }
          row.ok = row.reason === undefined;
        }
      }
    }
  } finally {
    if (!opts.runners) await runners.close();
  }
  return { rows, diffs, ok: rows.length > 0 && rows.every((r) => r.ok) };
}

const CONTEXT = 40;

function show(bytes: Uint8Array, from: number, to: number): string {
  const s = Buffer.from(bytes.subarray(from, to)).toString('latin1');
  return JSON.stringify(s);
}

/** A readable diff of two responses, or null when they are byte-identical. Pure. */
export function diffResponses(a: FunctionResponse, b: FunctionResponse): string | null {
  const lines: string[] = [];
  if (a.status !== b.status) lines.push(`  status: ${a.status} vs ${b.status}`);
  const names = [...new Set([...Object.keys(a.headers), ...Object.keys(b.headers)])].sort();
  for (const n of names) {
    if (a.headers[n] !== b.headers[n])
      lines.push(`  header ${n}: ${JSON.stringify(a.headers[n] ?? null)} vs ${JSON.stringify(b.headers[n] ?? null)}`);
  }
  if (!Buffer.from(a.body).equals(b.body)) {
    let i = 0;
    const n = Math.min(a.body.length, b.body.length);
    while (i < n && a.body[i] === b.body[i]) i++;
    let line = 1;
    for (let j = 0; j < i; j++) if (a.body[j] === 0x0a) line++;
    const from = Math.max(0, i - CONTEXT);
    lines.push(`  body: ${a.body.length} vs ${b.body.length} bytes, first difference at byte ${i} (line ${line})`);
    lines.push(`    - ${show(a.body, from, i + CONTEXT)}`);
    lines.push(`    + ${show(b.body, from, i + CONTEXT)}`);
  }
  return lines.length ? lines.join('\n') : null;
}

function pad(cells: string[][]): string {
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  return cells
    .map((r) =>
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** One line per workload × request, one column per variant: ok with its time, or FAIL. */
export function conformTable(report: ConformReport): string {
  const kinds = VARIANT_KINDS.filter((k) => report.rows.some((r) => r.variant === k));
  const keys = [...new Set(report.rows.map((r) => `${r.workload}\0${r.request}\0${r.size}`))];
  const cells = [['workload', 'request', 'size', ...kinds]];
  for (const key of keys) {
    const [w, q, s] = key.split('\0') as [string, string, string];
    const cols = kinds.map((k) => {
      const r = report.rows.find((x) => x.workload === w && x.request === q && x.variant === k);
      if (!r) return '-';
      return r.ok ? `ok ${r.ms.toFixed(1)}ms` : 'FAIL';
    });
    cells.push([w, q, s, ...cols]);
  }
  const failures = report.rows
    .filter((r) => !r.ok)
    .map((r) => `${r.workload} / ${r.request} / ${r.variant}: ${r.reason}`);
  return pad(cells) + (failures.length ? '\n\nfailures:\n  ' + failures.join('\n  ') : '');
}

/** Each workload's artifact sizes per variant, in bytes (node: the handler module). */
export function artifactSizes(workloads: LoadedWorkload[]): string {
  const cells = [['workload', ...VARIANT_KINDS.map((k) => `${k} bytes`)]];
  for (const w of workloads) {
    cells.push([
      w.name,
      ...VARIANT_KINDS.map((k) => (w.variantPaths[k] ? String(statSync(w.variantPaths[k]!).size) : '-')),
    ]);
  }
  return pad(cells);
}

export interface TimingRow {
  workload: string;
  request: string;
  size: RequestSize;
  /** Median per-request latency in ms per variant (undefined: no such variant, or it failed). */
  medianMs: Partial<Record<VariantKind, number>>;
  n: number;
}

/**
 * Per-request latency of each variant as conformance hosts it — wasm: a fresh instance
 * on the reference runtime's guest thread (module compiled once); native: a new CGI
 * process per request; node: the handler called in-process — median of `repeat` runs
 * after one warm-up, interleaved across variants. Responses are checked against the
 * manifest; a variant that fails gets no figure. Figures, not a test.
 */
export async function timeWorkloads(
  workloads: LoadedWorkload[],
  opts: { sizes?: readonly RequestSize[]; repeat: number; runners?: VariantRunners },
): Promise<TimingRow[]> {
  const runners = opts.runners ?? defaultRunners();
  const rows: TimingRow[] = [];
  try {
    for (const w of workloads) {
      const kinds = VARIANT_KINDS.filter((k) => w.variantPaths[k]);
      for (const req of w.requests) {
        if (!(opts.sizes ?? ['test']).includes(req.size)) continue;
        const times: Partial<Record<VariantKind, number[]>> = {};
        const failed = new Set<VariantKind>();
        for (let i = 0; i <= opts.repeat; i++) {
          for (const kind of kinds) {
            if (failed.has(kind)) continue;
            try {
              const call = await runners.get(w, kind);
              const t0 = process.hrtime.bigint();
              const res = await call(toRequest(req));
              const ms = Number(process.hrtime.bigint() - t0) / 1e6;
              if (!checkResponse(req.expect, res).ok) failed.add(kind);
              else if (i > 0) (times[kind] ??= []).push(ms);
            } catch {
              failed.add(kind);
            }
          }
        }
        const medianMs: Partial<Record<VariantKind, number>> = {};
        for (const k of kinds) if (!failed.has(k) && times[k]?.length) medianMs[k] = median(times[k]!);
        rows.push({ workload: w.name, request: req.name, size: req.size, medianMs, n: opts.repeat });
      }
    }
  } finally {
    if (!opts.runners) await runners.close();
  }
  return rows;
}

export function timingTable(rows: TimingRow[]): string {
  const cells = [['workload', 'request', 'size', 'n', ...VARIANT_KINDS.map((k) => `${k} median ms`)]];
  for (const r of rows) {
    cells.push([
      r.workload,
      r.request,
      r.size,
      String(r.n),
      ...VARIANT_KINDS.map((k) => (r.medianMs[k] === undefined ? '-' : r.medianMs[k]!.toFixed(3))),
    ]);
  }
  return pad(cells);
}
