// WASI conformance: runs a directory of tests in the wasi-testsuite format
// (NAME.wasm + optional NAME.json: args, env, root/dirs, exit_code, stdout, stderr;
// see ../shared/wasi-testsuite/specification.md) against a WASI implementation.
//
// Each test gets fresh writable copies of its directories ("root", preopened as "/",
// or the older "dirs", each preopened under its own name), so tests that write
// leave nothing behind and never touch the suite itself. A suite is input from
// anywhere: those directories must lie inside the suite directory (symlinks
// resolved), the spec and module are read only as regular files inside it, and
// what a guest wrote to stderr is shown with its failure, capped and escaped.

import { chmodSync, cpSync, lstatSync, mkdtempSync, readdirSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, sep } from 'node:path';
import { terminalText } from '../../model/escape.js';
import { fileKind, FileRefused, notADirectory, readRegularFile } from '../../model/safe-read.js';

/** Caps on what a suite makes us read: a spec (the official ones are < 1 KiB) and a module. */
export const SPEC_MAX_BYTES = 2 ** 20;
export const MODULE_MAX_BYTES = 256 * 2 ** 20;
/** How much of a failing guest's stderr is shown (its end: where the reason usually is), in characters. */
export const STDERR_TAIL_CHARS = 2000;

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
  /** The suite directory, real path: the module and the test's directories must be inside it. */
  suite: string;
  /** Set when the test cannot be run as specified (a directory outside the suite…): why. */
  unusable?: string;
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
  run(
    module: WebAssembly.Module,
    args: string[],
    env: Record<string, string>,
    dirs: PreopenDir[],
  ): Promise<WasiRunResult>;
  /** An implementation that is another program (wasmtime, wazero: wasi-external.ts) runs the module's bytes instead; used over run() when present. */
  runBytes?(bytes: Uint8Array, args: string[], env: Record<string, string>, dirs: PreopenDir[]): Promise<WasiRunResult>;
  /** Releases what the implementation holds (worker threads); runWasiSuite calls it at the end. */
  close?(): Promise<void>;
}

export interface WasiTestOutcome {
  name: string;
  pass: boolean;
  detail: string;
  ms: number;
  /** The test was not run: its spec cannot be honoured safely (detail says why). */
  unusable?: boolean;
  /** Of a failed run: the end of what the guest wrote to stderr, capped, control characters escaped. */
  stderr?: string;
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

function isInside(root: string, p: string): boolean {
  return p === root || p.startsWith(root + sep);
}

function parseSpec(file: string, dir: string, suite: string): { spec: WasiTestSpec; unusable?: string } {
  const spec: WasiTestSpec = { args: [], env: {}, dirs: [], exitCode: 0, stdout: null, stderr: null };
  let text: string;
  try {
    text = readRegularFile(file, {
      inside: suite,
      insideName: 'the suite directory',
      maxBytes: SPEC_MAX_BYTES,
    }).bytes.toString('utf8');
  } catch (e) {
    if (e instanceof FileRefused && e.reason === 'missing') return { spec };
    if (e instanceof FileRefused) throw new SuiteError(`${file} ${e.message}`);
    throw e;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SuiteError(`${file}: not valid JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new SuiteError(`${file}: expected a JSON object`);
  const o = raw as Record<string, unknown>;
  // The operation-based form: fold run/wait/read into the legacy fields.
  if (Array.isArray(o['operations'])) {
    if (Array.isArray(o['proposals']) && o['proposals'].length > 0)
      throw new SuiteError(`${file}: proposals ${JSON.stringify(o['proposals'])} are not supported (preview1 only)`);
    for (const op of o['operations'] as Record<string, unknown>[]) {
      if (op['type'] === 'run') Object.assign(o, { args: op['args'], env: op['env'], root: op['root'] });
      else if (op['type'] === 'wait') o['exit_code'] = op['exit_code'] ?? 0;
      else if (op['type'] === 'read') o[op['id'] === 'stderr' ? 'stderr' : 'stdout'] = op['payload'] ?? '';
      else throw new SuiteError(`${file}: operation ${String(op['type'])} is not supported`);
    }
  }
  const bad = (field: string): never => {
    throw new SuiteError(`${file}: field "${field}" has the wrong type`);
  };
  if (o['args'] !== undefined) {
    if (!Array.isArray(o['args']) || !o['args'].every((a) => typeof a === 'string')) bad('args');
    spec.args = o['args'] as string[];
  }
  if (o['env'] !== undefined) {
    if (
      typeof o['env'] !== 'object' ||
      o['env'] === null ||
      !Object.values(o['env']).every((v) => typeof v === 'string')
    )
      bad('env');
    spec.env = o['env'] as Record<string, string>;
  }
  let unusable: string | undefined;
  const preopen = (name: unknown, guest: string | null, field: string): void => {
    if (typeof name !== 'string') bad(field);
    const abs = join(dir, name as string);
    const what = notADirectory(abs);
    if (what !== null) throw new SuiteError(`${file}: ${field} ${String(name)} ${what}`);
    // Confined to the suite: "../outside", an absolute path or a symlink out would
    // hand the guest (and the copy) a host directory the suite does not own.
    const real = realpathSync(abs);
    if (!isInside(suite, real)) {
      unusable ??= `${basename(file)}: ${field} ${JSON.stringify(name)} leads outside the suite directory (to ${real}); not preopened`;
      return;
    }
    // The real path is what gets copied: a root that is a symlink (inside) is copied as its directory, not as the link.
    spec.dirs.push({ guest: guest ?? (name as string), host: real });
  };
  if (o['root'] !== undefined && o['root'] !== null) preopen(o['root'], '/', 'root');
  // Older specs (the Rust tests) list "dirs", each preopened under its own name.
  if (o['dirs'] !== undefined) {
    if (!Array.isArray(o['dirs'])) bad('dirs');
    for (const d of o['dirs'] as unknown[]) preopen(d, null, 'dirs');
  }
  const fields = parseExpectations(file, o, spec);
  return unusable === undefined ? { spec: fields } : { spec: fields, unusable };
}

function parseExpectations(file: string, o: Record<string, unknown>, spec: WasiTestSpec): WasiTestSpec {
  const bad = (field: string): never => {
    throw new SuiteError(`${file}: field "${field}" has the wrong type`);
  };
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
  const what = notADirectory(dir);
  if (what !== null) throw new SuiteError(`${dir}: ${what === 'is missing' ? 'not a directory' : what}`);
  const suite = realpathSync(dir);
  const files: string[] = [];
  walk(dir, files);
  if (files.length === 0) throw new SuiteError(`${dir}: no .wasm tests found`);
  return files.map((wasm) => {
    const base = wasm.slice(0, -'.wasm'.length);
    const { spec, unusable } = parseSpec(`${base}.json`, join(base, '..'), suite);
    return { name: relative(dir, base), wasm, spec, suite, ...(unusable !== undefined ? { unusable } : {}) };
  });
}

/**
 * Refuses a directory holding what cannot be copied for a test: a FIFO, socket or
 * device (cpSync would throw on it, taking the whole suite down). Returns what is
 * wrong or null. Symlinks are not followed (they are copied as links).
 */
function uncopyable(dir: string): string | null {
  for (const e of readdirSync(dir)) {
    const p = join(dir, e);
    const s = lstatSync(p);
    if (s.isDirectory()) {
      const inner = uncopyable(p);
      if (inner) return inner;
    } else if (!s.isFile() && !s.isSymbolicLink()) return `${p}, ${fileKind(s)}`;
  }
  return null;
}

/** Private writable copies of a test's directories; removed by the returned function. */
export function scratchDirs(dirs: PreopenDir[]): { dirs: PreopenDir[]; remove: () => void } {
  const parent = mkdtempSync(join(tmpdir(), 'faasbench-wasi-'));
  try {
    const copies = dirs.map((d, i) => {
      const dir = join(parent, String(i), basename(d.host));
      cpSync(d.host, dir, { recursive: true, verbatimSymlinks: true });
      makeWritable(dir);
      return { guest: d.guest, host: dir };
    });
    return { dirs: copies, remove: () => rmSync(parent, { recursive: true, force: true }) };
  } catch (e) {
    rmSync(parent, { recursive: true, force: true });
    throw e;
  }
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
  const done = (pass: boolean, detail: string, extra: Partial<WasiTestOutcome> = {}): WasiTestOutcome => ({
    name: test.name,
    pass,
    detail,
    ms: performance.now() - t0,
    ...extra,
  });
  const unusable = (detail: string): WasiTestOutcome => done(false, detail, { unusable: true });
  if (test.unusable !== undefined) return unusable(test.unusable);
  let bytes: Buffer;
  try {
    bytes = readRegularFile(test.wasm, {
      inside: test.suite,
      insideName: 'the suite directory',
      maxBytes: MODULE_MAX_BYTES,
    }).bytes;
  } catch (e) {
    if (e instanceof FileRefused) return unusable(`${test.wasm} ${e.message}`);
    throw e;
  }
  let module: WebAssembly.Module;
  try {
    module = new WebAssembly.Module(bytes);
  } catch (e) {
    return done(false, `invalid module: ${(e as Error).message}`);
  }
  for (const d of test.spec.dirs) {
    const what = uncopyable(d.host);
    if (what)
      return unusable(
        `${test.name}.json: the directory preopened as ${JSON.stringify(d.guest)} holds ${what}: a test's directories may hold only files, directories and symlinks`,
      );
  }
  let scratch: ReturnType<typeof scratchDirs> | null;
  try {
    scratch = test.spec.dirs.length > 0 ? scratchDirs(test.spec.dirs) : null;
  } catch (e) {
    return unusable(`${test.name}.json: its directories cannot be copied for the test (${(e as Error).message})`);
  }
  let r: WasiRunResult;
  try {
    const argv = [basename(test.wasm), ...test.spec.args];
    r = impl.runBytes
      ? await impl.runBytes(bytes, argv, test.spec.env, scratch?.dirs ?? [])
      : await impl.run(module, argv, test.spec.env, scratch?.dirs ?? []);
  } catch (e) {
    r = { exitCode: null, stdout: '', stderr: '', error: `host exception: ${(e as Error).message}` };
  } finally {
    scratch?.remove();
  }
  const s = test.spec;
  // A failure carries the guest's stderr: a trap alone ("unreachable") rarely says why.
  const failed = (detail: string): WasiTestOutcome => {
    if (!r.stderr) return done(false, detail);
    const tail = stderrTail(r.stderr);
    return done(false, `${detail}; ${tail.label}: ${tail.text}`, { stderr: tail.text });
  };
  if (r.error && r.exitCode === null) return failed(r.error);
  if (r.exitCode !== s.exitCode) return failed(`exit code ${r.exitCode}, expected ${s.exitCode}`);
  if (s.stdout !== null && r.stdout !== s.stdout)
    return failed(`stdout ${shown(r.stdout)}, expected ${shown(s.stdout)}`);
  if (s.stderr !== null && r.stderr !== s.stderr)
    return done(false, `stderr ${shown(r.stderr)}, expected ${shown(s.stderr)}`);
  return done(true, `exit ${r.exitCode}`);
}

/**
 * The end of a guest's stderr, at most STDERR_TAIL_CHARS characters, every control
 * character made a visible escape (a guest's ESC must not reach the terminal; its
 * newlines are shown as \x0a, keeping one failure on one line).
 */
export function stderrTail(stderr: string): { text: string; label: string } {
  const bytes = Buffer.byteLength(stderr);
  if (stderr.length <= STDERR_TAIL_CHARS) return { text: terminalText(stderr), label: 'stderr' };
  return {
    text: terminalText(stderr.slice(-STDERR_TAIL_CHARS)),
    label: `stderr (last ${STDERR_TAIL_CHARS} of ${bytes} bytes)`,
  };
}

/** A guest's output in a mismatch message: JSON-quoted, capped, escaped for the terminal. */
function shown(s: string): string {
  const cut = s.length > 200 ? s.slice(0, 200) : s;
  return terminalText(JSON.stringify(cut)) + (cut.length < s.length ? `... (${Buffer.byteLength(s)} bytes)` : '');
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

/**
 * A plain-text pass/fail table; several implementations side by side. Test names
 * (file names from the suite) and details are escaped for the terminal.
 */
export function wasiTable(names: string[], results: WasiTestOutcome[][]): string {
  const tests = results[0]?.map((r) => terminalText(r.name)) ?? [];
  const w = Math.max(4, ...tests.map((t) => t.length));
  const anyUnusable = results.some((rs) => rs.some((r) => r.unusable));
  const cols = names.map((n) => Math.max(n.length, anyUnusable ? 'UNUSABLE'.length : 4));
  const lines = [['test'.padEnd(w), ...names.map((n, i) => n.padEnd(cols[i]!))].join('  ')];
  const details: string[] = [];
  tests.forEach((t, row) => {
    lines.push(
      [
        t.padEnd(w),
        ...results.map((rs, i) => (rs[row]!.pass ? 'pass' : rs[row]!.unusable ? 'UNUSABLE' : 'FAIL').padEnd(cols[i]!)),
      ].join('  '),
    );
    results.forEach((rs, i) => {
      if (!rs[row]!.pass) details.push(`  ${names[i]} ${t}: ${terminalText(rs[row]!.detail)}`);
    });
  });
  lines.push(
    [
      'passed'.padEnd(w),
      ...results.map((rs, i) => `${rs.filter((r) => r.pass).length}/${rs.length}`.padEnd(cols[i]!)),
    ].join('  '),
  );
  return lines.join('\n') + (details.length ? '\n\nfailures:\n' + details.join('\n') : '');
}
