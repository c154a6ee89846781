// action.yml run the way a GitHub runner runs a composite action: its inputs with
// their defaults, each step's `env` expressions (${{ inputs.x }}) evaluated, the
// `run` script executed by `bash --noprofile --norc -eo pipefail` in a workspace,
// with GITHUB_ACTION_PATH, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files; then the
// action's outputs resolved from the step's outputs. faasbench runs from source
// (input `faasbench`) instead of `npm ci` in the action's folder; to check how the
// image and command inputs become flags without a Docker engine, a stand-in
// faasbench that only records its arguments takes its place (the forms themselves
// are tested end to end in harness/commands/gate-forms.test.ts).

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './cli-helpers.js';
import { spinGuest } from './spin-guest.js';
import { handlerModule, helloComponent, watComponent } from '../runtimes/wasm/component/wat.js';

interface ActionYaml {
  runs: { using: string; steps: Array<{ id?: string; shell?: string; run?: string; env?: Record<string, string> }> };
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
}

const action = parse(readFileSync(join(REPO_ROOT, 'action.yml'), 'utf8')) as ActionYaml;
const dir = mkdtempSync(join(tmpdir(), 'fb-action-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAASBENCH = [
  'node',
  '--import',
  pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href,
  '--disable-wasm-trap-handler',
  '--no-turbo-fast-api-calls',
  fileURLToPath(new URL('./cli-entry.ts', import.meta.url)),
].join(' ');

/** `${{ inputs.x }}` / `${{ steps.id.outputs.y }}` in a string, from these tables. */
function expand(
  s: string,
  ctx: { inputs: Record<string, string>; steps?: Record<string, Record<string, string>> },
): string {
  return s.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_m, expr: string) => {
    let m = /^inputs\.([\w-]+)$/.exec(expr);
    if (m) return ctx.inputs[m[1]!] ?? '';
    m = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (m) return ctx.steps?.[m[1]!]?.[m[2]!] ?? '';
    throw new Error(`expression not supported by this test runner: ${expr}`);
  });
}

/** Runs the action with `given` inputs; returns exit code, logs, step summary and the action's outputs. */
async function runAction(given: Record<string, string>, name: string) {
  const work = mkdtempSync(join(dir, `${name}-`));
  for (const k of Object.keys(given)) if (!(k in action.inputs)) throw new Error(`action.yml has no input ${k}`);
  const inputs = Object.fromEntries(Object.entries(action.inputs).map(([k, v]) => [k, given[k] ?? v.default ?? '']));
  const steps: Record<string, Record<string, string>> = {};
  let code: number | null = 0;
  let stdout = '';
  let stderr = '';
  const summary = join(work, 'summary.md');
  for (const [i, step] of action.runs.steps.entries()) {
    expect(step.shell).toBe('bash');
    const outputFile = join(work, `output-${i}`);
    writeFileSync(outputFile, '');
    const script = join(work, `step-${i}.sh`);
    writeFileSync(script, step.run!);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GITHUB_ACTIONS: 'true',
      GITHUB_WORKSPACE: work,
      GITHUB_ACTION_PATH: REPO_ROOT,
      GITHUB_OUTPUT: outputFile,
      GITHUB_STEP_SUMMARY: summary,
      ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, expand(String(v), { inputs })])),
    };
    const r = await new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
      const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], {
        cwd: work,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c));
      child.stderr.on('data', (c: Buffer) => (err += c));
      const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
      child.on('error', reject);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve({ code: c, out, err });
      });
    });
    stdout += r.out;
    stderr += r.err;
    // $GITHUB_OUTPUT: name=value lines.
    if (step.id)
      steps[step.id] = Object.fromEntries(
        readFileSync(outputFile, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
      );
    code = r.code;
    if (code !== 0) break;
  }
  const outputs = Object.fromEntries(
    Object.entries(action.outputs).map(([k, v]) => [k, expand(v.value, { inputs, steps })]),
  );
  return { code, stdout, stderr, outputs, summary: existsSync(summary) ? readFileSync(summary, 'utf8') : '', work };
}

describe('action.yml (composite) as a runner runs it', () => {
  const a = join(dir, 'a.wasm');
  const slow = join(dir, 'slow.wasm');
  writeFileSync(a, spinGuest(1_000_000));
  writeFileSync(slow, spinGuest(20_000_000));

  it('is a composite action whose step gets every input as INPUT_*', () => {
    expect(action.runs.using).toBe('composite');
    const env = action.runs.steps.flatMap((s) => Object.entries(s.env ?? {}));
    for (const name of Object.keys(action.inputs)) {
      expect(env).toContainEqual([`INPUT_${name.toUpperCase().replace(/-/g, '_')}`, `\${{ inputs.${name} }}`]);
    }
  });

  it('a regression fails the step (exit 1) with the annotation, the outputs and the step summary', async () => {
    const r = await runAction({ 'baseline-wasm': a, wasm: slow, 'budget-seconds': '3', faasbench: FAASBENCH }, 'fail');
    expect(r.stdout + r.stderr).toMatch(
      /^::error title=faasbench gate::wasm\/wasm-a → wasm-slow\/wasm cold_start_ns median: regressed/m,
    );
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ verdict: 'fail', 'exit-code': '1' });
    expect(existsSync(r.outputs['results-file']!)).toBe(true);
    expect(readFileSync(join(r.work, r.outputs['markdown-file']!), 'utf8')).toContain(
      '### faasbench gate: ❌ 1 significant regression above 5.0%',
    );
    expect(r.summary).toContain('### faasbench gate: ❌ 1 significant regression above 5.0%');
  }, 100_000);

  it('fail-on-regression: false reports the regression and passes the step', async () => {
    const r = await runAction(
      { 'baseline-wasm': a, wasm: slow, 'budget-seconds': '2', 'fail-on-regression': 'false', faasbench: FAASBENCH },
      'report-only',
    );
    expect(r.code).toBe(0);
    expect(r.outputs).toMatchObject({ verdict: 'fail', 'exit-code': '1' });
    expect(r.stdout).toContain('::warning title=faasbench gate::regression found; not failing the step');
  }, 100_000);

  it('missing inputs fail the step with an annotation (exit 2)', async () => {
    const r = await runAction({ wasm: slow, faasbench: FAASBENCH }, 'bad');
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('::error title=faasbench gate::give both baseline-wasm and wasm');
    const several = await runAction({ 'baseline-wasm': a, wasm: a, image: 'x:b', faasbench: FAASBENCH }, 'several');
    expect(several.code).toBe(2);
    expect(several.stdout).toContain('::error title=faasbench gate::give one pair of inputs, not several (wasm image)');
    const half = await runAction({ 'baseline-command': 'srv {port}', workload: 'hello', faasbench: FAASBENCH }, 'half');
    expect(half.stdout).toContain('::error title=faasbench gate::give both baseline-command and command');
  }, 30_000);

  it('components: a regression between two wasi:http components fails the step', async () => {
    const base = join(dir, 'hello.component.wasm');
    const spun = join(dir, 'spun.component.wasm');
    writeFileSync(base, await helloComponent());
    const spin = `(local.set $i (i32.const 30000000)) (block $done (loop $l (br_if $done (i32.eqz (local.get $i))) (i32.store (i32.const 2048) (local.get $i)) (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br $l)))`;
    writeFileSync(spun, await watComponent(handlerModule({ prelude: spin })));
    const r = await runAction(
      { 'baseline-component': base, component: spun, 'budget-seconds': '3', faasbench: FAASBENCH },
      'component',
    );
    expect(r.stdout + r.stderr).toMatch(
      /^::error title=faasbench gate::wasm\/component-hello-component → component-spun-component\/component cold_start_ns median: regressed/m,
    );
    expect(r.code).toBe(1);
    expect(r.outputs).toMatchObject({ verdict: 'fail', 'exit-code': '1' });
  }, 100_000);

  it.each([
    [
      'images',
      { 'baseline-image': 'fn:old', image: 'fn:new', workload: 'echo' },
      ['--baseline-image', 'fn:old', '--image', 'fn:new', '--workload', 'echo'],
    ],
    [
      'commands',
      {
        'baseline-command': "old-srv --listen '{host}:{port}' {module}",
        command: 'PORT={port} new-srv {module}',
        variant: 'node,wasm',
      },
      [
        '--baseline-command',
        "old-srv --listen '{host}:{port}' {module}",
        '--command',
        'PORT={port} new-srv {module}',
        '--variant',
        'node,wasm',
      ],
    ],
  ])(
    '%s: the inputs become the duet flags, each value one argument, no --runtime unless given',
    async (name, given, flags) => {
      const recorded = join(dir, `${name}-args.txt`);
      const stub = join(dir, `${name}-stub.sh`);
      writeFileSync(stub, `printf '%s\\n' "$@" > '${recorded}'\n`);
      const r = await runAction({ ...given, faasbench: `bash ${stub}` }, name);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const args = readFileSync(recorded, 'utf8').split('\n').slice(0, -1);
      expect(args.slice(0, 5)).toEqual(['gate', '--out', 'faasbench-gate', '--markdown', 'faasbench-gate/gate.md']);
      expect(args.slice(6, 6 + flags.length)).toEqual(flags);
      expect(args).not.toContain('--runtime');
      expect(r.outputs).toMatchObject({ verdict: 'pass', 'exit-code': '0' });
    },
    30_000,
  );
});
