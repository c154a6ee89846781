// The CLI end to end: `faasbench run` on the embedded default produces verified
// samples, a valid results file and a report; bad input gets one clear line.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readResults } from '../model/results/reader.js';
import { REPO_ROOT, runCli } from './cli-helpers.js';

describe('faasbench run (reference Wasm runtime)', () => {
  it('measures hello, writes JSON Lines and an HTML report, prints a summary', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fb-cli-'));
    const r = await runCli([
      'run',
      '--workload',
      'hello',
      '--runtime',
      'wasm',
      // The preview1 module only: hello's component variant joins when it has been built.
      '--variant',
      'wasm',
      '-n',
      '20',
      '--warmup',
      '2',
      '--seed',
      '7',
      '--out',
      out,
      '--quiet',
      '--verbose',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // --verbose: every series, then the headline.
    expect(r.stdout).toMatch(/\nhello · cold start, median \(new instance per request\)\n {2}wasm · wasm +\d/);
    expect(r.stdout).toMatch(/wasm\s+hello\s+wasm\s+cold_start_ns\s+20\s/);
    expect(r.stdout).toMatch(/wasm\s+hello\s+wasm\s+app_cold_start_ns\s+20\s/);
    const file = /results: (.*\.jsonl)/.exec(r.stdout)![1]!;
    const [run] = readResults(file);
    expect(run!.header.seed).toBe(7);
    expect(run!.header.versions['v8']).toBe(process.versions.v8);
    expect(run!.end?.status).toBe('completed');
    const totals = run!.samples.filter((s) => s.phase === 'total');
    expect(totals).toHaveLength(40);
    expect(totals.every((s) => s.ok && Number.isInteger(s.value) && s.value > 0)).toBe(true);
    // The per-request instance reports its inside: instantiate and run phases, and the serve process's time outside the instance.
    expect(new Set(run!.samples.filter((s) => s.metric === 'cold_start_ns').map((s) => s.phase))).toEqual(
      new Set(['total', 'instantiate', 'run', 'dispatch']),
    );
    // The runtime is measured in its own process (faasbench serve), and the results header says so.
    expect(JSON.stringify(run!.header)).toMatch(/separate \(faasbench serve/);
    const html = file.replace(/\.jsonl$/, '.html');
    expect(existsSync(html)).toBe(true);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('vegaEmbed');
    expect(page).not.toMatch(/<script[^>]+src=/);
  });

  it('runs the node:wasi baseline side by side with the reference runtime when asked', async () => {
    const out = mkdtempSync(join(tmpdir(), 'fb-cli-'));
    const r = await runCli([
      'run',
      '-w',
      'hello',
      '-r',
      'wasm,node-wasi',
      '-n',
      '5',
      '--warmup',
      '0',
      '--out',
      out,
      '--quiet',
      '--no-report',
    ]);
    expect(r.code).toBe(0);
    const file = /results: (.*\.jsonl)/.exec(r.stdout)![1]!;
    const [run] = readResults(file);
    expect(new Set(run!.samples.map((s) => s.runtime))).toEqual(new Set(['wasm', 'node-wasi']));
    expect(run!.samples.every((s) => s.ok)).toBe(true);
  });
});

describe('bad input gets one clear line and exit 2', () => {
  it.each([
    [['run', '--runtime', 'nope'], /unknown runtime 'nope' \(choose from: wasm, node-wasi/],
    [['run', '--mode', 'fast'], /unknown mode 'fast' \(choose from: cold, warm, throughput, density, micro, trace\)/],
    [['run', '--iterations', '0'], /--iterations must be from 1 to/],
    [['run', '--iterations', 'ten'], /--iterations must be a whole number/],
    [['run', '--bogus'], /unknown option '--bogus'/],
    [['run', '--workload', 'no-such-workload'], /unknown workload 'no-such-workload' \(built-in: .*hello/],
  ])('%j', async (args, message) => {
    const r = await runCli(args as string[]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('every verb has --help', async () => {
    const r = await runCli(['run', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Usage: faasbench run/);
  });
});

describe('run: files that are not what they should be get a clear error, promptly (exit 2)', () => {
  // Each case once hung (a FIFO, the worker pool left running) or read without end
  // (/dev/zero): runCli's own timeout kills the child then, and code is null, not 2.
  const bounded = { timeoutMs: 60_000 };
  const tmp = mkdtempSync(join(tmpdir(), 'fb-cli-files-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const fifo = join(tmp, 'fifo');
  execFileSync('mkfifo', [fifo]);
  const withManifest = (name: string, plant: (file: string) => void): string => {
    const dir = join(tmp, name);
    cpSync(join(REPO_ROOT, 'workloads', 'hello'), dir, { recursive: true });
    rmSync(join(dir, 'workload.json'));
    plant(join(dir, 'workload.json'));
    return dir;
  };

  it('--out naming an existing file: says so and exits, leaving no worker behind', async () => {
    const file = join(tmp, 'not-a-dir');
    writeFileSync(file, 'keep me');
    const r = await runCli(
      ['run', '-r', 'wasm', '-w', 'hello', '-n', '1', '--warmup', '0', '--out', file, '--quiet'],
      bounded,
    );
    expect(r.stderr).toMatch(/--out .*not-a-dir: is a regular file, not a directory/);
    expect(r.code).toBe(2);
    expect(readFileSync(file, 'utf8')).toBe('keep me');
  });

  it('a workload.json that is a FIFO', async () => {
    const dir = withManifest('fifo-manifest', (f) => execFileSync('mkfifo', [f]));
    const r = await runCli(['run', '-r', 'wasm', '-w', dir, '--out', join(tmp, 'out'), '--quiet'], bounded);
    expect(r.stderr).toMatch(/fifo-manifest\/workload\.json is a FIFO \(named pipe\), not a regular file/);
    expect(r.code).toBe(2);
  });

  it('a workload.json that is a symlink to /dev/zero', async () => {
    const dir = withManifest('zero-manifest', (f) => symlinkSync('/dev/zero', f));
    const r = await runCli(['run', '-r', 'wasm', '-w', dir, '--out', join(tmp, 'out'), '--quiet'], bounded);
    expect(r.stderr).toMatch(
      /zero-manifest\/workload\.json leads outside the workload folder \(through a symlink, to \/dev\/zero\)/,
    );
    expect(r.code).toBe(2);
  });

  it('--wasm naming a FIFO or a device', async () => {
    const r = await runCli(['run', '-r', 'wasm', '--wasm', fifo, '--out', join(tmp, 'out'), '--quiet'], bounded);
    expect(r.stderr).toMatch(/--wasm .*fifo: is a FIFO \(named pipe\), not a regular file/);
    expect(r.code).toBe(2);
    const z = await runCli(['run', '-r', 'wasm', '--wasm', '/dev/zero', '--out', join(tmp, 'out'), '--quiet'], bounded);
    expect(z.stderr).toMatch(/--wasm \/dev\/zero: is a character device, not a regular file/);
    expect(z.code).toBe(2);
  });
});
