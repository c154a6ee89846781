// The generic `command` runtime: spec files are validated field by field, and the
// example specs (examples/*.json) serve the built-in workloads through the real wazero
// and wasmtime CLIs, every response checked against the manifest. Like the other
// external tests, a missing binary fails under scripts/test.sh (FAASBENCH_REQUIRE_EXTERNAL=1)
// and is a skip with its reason elsewhere.

import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkResponse } from '../../../harness/verify.js';
import { builtinWorkloadsDir, loadWorkload } from '../../../model/workload.js';
import { findTool, type ToolName } from '../tools.js';
import { CommandAdapter } from './adapter.js';
import { expand, parseCommandSpec, readCommandSpec } from './spec.js';

const required = process.env['FAASBENCH_REQUIRE_EXTERNAL'] === '1';
const examples = join(import.meta.dirname, 'examples');
const adapters: CommandAdapter[] = [];
afterAll(async () => {
  await Promise.all(adapters.map((a) => a.dispose()));
});

describe('command spec', () => {
  it('fills defaults and validates each field, naming it', () => {
    const s = parseCommandSpec({ command: ['srv', '{host}:{port}'] });
    expect(s).toMatchObject({
      id: 'command',
      ready: { port: true },
      variants: ['wasm'],
      freshInstancePerRequest: false,
      startTimeoutMs: 20_000,
    });
    expect(() => parseCommandSpec({ command: [] }, 'x.json')).toThrow(
      /x\.json: command: Array must contain at least 1/,
    );
    expect(() => parseCommandSpec({ command: ['a'], variants: ['python'] })).toThrow(/variants\.0: Invalid enum value/);
    expect(() => parseCommandSpec({ command: ['a'], ready: { tcp: 1 } })).toThrow(/ready/);
    expect(() => parseCommandSpec({ command: ['a'], extra: 1 })).toThrow(/Unrecognized key.*extra/);
    expect(() => parseCommandSpec({ command: ['a'], files: { '../escape': '' } })).toThrow(/files/);
    expect(() => parseCommandSpec({ command: ['serve', '{modul}'] })).toThrow(/unknown placeholder \{modul\}/);
  });

  it('expands placeholders and keeps {{ }} literal', () => {
    expect(expand('{host}:{port} {{x}}', (p) => (p === 'host' ? '127.0.0.1' : '8080'))).toBe('127.0.0.1:8080 {x}');
  });

  it('without a spec the runtime is unavailable with how to give one', async () => {
    const a = new CommandAdapter();
    expect(await a.available()).toMatchObject({ ok: false, reason: expect.stringMatching(/--command-spec FILE/) });
    const b = new CommandAdapter({ specFile: '/nonexistent/spec.json' });
    expect(await b.available()).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/cannot read the command spec \(ENOENT\)/),
    });
  });

  it('every example spec parses', () => {
    for (const f of ['wazero-cgi.json', 'wasmtime-cgi.json', 'wasmtime-serve.json', 'spin.json'])
      expect(readCommandSpec(join(examples, f)).command.length).toBeGreaterThan(0);
  });
});

const cases: Array<[ToolName, string]> = [
  ['wazero', 'wazero-cgi.json'],
  ['wasmtime', 'wasmtime-cgi.json'],
];
for (const [tool, file] of cases) {
  const found = findTool(tool);
  describe.skipIf(!found.ok && !required)(`command runtime with ${tool} as the command (${file})`, () => {
    it.each(['hello', 'echo'])('serves %s: every test-size request answered as the manifest says', async (name) => {
      expect(found.ok, found.ok ? '' : found.reason).toBe(true);
      const a = new CommandAdapter({ specFile: join(examples, file) });
      adapters.push(a);
      const avail = await a.available();
      expect(avail).toMatchObject({ ok: true });
      expect((await a.describeVersions())['version']).toMatch(/\d+\.\d+\.\d+/);
      const w = loadWorkload(join(builtinWorkloadsDir(), name));
      const { instance, phases } = await a.start(await a.prepare(w, 'wasm'));
      expect(phases.map((p) => p.phase)).toEqual(['spawn', 'ready']);
      for (const r of w.requests.filter((q) => q.size === 'test')) {
        expect(checkResponse(r.expect, (await a.invoke(instance, r)).response), `${name} ${r.name}`).toEqual({
          ok: true,
        });
      }
      expect((await a.usage(instance)).rssBytes).toBeGreaterThan(1 << 20);
      await a.stop(instance);
      await expect(a.prepare(w, 'node')).rejects.toThrow(/takes wasm variants/);
    });
  });
}
