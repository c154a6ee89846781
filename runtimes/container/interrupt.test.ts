// Ctrl-C during a run: the run verb stops, and the containers it started are gone.

import { watchCli } from '../../test/cli-helpers.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { connectEngine, engineStatus } from './engine.js';

const engine = connectEngine();
const up = (await engineStatus(engine)).availability.ok;

async function containersOf(pid: number): Promise<number> {
  return (await engine.docker.listContainers({ all: true, filters: { label: [`faasbench.pid=${pid}`] } })).length;
}

describe.skipIf(!up)('interrupting a container run', () => {
  it('SIGINT mid-run leaves no container behind and a results file', async () => {
    const out = mkdtempSync(join(tmpdir(), 'faasbench-int-'));
    const { child, exited, output } = watchCli([
      'run',
      '--runtime',
      'container',
      '--workload',
      'hello',
      '--variant',
      'native',
      '-n',
      '200',
      '--warmup',
      '0',
      '-o',
      out,
      '-q',
      '--no-report',
    ]);
    try {
      const pid = child.pid!;
      // Wait until the run has a container of its own, then interrupt it.
      const deadline = Date.now() + 60_000;
      while ((await containersOf(pid)) === 0) {
        if (Date.now() > deadline || child.exitCode !== null)
          throw new Error(`the run never started a container: ${output()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      child.kill('SIGINT');
      await exited;
      expect(await containersOf(pid)).toBe(0);
      expect(output()).toMatch(/results: .*\.jsonl/);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(out, { recursive: true, force: true });
    }
  });
});
