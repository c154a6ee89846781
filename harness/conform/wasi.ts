// WASI conformance: runs a directory of tests in the wasi-testsuite format
// (NAME.wasm + optional NAME.json: args, env, root/dirs, exit_code, stdout, stderr;
// see ../shared/wasi-testsuite/specification.md) against a WASI implementation.
//
// Each test gets fresh writable copies of its directories ("root", preopened as "/",
// or the older "dirs", each preopened under its own name), so tests that write
// leave nothing behind and never touch the suite itself.

import { chmodSync, cpSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';

export interface WasiTestSpec {
  args: string[];
  env: Record<string, string>;
  /** Host directories (absolute) and the names the guest sees them by. */
  dirs: PreopenDir[];
  exitCode: number;
  stdout: string | null;
  stderr: string | null;
}

export interface WasiTest {
  /** Path relative to the suite directory, without .wasm (e.g. "c/lseek"). */
  name: string;
  wasm: string;
  spec: WasiTestSpec;
}

/** One run of a test, as an implementation reports it. */
export interface WasiRunResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Set when the guest did not exit normally (trap, host error). */
  error?: string;
}

export interface PreopenDir {
  guest: string;
  host: string;
}

/** A WASI implementation under test: runs one command with the given preopened directories. */
export interface WasiImplementation {
  name: string;
  run(module: WebAssembly.Module, args: string[], env: Record<string, string>, dirs: PreopenDir[]): Promise<WasiRunResult>;
  /** Releases what the implementation holds (worker threads); runWasiSuite calls it at the end. */
  close?(): Promise<void>;
}

export interface WasiTestOutcome {
  name: string;
  pass: boolean;
  detail: string;
  ms: number;
}

/** Thrown for a directory that is not a test suite (the CLI exits 2 on it). */
export class SuiteError extends Error {
  override name = 'SuiteError';
}

function walk(dir: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else if (entry.isFile() && entry.name.endsWith('.wasm')) out.push(p);
  }
}

function parseSpec(file: string, dir: string): WasiTestSpec {
  const spec: WasiTestSpec = { args: [], env: {}, dirs: [], exitCode: 0, stdout: null, stderr: null };
  if (!existsSync(file)) return spec;
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new SuiteError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new SuiteError(`${file}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  // The operation-based form: fold run/wait/read into the legacy fields.
  if (Array.isArray(o['operations'])) {
    if (Array.isArray(o['proposals']) && o['proposals'].length > 0) throw new SuiteError(`${file}: proposals ${JSON.stringify(o['proposals'])} are not supported (preview1 only)`);
    for (const op of o['operations'] as Record<string, unknown>[]) {
      if (op['type'] === 'run') Object.assign(o, { args: op['args'], env: op['env'], root: op['root'] });
      else if (op['type'] === 'wait') o['exit_code'] = op['exit_code'] ?? 0;
      else if (op['type'] === 'read') o[op['id'] === 'stderr' ? 'stderr' : 'stdout'] = op['payload'] ?? '';
      else throw new SuiteError(`${file}: operation ${String(op['type'])} is not supported`);
    }
  }
  const bad = (field: string): never => { throw new SuiteError(`${file}: field "${field}" has the wrong type`); };
  if (o['args'] !== undefined) {
    if (!Array.isArray(o['args']) || !o['args'].every((a) => typeof a === 'string')) bad('args');
    spec.args = o['args'] as string[];
  }
  if (o['env'] !== undefined) {
    if (typeof o['env'] !== 'object' || o['env'] === null || !Object.values(o['env']).every((v) => typeof v === 'string')) bad('env');
    spec.env = o['env'] as Record<string, string>;
  }
  const preopen = (name: unknown, guest: string | null, field: string): void => {
    if (typeof name !== 'string') bad(field);
    const abs = join(dir, name as string);
    if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new SuiteError(`${file}: ${field} ${String(name)} is not a directory`);
    spec.dirs.push({ guest: guest ?? (name as string), host: abs });
  };
  if (o['root'] !== undefined && o['root'] !== null) preopen(o['root'], '/', 'root');
  // Older specs (the Rust tests) list "dirs", each preopened under its own name.
  if (o['dirs'] !== undefined) {
    if (!Array.isArray(o['dirs'])) bad('dirs');
    for (const d of o['dirs'] as unknown[]) preopen(d, null, 'dirs');
  }
  if (o['exit_code'] !== undefined) {
    if (typeof o['exit_code'] !== 'number' || !Number.isInteger(o['exit_code'])) bad('exit_code');
    spec.exitCode = o['exit_code'] as number;
  }
  for (const key of ['stdout', 'stderr'] as const) {
    if (o[key] === undefined) continue;
    if (typeof o[key] !== 'string') bad(key);
    spec[key] = o[key] as string;
  }
  return spec;
}

/** Every test under `dir` (recursively), sorted by name. Throws SuiteError when there is none. */
export function discoverWasiTests(dir: string): WasiTest[] {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new SuiteError(`${dir}: not a directory`);
  const files: string[] = [];
  walk(dir, files);
  if (files.length === 0) throw new SuiteError(`${dir}: no .wasm tests found`);
  return files.map((wasm) => {
    const base = wasm.slice(0, -'.wasm'.length);
    return { name: relative(dir, base), wasm, spec: parseSpec(`${base}.json`, join(base, '..')) };
  });
}

/** Private writable copies of a test's directories; removed by the returned function. */
export function scratchDirs(dirs: PreopenDir[]): { dirs: PreopenDir[]; remove: () => void } {
  const parent = mkdtempSync(join(tmpdir(), 'faasbench-wasi-'));
  const copies = dirs.map((d, i) => {
    const dir = join(parent, String(i), basename(d.host));
    cpSync(d.host, dir, { recursive: true, verbatimSymlinks: true });
    makeWritable(dir);
    return { guest: d.guest, host: dir };
  });
  return { dirs: copies, remove: () => rmSync(parent, { recursive: true, force: true }) };
}

function makeWritable(dir: string): void {
  // The suite may be read-only (as ../shared is); the copy must be writable. Never follow symlinks here.
  const writable = (p: string): void => {
    const s = lstatSync(p);
    if (s.isSymbolicLink()) return;
    chmodSync(p, s.mode | 0o200 | (s.isDirectory() ? 0o700 : 0));
    if (s.isDirectory()) for (const e of readdirSync(p)) writable(join(p, e));
  };
  writable(dir);
}

export async function runWasiTest(test: WasiTest, impl: WasiImplementation): Promise<WasiTestOutcome> {
  const t0 = performance.now();
  const done = (pass: boolean, detail: string): WasiTestOutcome => ({ name: test.name, pass, detail, ms: performance.now() - t0 });
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(readFileSync(test.wasm));
  } catch (e) {
    return done(false, `invalid module: ${(e as Error).message}`);
  }
  const scratch = test.spec.dirs.length > 0 ? scratchDirs(test.spec.dirs) : null;
  let r: WasiRunResult;
  try {
    r = await impl.run(module, [basename(test.wasm), ...test.spec.args], test.spec.env, scratch?.dirs ?? []);
  } catch (e) {
    r = { exitCode: null, stdout: '', stderr: '', error: `host exception: ${(e as Error).message}` };
  } finally {
    scratch?.remove();
  }
  const s = test.spec;
  if (r.error && r.exitCode === null) return done(false, r.error);
  if (r.exitCode !== s.exitCode) return done(false, `exit code ${r.exitCode}, expected ${s.exitCode}${r.stderr ? `; stderr: ${oneLine(r.stderr)}` : ''}`);
  if (s.stdout !== null && r.stdout !== s.stdout) return done(false, `stdout ${JSON.stringify(r.stdout)}, expected ${JSON.stringify(s.stdout)}`);
  if (s.stderr !== null && r.stderr !== s.stderr) return done(false, `stderr ${JSON.stringify(r.stderr)}, expected ${JSON.stringify(s.stderr)}`);
  return done(true, `exit ${r.exitCode}`);
}

function oneLine(s: string): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > 120 ? t.slice(0, 117) + '...' : t;
}

export async function runWasiSuite(tests: WasiTest[], impl: WasiImplementation): Promise<WasiTestOutcome[]> {
  const out: WasiTestOutcome[] = [];
  try {
    for (const t of tests) out.push(await runWasiTest(t, impl));
  } finally {
    await impl.close?.();
  }
  return out;
}

/** A plain-text pass/fail table; several implementations side by side. */
export function wasiTable(names: string[], results: WasiTestOutcome[][]): string {
  const tests = results[0]?.map((r) => r.name) ?? [];
  const w = Math.max(4, ...tests.map((t) => t.length));
  const cols = names.map((n) => Math.max(n.length, 4));
  const lines = [['test'.padEnd(w), ...names.map((n, i) => n.padEnd(cols[i]!))].join('  ')];
  const details: string[] = [];
  tests.forEach((t, row) => {
    lines.push([t.padEnd(w), ...results.map((rs, i) => (rs[row]!.pass ? 'pass' : 'FAIL').padEnd(cols[i]!))].join('  '));
    results.forEach((rs, i) => { if (!rs[row]!.pass) details.push(`  ${names[i]} ${t}: ${rs[row]!.detail}`); });
  });
  lines.push(['passed'.padEnd(w), ...results.map((rs, i) => `${rs.filter((r) => r.pass).length}/${rs.length}`.padEnd(cols[i]!))].join('  '));
  return lines.join('\n') + (details.length ? '\n\nfailures:\n' + details.join('\n') : '');
}
