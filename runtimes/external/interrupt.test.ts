// A `faasbench run` on an external runtime, interrupted: Ctrl-C (SIGINT) mid-run leaves
// no server process of that run behind and keeps a results file; after a kill -9 of the
// harness, its CGI fronts end by themselves (their parent is gone). Against the real
// wazero (FAASBENCH_REQUIRE_EXTERNAL=1 under scripts/test.sh makes its absence a failure).

import { watchCli } from '../../test/cli-helpers.js';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTool } from './tools.js';
import { OWNER_VARIABLE } from './supervise.js';

const required = process.env['FAASBENCH_REQUIRE_EXTERNAL'] === '1';

/** Live (not zombie) processes labelled as owned by `owner`. */
function serversOf(owner: number): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (/^State:\s+Z/m.test(readFileSync(`/proc/${name}/status`, 'utf8'))) continue;
      if (readFileSync(`/proc/${name}/environ`, 'latin1').split('\0').includes(`${OWNER_VARIABLE}=${owner}`))
        pids.push(Number(name));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function startRun(out: string) {
  const { child, exited, output } = watchCli([
    'run',
    '--runtime',
    'wazero',
    '--wasm',
    'workloads/hello/build/hello.wasm',
    '-n',
    '400',
    '--warmup',
    '0',
    '-o',
    out,
    '-q',
    '--no-report',
  ]);
  const serving = async (): Promise<number[]> => {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const s = serversOf(child.pid!);
      if (s.length > 0) return s;
      if (Date.now() > deadline || child.exitCode !== null)
        throw new Error(`the run never started a server: ${output()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { child, exited, serving, output };
}

describe.skipIf(!findTool('wazero').ok && !required)('interrupting a run on an external runtime', () => {
  it('SIGINT mid-run stops its servers and keeps the results file, whose header has the version', async () => {
    const out = mkdtempSync(join(tmpdir(), 'faasbench-ext-int-'));
    const run = startRun(out);
    try {
      await run.serving();
      run.child.kill('SIGINT');
      await run.exited;
      expect(serversOf(run.child.pid!)).toEqual([]);
      const file = /results: (\S+\.jsonl)/.exec(run.output())?.[1];
      expect(file, run.output()).toBeDefined();
      // The header names the runtime's version and its per-request command line.
      const header = JSON.parse(readFileSync(file!, 'utf8').split('\n')[0]!) as { versions: Record<string, string> };
      expect(header.versions['wazero.version']).toMatch(/^\d+\.\d+\.\d+/);
      expect(header.versions['wazero.per_request']).toMatch(/wazero run -cachedir -env-inherit/);
    } finally {
      if (run.child.exitCode === null) run.child.kill('SIGKILL');
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('after a kill -9 of the harness its CGI fronts end by themselves', async () => {
    const out = mkdtempSync(join(tmpdir(), 'faasbench-ext-kill-'));
    const run = startRun(out);
    try {
      const servers = await run.serving();
      run.child.kill('SIGKILL');
      await run.exited;
      for (let i = 0; i < 60 && serversOf(run.child.pid!).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(serversOf(run.child.pid!), `fronts ${servers.join(', ')} still running`).toEqual([]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
