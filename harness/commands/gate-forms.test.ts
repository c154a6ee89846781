// The duet gate's other forms, beside --baseline-wasm/--wasm (gate-duet.test.ts):
// which form a set of flags asks for and why one is refused; the serving command's
// parsing (pure); and end to end through the CLI: two wasi:http components on the
// reference runtime (a candidate doing far more work fails; a core module or a
// component without the handler is refused with run --component's own sentence),
// two serving commands on the command runtime (and two spec files, wazero against
// wasmtime: skipped when they are not installed, failed under scripts/test.sh's
// FAASBENCH_REQUIRE_EXTERNAL=1 like the external runtimes' tests), and two local Docker images on the
// container runtime (skipped, with the reason, only when no engine answers). Pair
// counts are tiny; no test asserts a timing.

import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT, runCli } from '../../test/cli-helpers.js';
import { readResults } from '../../model/results/reader.js';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import { handlerModule, helloComponent, watComponent } from '../../runtimes/wasm/component/wat.js';
import { connectEngine, engineStatus } from '../../runtimes/container/engine.js';
import { ImageBuilder } from '../../runtimes/container/images.js';
import { findTool } from '../../runtimes/external/tools.js';
import { DUET_FORMS, commandSpecArg, duetForm } from './gate-duet.js';

const dir = mkdtempSync(join(tmpdir(), 'fb-gate-forms-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The one results file a gate run wrote into `out`. */
const resultsIn = (out: string) => {
  const files = readdirSync(out).filter((f) => f.endsWith('.jsonl'));
  expect(files).toHaveLength(1);
  return readResults(join(out, files[0]!))[0]!;
};
// Five pairs and a tolerance no real difference reaches: these tests are about each form's
// wiring (what runs on each side, what is recorded), not the verdict, which five pairs of
// container or process cold starts cannot give reliably (one container run read as a
// significant regression of two tags of the same image). The verdict is gate.test.ts's
// and scripts/bench-gate.ts's.
const TINY = ['--min-pairs', '5', '--max-pairs', '5', '--warmup', '1', '--max-regression', '1000%', '--quiet'];

describe('duetForm (which form the flags ask for)', () => {
  it.each([
    [{}, null],
    [{ baselineWasm: 'a', wasm: 'b' }, 'wasm'],
    [{ baselineComponent: 'a', component: 'b' }, 'component'],
    [{ baselineWorkload: 'a', workload: 'b' }, 'workload'],
    [{ baselineImage: 'a', image: 'b' }, 'image'],
    // A lone --workload with images or commands is the workload both sides serve.
    [{ baselineImage: 'a', image: 'b', workload: 'echo' }, 'image'],
    [{ baselineCommand: 'a', command: 'b', workload: 'echo' }, 'command'],
  ])('%o → %s', (flags, form) => {
    expect(duetForm(flags)).toBe(form);
  });

  it('refuses half a pair and two forms at once', () => {
    expect(() => duetForm({ component: 'b' })).toThrow('a duet gate needs both --baseline-component and --component');
    expect(() => duetForm({ baselineImage: 'a' })).toThrow('a duet gate needs both --baseline-image and --image');
    expect(() => duetForm({ baselineCommand: 'a', command: 'b', baselineWorkload: 'x', workload: 'y' })).toThrow(
      /^give one duet form, not several \(--baseline-workload\/--workload and --baseline-command\/--command\)/,
    );
    expect(() => duetForm({ baselineImage: 'a', image: 'b', baselineComponent: 'x', component: 'y' })).toThrow(
      /not several \(--baseline-component\/--component and --baseline-image\/--image\)/,
    );
  });
});

describe('gate --help', () => {
  it('lists every duet form with its flags and an example each', async () => {
    const r = await runCli(['gate', '--help']);
    expect(r.code).toBe(0);
    for (const f of DUET_FORMS) {
      expect(r.stdout).toContain(`${f.flags[0]} <`);
      // One example each: both flags, the candidate's maybe on a continuation line.
      expect(r.stdout).toMatch(
        new RegExp(String.raw`^  faasbench gate ${f.flags[0]} [^\n]*(\\\n +)?${f.flags[1]} `, 'm'),
      );
    }
  }, 30_000);
});

describe('commandSpecArg (a serving command → a command runtime spec)', () => {
  it('splits words as sh would, without a shell: quotes, backslashes, NAME=value words first as the environment', () => {
    const s = commandSpecArg('--command', `PORT={port} MODE='a b' {node} "my server.mjs" x\\ y $HOME *.c {module}`);
    expect(s.command).toEqual(['{node}', 'my server.mjs', 'x y', '$HOME', '*.c', '{module}']);
    expect(s.env).toEqual({ PORT: '{port}', MODE: 'a b' });
    expect(s).toMatchObject({
      id: 'command',
      ready: { port: true },
      variants: ['wasm'],
      freshInstancePerRequest: false,
    });
    expect(commandSpecArg('--command', 'srv --listen {host}:{port} {module}', ['node', 'wasm']).variants).toEqual([
      'node',
      'wasm',
    ]);
  });

  it('refuses shell operators, comments, a command with nowhere to listen, unknown placeholders, nothing to run', () => {
    expect(() => commandSpecArg('--command', 'srv {port} | tee log')).toThrow(
      `--command "srv {port} | tee log": '|' is a shell operator; the command is not run by a shell (one program and its arguments)`,
    );
    expect(() => commandSpecArg('--command', 'srv {port} > log')).toThrow(/'>' is a shell operator/);
    expect(() => commandSpecArg('--command', 'srv {port} # note')).toThrow(/a # comment/);
    expect(() => commandSpecArg('--baseline-command', 'srv --listen 8080 {module}')).toThrow(
      /^--baseline-command "srv --listen 8080 \{module\}": the server must listen where faasbench connects: put \{port\} in it/,
    );
    expect(() => commandSpecArg('--command', 'srv {prot} {port}')).toThrow(/unknown placeholder \{prot\}/);
    expect(() => commandSpecArg('--command', 'PORT={port}')).toThrow(/no command to run/);
  });

  it('a value naming a .json file is a full command spec, refused with its field paths like --command-spec', () => {
    const good = join(dir, 'spec.json');
    writeFileSync(good, JSON.stringify({ id: 'srv', command: ['srv', '{port}'], freshInstancePerRequest: true }));
    expect(commandSpecArg('--command', good)).toMatchObject({ id: 'srv', freshInstancePerRequest: true });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ command: [] }));
    expect(() => commandSpecArg('--command', bad)).toThrow(
      /^--command .*bad\.json: command: Array must contain at least 1/,
    );
  });
});

describe('gate --baseline-component --component (reference runtime)', () => {
  const a = join(dir, 'a.wasm');
  const slow = join(dir, 'slow.wasm');
  const lib = join(dir, 'lib.wasm');
  // The same handler, the candidate first counting down from 30 million (tens of ms against well under one).
  const spin = (n: number) =>
    `(local.set $i (i32.const ${n})) (block $done (loop $l (br_if $done (i32.eqz (local.get $i))) (i32.store (i32.const 2048) (local.get $i)) (local.set $i (i32.sub (local.get $i) (i32.const 1))) (br $l)))`;
  beforeAll(async () => {
    writeFileSync(a, await helloComponent());
    writeFileSync(slow, await watComponent(handlerModule({ prelude: spin(30_000_000) })));
    writeFileSync(
      lib,
      await watComponent(`(module (func (export "faasbench:probe/secret#f") (result i32) (i32.const 7)))`, {
        exportHandler: false,
      }),
    );
  });

  it('a component doing far more work fails (exit 1) with the ::error annotation', async () => {
    const out = join(dir, 'components');
    const r = await runCli(
      [
        'gate',
        '--baseline-component',
        a,
        '--component',
        slow,
        '--out',
        out,
        '--budget-seconds',
        '3',
        '--min-pairs',
        '10',
        '--quiet',
      ],
      { timeoutMs: 90_000 },
    );
    expect(r.stdout + r.stderr).toMatch(
      /^::error title=faasbench gate::wasm\/component-a → component-slow\/component cold_start_ns median: regressed \d+\.\d%25: above 5\.0%25 and significant/m,
    );
    expect(r.code).toBe(1);
    const run = resultsIn(out);
    expect(new Set(run.samples.map((s) => `${s.runtime}/${s.variant}/${String(s.tags?.side)}`))).toEqual(
      new Set(['wasm/component/baseline', 'wasm/component/candidate']),
    );
  }, 100_000);

  it.each([
    ['a core module', join(REPO_ROOT, 'workloads/hello/build/hello.wasm')],
    ['a component without the wasi:http handler export', lib],
  ])(
    'refuses %s with the sentence run --component gives, naming the side',
    async (_what, file) => {
      const run = await runCli(['run', '--component', file, '-r', 'wasm', '--out', join(dir, 'run-bad'), '--quiet']);
      expect(run.code).toBe(2);
      const sentence = run.stderr.trim();
      expect(sentence).toMatch(
        /^faasbench: --component \S+: component-\S+: (a core WebAssembly module|the component does not export wasi:http\/incoming-handler@0\.2\.x)/,
      );
      for (const [args, flag] of [
        [['--baseline-component', file, '--component', a], '--baseline-component'],
        [['--baseline-component', a, '--component', file], '--component'],
      ] as const) {
        const r = await runCli(['gate', ...args, '--out', join(dir, 'gate-bad'), '--quiet']);
        expect(r.code).toBe(2);
        expect(r.stderr.trim()).toBe(sentence.replace(/^faasbench: --component /, `faasbench: ${flag} `));
      }
    },
    60_000,
  );
});

describe('gate --baseline-command --command (command runtime)', () => {
  const server = join(REPO_ROOT, 'runtimes/shared/node-function-server.mjs');
  const serve = (handler = '{module}') => `PORT={port} {node} '${server}' ${handler}`;

  it('measures the workload served by each command, interleaved, and records each side’s command', async () => {
    const out = join(dir, 'commands');
    const r = await runCli(
      [
        'gate',
        '--baseline-command',
        serve(),
        '--command',
        serve(),
        '-w',
        'hello',
        '--variant',
        'node',
        '--out',
        out,
        ...TINY,
      ],
      { timeoutMs: 90_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/correct pairs command\/node\/cold_start_ns: 5\./);
    const run = resultsIn(out);
    const totals = run.samples.filter((s) => s.phase === 'total');
    expect(totals.every((s) => s.runtime === 'command' && s.workload === 'hello' && s.ok)).toBe(true);
    expect(totals.filter((s) => s.tags?.side === 'baseline')).toHaveLength(5);
    expect(totals.filter((s) => s.tags?.side === 'candidate')).toHaveLength(5);
    expect(run.header.config).toMatchObject({
      duet: {
        runtimeConfig: {
          baseline: { command: { spec: { command: ['{node}', server, '{module}'], env: { PORT: '{port}' } } } },
          candidate: { command: { spec: { command: ['{node}', server, '{module}'] } } },
        },
      },
    });
  }, 100_000);

  it('each side runs its own command: a candidate serving another function fails every sample, and the gate cannot decide (exit 2)', async () => {
    const echo = loadWorkload(join(builtinWorkloadsDir(), 'echo')).variantPaths.node!;
    const r = await runCli(
      [
        'gate',
        '--baseline-command',
        serve(),
        '--command',
        serve(`'${echo}'`),
        '-w',
        'hello',
        '--variant',
        'node',
        '--out',
        join(dir, 'commands-differ'),
        ...TINY,
      ],
      { timeoutMs: 90_000 },
    );
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(
      /^::warning title=faasbench gate::candidate command\/node\/cold_start_ns: gave up after 5 failed samples and none correct$/m,
    );
    expect(r.stdout).toMatch(
      /cannot decide: no pair with both samples correct \(PORT=\{port\} .*: 0 of \d+ failed, PORT=\{port\} .*: 5 of 5 failed\)/,
    );
    // It stops when nothing is left to sample, not "precision reached" over no pairs.
    expect(r.stdout).toMatch(
      /no pair could be measured; worst precision none; correct pairs command\/node\/cold_start_ns: 0\./,
    );
  }, 100_000);

  it.each([
    [['--baseline-command', 'srv {port}', '--command', 'srv {port} | tee x'], /'\|' is a shell operator/],
    [
      ['--baseline-command', 'srv {port}', '--command', 'srv {port}', '-r', 'wasm'],
      /--baseline-command\/--command run on the command runtime: give no --runtime, or --runtime command/,
    ],
    [
      ['--baseline-command', 'srv {port}', '--command', 'srv {port}', '--command-spec', 'x.json'],
      /--command-spec \(or FAASBENCH_COMMAND_SPEC\) cannot go with --baseline-command\/--command/,
    ],
  ])(
    'refused before anything starts (exit 2): %o',
    async (args, message) => {
      const r = await runCli(['gate', ...args, '--out', join(dir, 'commands-bad'), '--quiet']);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
    },
    30_000,
  );
});

const required = process.env['FAASBENCH_REQUIRE_EXTERNAL'] === '1';
const tools = [findTool('wazero'), findTool('wasmtime')];
describe.skipIf(!tools.every((t) => t.ok) && !required)('gate with command spec files: wazero vs wasmtime', () => {
  it('two runtime builds, each side its own spec (a fresh instance per request), paired under one runtime id', async () => {
    for (const t of tools) expect(t.ok, t.ok ? '' : t.reason).toBe(true);
    const examples = join(REPO_ROOT, 'runtimes/external/command/examples');
    const out = join(dir, 'specs');
    const r = await runCli(
      [
        'gate',
        '--baseline-command',
        join(examples, 'wazero-cgi.json'),
        '--command',
        join(examples, 'wasmtime-cgi.json'),
        '--out',
        out,
        ...TINY,
      ],
      { timeoutMs: 90_000 },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/correct pairs command\/wasm\/cold_start_ns: 5\./);
    const run = resultsIn(out);
    expect(new Set(run.samples.map((s) => `${s.runtime}/${String(s.tags?.side)}`))).toEqual(
      new Set(['command/baseline', 'command/candidate']),
    );
    expect(run.header.versions['baseline.command.version']).toMatch(/^v?1\.12\.\d/);
    expect(run.header.versions['candidate.command.version']).toMatch(/^wasmtime 48\.0\.\d/);
  }, 100_000);
});

const engine = connectEngine();
const engineUp = (await engineStatus(engine)).availability;

describe('gate --baseline-image --image, refusals (no engine needed)', () => {
  it.each([
    [
      ['--baseline-image', 'x:a', '--image', 'x:b', '-r', 'wasm'],
      /--baseline-image\/--image run on the container runtime/,
    ],
    [
      ['--baseline-image', 'x:a', '--image', 'x:b', '--container-image', 'x:c'],
      /--container-image \(or FAASBENCH_CONTAINER_IMAGE\) cannot go with --baseline-image\/--image/,
    ],
  ])(
    '%o',
    async (args, message) => {
      const r = await runCli(['gate', ...args, '--out', join(dir, 'images-bad'), '--quiet']);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
    },
    30_000,
  );
});

describe.skipIf(!engineUp.ok)('gate --baseline-image --image (container runtime, real Docker engine)', () => {
  // Two tags of hello's node image, built offline by the adapter's own builder (no registry); removed after (the image stays).
  const tags = ['faasbench-gate-test:a', 'faasbench-gate-test:b'];
  beforeAll(async () => {
    const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
    const built = await new ImageBuilder(engine).forVariant(hello, 'node');
    for (const t of tags) {
      const [repo, tag] = t.split(':');
      await engine.docker.getImage(built.tag).tag({ repo, tag });
    }
  }, 300_000);
  afterAll(async () => {
    for (const t of tags)
      await engine.docker
        .getImage(t)
        .remove()
        .catch(() => {});
  });

  it('measures the two images interleaved on hello, each side its own image, and leaves no container', async () => {
    const out = join(dir, 'images');
    const r = await runCli(['gate', '--baseline-image', tags[0]!, '--image', tags[1]!, '--out', out, ...TINY], {
      timeoutMs: 120_000,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/correct pairs container\/node\/cold_start_ns: 5\./);
    const run = resultsIn(out);
    const totals = run.samples.filter((s) => s.phase === 'total');
    expect(
      totals.every((s) => s.runtime === 'container' && s.workload === 'hello' && s.variant === 'node' && s.ok),
    ).toBe(true);
    expect(totals.filter((s) => s.tags?.side === 'baseline')).toHaveLength(5);
    expect(run.header.config).toMatchObject({
      duet: {
        runtimeConfig: { baseline: { container: { image: tags[0] } }, candidate: { container: { image: tags[1] } } },
      },
    });
    expect(run.header.versions).toMatchObject({
      'baseline.container.image': tags[0],
      'candidate.container.image': tags[1],
    });
    const left = await engine.docker.listContainers({ all: true, filters: { label: ['faasbench=1'] } });
    expect(left.filter((c) => c.Image.startsWith('faasbench-gate-test'))).toEqual([]);
  }, 150_000);

  it('an image that is not here: exit 2 naming the side and the image', async () => {
    const r = await runCli(
      [
        'gate',
        '--baseline-image',
        tags[0]!,
        '--image',
        'faasbench-gate-test:absent',
        '--out',
        join(dir, 'images-absent'),
        ...TINY,
      ],
      { timeoutMs: 60_000 },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^faasbench: the duet measured nothing: container\/node: prepare failed: candidate: image faasbench-gate-test:absent is not present locally \(no registry is used: build or load it first\)/m,
    );
  }, 90_000);
});
