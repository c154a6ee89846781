// Against the real Docker engine (scripts/ensure-docker starts it): no mocked API.
// Skipped, with the reason, only when no engine answers.

import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCell } from '../../harness/modes/cold.js';
import type { CellContext } from '../../harness/modes/types.js';
import { resolveModeOptions } from '../../harness/options.js';
import { checkResponse } from '../../harness/verify.js';
import { builtinWorkloadsDir, loadWorkload } from '../../model/workload.js';
import { ContainerAdapter } from './adapter.js';
import { connectEngine, engineStatus } from './engine.js';
import { BUSYBOX_CANDIDATES } from '../shared/busybox.js';
import { ImageBuilder } from './images.js';

const engine = connectEngine();
const up = (await engineStatus(engine)).availability.ok;
const hello = loadWorkload(join(builtinWorkloadsDir(), 'hello'));
const get = hello.requests[0]!;
const tmp = mkdtempSync(join(tmpdir(), 'faasbench-container-'));
const busybox = BUSYBOX_CANDIDATES.find((p) => existsSync(p))!;

async function runContainers(runId: string): Promise<string[]> {
  const list = await engine.docker.listContainers({ all: true, filters: { label: [`faasbench.run=${runId}`] } });
  return list.map((c) => c.Id);
}

describe.skipIf(!up)('container adapter (real Docker engine)', () => {
  const adapter = new ContainerAdapter({ startDeadlineMs: 20_000 });
  beforeAll(async () => {
    expect((await adapter.available()).ok).toBe(true);
  });
  afterAll(async () => {
    await adapter.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('builds a node image once and reuses it while the workload is unchanged', async () => {
    const dir = join(tmp, 'hello-copy');
    cpSync(hello.dir, dir, { recursive: true });
    writeFileSync(
      join(dir, 'node', 'handler.mjs'),
      `// nonce ${Date.now()} ${Math.random()}\nexport default () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'Hello from faasbench\\n' });\n`,
    );
    const w = loadWorkload(dir);
    const builder = new ImageBuilder(engine);
    const first = await builder.forVariant(w, 'node');
    const second = await new ImageBuilder(engine).forVariant(w, 'node');
    expect(first.built).toBe(true);
    expect(second.built).toBe(false);
    expect(second.tag).toBe(first.tag);
    writeFileSync(join(dir, 'node', 'extra.txt'), 'changed');
    const third = await new ImageBuilder(engine).forVariant(w, 'node');
    expect(third.tag).not.toBe(first.tag);
    await engine.docker.getImage(third.tag).remove({ force: true });
    await engine.docker.getImage(first.tag).remove({ force: true });
  });

  // Every variant hello has (native lands with the workloads issue).
  it.each((['node', 'native', 'wasm'] as const).filter((v) => hello.variantPaths[v]))(
    'cold-starts hello %s and it answers correctly, warm too',
    async (variant) => {
      const d = await adapter.prepare(hello, variant);
      const { instance, phases } = await adapter.start(d);
      try {
        expect(phases.map((p) => p.phase)).toEqual(['create', 'start', 'ready']);
        for (const p of phases) expect(p.ns).toBeGreaterThan(0);
        for (let i = 0; i < 2; i++) {
          const r = await adapter.invoke(instance, get);
          expect(checkResponse(get.expect, r.response)).toEqual({ ok: true });
        }
        const mem = await adapter.usage(instance);
        expect(mem.cgroupBytes).toBeGreaterThan(0);
      } finally {
        await adapter.stop(instance);
      }
    },
  );

  it('runs containers hardened, labelled and on 127.0.0.1, and removes them on stop and dispose', async () => {
    const a = new ContainerAdapter();
    const d = await a.prepare(hello, 'native');
    const { instance } = await a.start(d);
    const id = instance.data.containerId;
    const info = await engine.docker.getContainer(id).inspect();
    expect(info.HostConfig.CapDrop).toEqual(['ALL']);
    expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(Object.keys(info.HostConfig.Tmpfs ?? {})).toEqual(['/tmp']);
    expect(info.HostConfig.Memory).toBe(256 * 2 ** 20);
    expect(info.HostConfig.PidsLimit).toBe(128);
    expect(info.HostConfig.NetworkMode).toBe('host');
    expect(info.Config.User).toBe('65534:65534');
    expect(info.Config.Labels).toMatchObject({ faasbench: '1', 'faasbench.run': a.runId });
    expect(instance.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const second = await a.start(d);
    expect(await runContainers(a.runId)).toHaveLength(2);
    await a.stop(instance);
    expect(await runContainers(a.runId)).toHaveLength(1);
    await a.dispose();
    expect(await runContainers(a.runId)).toEqual([]);
    expect(second.instance.url).not.toBe(instance.url);
  });

  it('removes containers left by a dead faasbench process at the next start, and only those', async () => {
    const dead = await new Promise<number>((resolve) => {
      const c = spawn(process.execPath, ['-e', '0']);
      c.once('exit', () => resolve(c.pid!));
    });
    const image = (await new ImageBuilder(engine).forVariant(hello, 'native')).tag;
    const runId = `stale-test-${process.pid}-${Date.now()}`;
    const mk = (pid: number) =>
      engine.docker.createContainer({
        Image: image,
        Labels: { faasbench: '1', 'faasbench.run': runId, 'faasbench.pid': String(pid) },
      });
    await mk(dead);
    const mine = await mk(process.pid);
    const a = new ContainerAdapter();
    expect((await a.available()).ok).toBe(true);
    // (Another faasbench process starting at the same time may have swept it first: the outcome is what counts.)
    expect(await runContainers(runId)).toEqual([mine.id]);
    await mine.remove({ force: true });
    await a.dispose();
  });

  describe('faults', () => {
    let exitImage = '';
    let silentImage = '';
    beforeAll(async () => {
      const builder = new ImageBuilder(engine);
      const files = [
        { path: 'rootfs/bin/busybox', mode: 0o755, data: (await import('node:fs')).readFileSync(busybox) },
      ];
      exitImage = (
        await builder.ensure({
          repo: 'faasbench/test-exits',
          files,
          dockerfile:
            'FROM scratch\nCOPY rootfs/ /\nLABEL faasbench=1\nENTRYPOINT ["/bin/busybox", "sh", "-c", "echo boom >&2; exit 3"]\n',
        })
      ).tag;
      silentImage = (
        await builder.ensure({
          repo: 'faasbench/test-silent',
          files,
          dockerfile: 'FROM scratch\nCOPY rootfs/ /\nLABEL faasbench=1\nENTRYPOINT ["/bin/busybox", "sleep", "3600"]\n',
        })
      ).tag;
    });

    function ctxFor(a: ContainerAdapter, deployment: Awaited<ReturnType<ContainerAdapter['prepare']>>): CellContext {
      return {
        adapter: a,
        workload: hello,
        variant: 'node',
        deployment,
        request: get,
        options: resolveModeOptions({ iterations: 1, warmup: 0 }),
        warn: () => {},
      };
    }

    it('a container that exits at start is a recorded failure with its output, and is removed', async () => {
      const a = new ContainerAdapter({ image: exitImage, startDeadlineMs: 20_000 });
      try {
        const rows = await startCell(ctxFor(a, await a.prepare(hello, 'node')), 'cold_start_ns', 'instance').sample(0);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ phase: 'total', ok: false });
        expect(rows[0]!.error).toMatch(/exited at start with code 3/);
        expect(rows[0]!.error).toMatch(/boom/);
        expect(await runContainers(a.runId)).toEqual([]);
      } finally {
        await a.dispose();
      }
    });

    it('a container that never opens its port fails at the start deadline and is removed', async () => {
      const a = new ContainerAdapter({ image: silentImage, startDeadlineMs: 1_500 });
      try {
        const t0 = Date.now();
        const rows = await startCell(ctxFor(a, await a.prepare(hello, 'node')), 'cold_start_ns', 'instance').sample(0);
        expect(rows[0]).toMatchObject({ phase: 'total', ok: false });
        expect(rows[0]!.error).toMatch(/did not open port \d+ within 1500 ms/);
        expect(Date.now() - t0).toBeLessThan(20_000);
        expect(await runContainers(a.runId)).toEqual([]);
      } finally {
        await a.dispose();
      }
    });

    it('a container that answers wrongly is a conformance failure, not a sample', async () => {
      const dir = join(tmp, 'hello-wrong');
      cpSync(hello.dir, dir, { recursive: true });
      writeFileSync(
        join(dir, 'node', 'handler.mjs'),
        "export default () => ({ status: 200, headers: { 'content-type': 'text/plain' }, body: 'Goodbye\\n' });\n",
      );
      const w = loadWorkload(dir);
      const a = new ContainerAdapter();
      let tag = '';
      try {
        const d = await a.prepare(w, 'node');
        tag = d.data.image.tag;
        const rows = await startCell({ ...ctxFor(a, d), workload: w }, 'cold_start_ns', 'instance').sample(0);
        expect(rows).toHaveLength(1);
        expect(rows[0]).toMatchObject({ phase: 'total', ok: false });
        expect(rows[0]!.error).toMatch(/Goodbye/);
        expect(await runContainers(a.runId)).toEqual([]);
      } finally {
        await a.dispose();
        if (tag)
          await engine.docker
            .getImage(tag)
            .remove({ force: true })
            .catch(() => {});
      }
    });

    it('an image that is not there is named', async () => {
      const a = new ContainerAdapter({ image: 'faasbench/no-such-image:nope' });
      await expect(a.prepare(hello, 'node')).rejects.toThrow(/not present locally/);
      await a.dispose();
    });

    it('an image build failure carries the last lines of the build log', async () => {
      const builder = new ImageBuilder(engine);
      await expect(
        builder.ensure({
          repo: 'faasbench/test-broken',
          files: [],
          dockerfile: 'FROM scratch\nCOPY missing-file /x\n',
        }),
      ).rejects.toThrow(
        /building image faasbench\/test-broken:\w+ failed: .*missing-file[\s\S]*last lines of the build log:\n.*Step 1\/2 : FROM scratch/,
      );
    });
  });
});

describe('container adapter without an engine', () => {
  it('says the socket is missing', async () => {
    const a = new ContainerAdapter({ socketPath: join(tmpdir(), 'faasbench-no-such-docker.sock') });
    const r = await a.available();
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/socket .*faasbench-no-such-docker\.sock does not exist.*ensure-docker/);
  });

  it('says the engine does not answer when something else holds the socket', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faasbench-sock-'));
    const path = join(dir, 'docker.sock');
    const server = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => server.listen(path, r));
    try {
      const a = new ContainerAdapter({ socketPath: path });
      const r = await a.available();
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.reason).toMatch(/does not answer/);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
