// Cross-variant conformance as a CI test: every built-in workload, every variant,
// sizes test and small, must match its manifest and the other variants byte for byte.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../test/cli-helpers.js';
import type { FunctionResponse } from '../../runtimes/types.js';
import {
  builtinWorkloadsDir,
  isComponentVariant,
  REQUEST_SIZES,
  resolveWorkloads,
  type LoadedWorkload,
  type VariantKind,
} from '../../model/workload.js';
import { artifactSizes, conformTable, conformWorkloads, diffResponses, type VariantRunners } from './workloads.js';

const workloads = resolveWorkloads(undefined);
const res = (
  body: string,
  status = 200,
  headers: Record<string, string> = { 'content-type': 'text/plain' },
): FunctionResponse => ({
  status,
  headers,
  body: Buffer.from(body),
});

describe('the built-in workload suite', () => {
  it('has at least eight workloads, each with three committed variants, a component declared, and requests of every size', () => {
    expect(workloads.length).toBeGreaterThanOrEqual(8);
    for (const w of workloads) {
      expect(
        Object.keys(w.variantPaths)
          .filter((k) => !isComponentVariant(k as VariantKind))
          .sort(),
        w.name,
      ).toEqual(['native', 'node', 'wasm']);
      expect(w.manifest.variants.component?.source, w.name).toBe('node/handler.mjs');
      expect([...new Set(w.requests.map((r) => r.size))].sort(), w.name).toEqual([...REQUEST_SIZES].sort());
    }
  });

  it.each(workloads.map((w) => [w.name, w] as const))(
    '%s: wasm, native and node answer identically (sizes test, small)',
    async (_name, w) => {
      const report = await conformWorkloads([w], { sizes: ['test', 'small'], variants: ['wasm', 'native', 'node'] });
      const failures = report.rows.filter((r) => !r.ok).map((r) => `${r.request}/${r.variant}: ${r.reason}`);
      expect(failures.concat(report.diffs)).toEqual([]);
      expect(report.rows.length).toBe(3 * w.requests.filter((r) => r.size !== 'large').length);
    },
  );

  // The component (componentize-js, built by scripts/build-components.ts, which
  // scripts/test.sh runs) against the wasm variant, on a guest thread as served.
  it.each(workloads.map((w) => [w.name, w] as const))(
    '%s: the component variant answers like wasm (size test)',
    async (_name, w) => {
      expect(w.unbuilt?.component, 'component variant not built').toBeUndefined();
      const report = await conformWorkloads([w], { sizes: ['test'], variants: ['wasm', 'component'] });
      const failures = report.rows.filter((r) => !r.ok).map((r) => `${r.request}/${r.variant}: ${r.reason}`);
      expect(failures.concat(report.diffs)).toEqual([]);
      expect(report.rows.filter((r) => r.variant === 'component').length).toBe(
        w.requests.filter((r) => r.size === 'test').length,
      );
    },
    180_000,
  );

  // The C source as a component (scripts/build-c-components.ts, committed and pinned like
  // the wasm artifact, --check in scripts/test.sh) against wasm, native and node: every size.
  it.each(workloads.map((w) => [w.name, w] as const))(
    '%s: the component-c variant answers like wasm, native and node (every size)',
    async (_name, w) => {
      expect(w.variantPaths['component-c'], 'component-c variant declared').toBeDefined();
      const report = await conformWorkloads([w], { variants: ['wasm', 'native', 'node', 'component-c'] });
      const failures = report.rows.filter((r) => !r.ok).map((r) => `${r.request}/${r.variant}: ${r.reason}`);
      expect(failures.concat(report.diffs)).toEqual([]);
      expect(report.rows.filter((r) => r.variant === 'component-c').length).toBe(w.requests.length);
    },
    180_000,
  );

  it('prints artifact sizes per variant', () => {
    const table = artifactSizes(workloads);
    expect(table.split('\n')[0]).toMatch(
      /^workload\s+wasm bytes\s+native bytes\s+node bytes\s+component bytes\s+component-c bytes$/,
    );
    expect(table).toMatch(/\nhello\s+\d+\s+\d+\s+\d+/);
  });
});

describe('a variant that disagrees', () => {
  // Fake hosts: wasm answers as the manifest says, node differs in one byte, native crashes.
  const hello = workloads.find((w) => w.name === 'hello')!;
  const runners = (nodeBody: string): VariantRunners => ({
    async get(_w: LoadedWorkload, kind) {
      if (kind === 'native')
        return async () => {
          throw new Error('segfault');
        };
      return async () => res(kind === 'node' ? nodeBody : 'Hello from faasbench\n');
    },
    async close() {},
  });

  it('fails the run with a diff of the two responses', async () => {
    const report = await conformWorkloads([hello], { sizes: ['test'], runners: runners('Hello from faasbenCH\n') });
    expect(report.ok).toBe(false);
    const byKind = Object.fromEntries(report.rows.map((r) => [r.variant, r]));
    expect(byKind['wasm']!.ok).toBe(true);
    expect(byKind['native']!.reason).toBe('segfault');
    expect(byKind['node']!.ok).toBe(false);
    expect(report.diffs).toHaveLength(1);
    expect(report.diffs[0]).toContain('hello / get (test): wasm vs node');
    expect(report.diffs[0]).toContain('first difference at byte 18 (line 1)');
    expect(conformTable(report)).toMatch(/hello\s+get\s+test\s+ok [\d.]+ms\s+FAIL\s+FAIL/);
  });
});

describe('diffResponses', () => {
  it('is null for identical responses', () => {
    expect(diffResponses(res('a\nb'), res('a\nb'))).toBeNull();
  });
  it('names status, header and body differences', () => {
    const d = diffResponses(res('line1\nline2', 200), res('line1\nlineX', 404, { 'content-type': 'text/html' }))!;
    expect(d).toContain('status: 200 vs 404');
    expect(d).toContain('header content-type: "text/plain" vs "text/html"');
    expect(d).toContain('first difference at byte 10 (line 2)');
    expect(d).toContain('- "line1\\nline2"');
    expect(d).toContain('+ "line1\\nlineX"');
  });
  it('catches a body that is a prefix of the other', () => {
    expect(diffResponses(res('abc'), res('abcd'))).toContain('body: 3 vs 4 bytes, first difference at byte 3');
  });
});

describe('faasbench conform workloads (CLI)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'faasbench-conform-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('prints the table and exits 0 when the variants agree', async () => {
    const r = await runCli([
      'conform',
      'workloads',
      '--workload',
      'hello',
      '--size',
      'test',
      '--variant',
      'wasm',
      'native',
      'node',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/hello\s+get\s+test\s+ok [\d.]+ms\s+ok [\d.]+ms\s+ok [\d.]+ms/);
    expect(r.stdout).toContain('all 3 responses match the manifests and each other');
  });

  it('exits 1 with a diff when a variant of a workload folder disagrees', async () => {
    const dir = join(tmp, 'hello-broken');
    cpSync(join(builtinWorkloadsDir(), 'hello'), dir, { recursive: true });
    writeFileSync(
      join(dir, 'node', 'handler.mjs'),
      "export default () => ({ headers: { 'content-type': 'text/plain' }, body: 'Hello from faasbenCH\\n' });\n",
    );
    const r = await runCli([
      'conform',
      'workloads',
      '--workload',
      dir,
      '--size',
      'test',
      '--variant',
      'wasm',
      'native',
      'node',
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/hello\s+get\s+test\s+ok [\d.]+ms\s+ok [\d.]+ms\s+FAIL/);
    expect(r.stdout).toContain('variants disagree:\nhello / get (test): wasm vs node');
    expect(r.stdout).toContain('first difference at byte 18');
  });

  it('--sizes prints artifact sizes per variant', async () => {
    const r = await runCli(['conform', 'workloads', '--sizes']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^workload\s+wasm bytes\s+native bytes\s+node bytes\s+component bytes\s+component-c bytes\n/,
    );
    expect(r.stdout.trim().split('\n')).toHaveLength(workloads.length + 1);
  });
});

describe('a wasm variant that never ends', () => {
  it('fails its request at the deadline instead of hanging the check', async () => {
    const { guestModule } = await import('../../test/wasm-fixtures.js');
    const { createHash } = await import('node:crypto');
    const { loadWorkload } = await import('../../model/workload.js');
    const dir = mkdtempSync(join(tmpdir(), 'faasbench-loop-wl-'));
    const bytes = guestModule({ end: { kind: 'loop' } });
    writeFileSync(join(dir, 'loop.wasm'), bytes);
    writeFileSync(
      join(dir, 'workload.json'),
      JSON.stringify({
        name: 'loop',
        description: 'never ends',
        variants: { wasm: { artifact: 'loop.wasm', sha256: createHash('sha256').update(bytes).digest('hex') } },
        requests: [{ name: 'get', size: 'test', method: 'GET', path: '/', expect: { status: 200 } }],
      }),
    );
    const { defaultRunners } = await import('./workloads.js');
    const runners = defaultRunners({ timeoutMs: 300 });
    try {
      const call = await runners.get(loadWorkload(dir), 'wasm');
      await expect(call({ method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() })).rejects.toThrow(
        /deadline|timeout|time/i,
      );
    } finally {
      await runners.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
