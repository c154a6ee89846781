import { afterEach, describe, expect, it } from 'vitest';
import { cgiGuest, guestModule } from '../../test/wasm-fixtures.js';
import { compileCommand } from './module.js';
import { ExecutorOverloaded, GuestThreadExecutor } from './guest-threads.js';

const req = { args: ['g'], env: [], stdin: new Uint8Array() };
const text = (b: Uint8Array) => Buffer.from(b).toString();

describe('GuestThreadExecutor', () => {
  const pools: GuestThreadExecutor[] = [];
  const pool = (opts: ConstructorParameters<typeof GuestThreadExecutor>[0]) => {
    const p = new GuestThreadExecutor(opts);
    pools.push(p);
    return p;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.close()));
  });

  it('runs many requests for several modules on the same threads, each with its own output', async () => {
    const p = pool({ size: 2 });
    const a = await compileCommand(cgiGuest('a\n'), 'a');
    const b = await compileCommand(cgiGuest('b\n'), 'b');
    const outs = await Promise.all(Array.from({ length: 40 }, (_, i) => p.execute(i % 2 ? b : a, req)));
    outs.forEach((o, i) => {
      expect(o.end).toEqual({ kind: 'exit', code: 0 });
      expect(text(o.stdout)).toBe(`Content-Type: text/plain\n\n${i % 2 ? 'b' : 'a'}\n`);
    });
    expect(p.replaced).toBe(0);
  });

  it('requests lined up behind a looping guest on its thread are re-queued, not lost', async () => {
    const p = pool({ size: 1, deadlineMs: 300, pipeline: 4 });
    await p.ready();
    const loop = await compileCommand(guestModule({ end: { kind: 'loop' } }), 'loop');
    const ok = await compileCommand(cgiGuest('ok\n'), 'ok');
    const [l, ...rest] = await Promise.all([
      p.execute(loop, req),
      p.execute(ok, req),
      p.execute(ok, req),
      p.execute(ok, req),
    ]);
    expect(l!.end.kind).toBe('timeout');
    for (const o of rest) expect(text(o.stdout)).toBe('Content-Type: text/plain\n\nok\n');
    expect(p.replaced).toBe(1);
  });

  it('no request waits behind a spinning guest while another thread is idle (no head-of-line blocking)', async () => {
    // Two threads, requests sent ahead to a thread (pipeline 4), one guest that spins
    // until its long deadline. Every fast request must be answered while the looper
    // is still running: none may sit behind it on its thread.
    const p = pool({ size: 2, deadlineMs: 4000, pipeline: 4 });
    await p.ready();
    const loop = await compileCommand(guestModule({ end: { kind: 'loop' } }), 'loop');
    const ok = await compileCommand(cgiGuest('ok\n'), 'ok');
    const order: string[] = [];
    const looper = p.execute(loop, req).then((o) => {
      order.push('looper');
      return o;
    });
    const fast = Array.from({ length: 12 }, (_, i) =>
      p.execute(ok, req).then((o) => {
        order.push(`fast${i}`);
        return o;
      }),
    );
    for (const o of await Promise.all(fast)) expect(text(o.stdout)).toBe('Content-Type: text/plain\n\nok\n');
    expect(order).not.toContain('looper');
    expect((await looper).end.kind).toBe('timeout');
    expect(order.at(-1)).toBe('looper');
  }, 20_000);

  it('under steady load, requests sent ahead to a thread that is stuck move to one that is not', async () => {
    // The other thread never goes idle here (a new request arrives as each one ends),
    // so only stealing from the stuck thread's line can serve the ones behind the looper.
    const p = pool({ size: 2, deadlineMs: 4000, pipeline: 4 });
    await p.ready();
    const loop = await compileCommand(guestModule({ end: { kind: 'loop' } }), 'loop');
    const ok = await compileCommand(cgiGuest('ok\n'), 'ok');
    let looperDone = false;
    const looper = p.execute(loop, req).then((o) => {
      looperDone = true;
      return o;
    });
    const early = Array.from({ length: 6 }, () => p.execute(ok, req));
    // Keep two requests in flight until the early ones are all answered.
    let stop = false;
    const feeders = Array.from({ length: 2 }, async () => {
      while (!stop) await p.execute(ok, req);
    });
    const answered = await Promise.all(early);
    const whileLooping = !looperDone;
    stop = true;
    await Promise.all(feeders);
    expect(answered.every((o) => o.end.kind === 'exit')).toBe(true);
    expect(whileLooping).toBe(true);
    expect((await looper).end.kind).toBe('timeout');
  }, 20_000);

  it('a thread whose guest is stuck is sent no more work: bursts go to the other thread only', async () => {
    const p = pool({ size: 2, deadlineMs: 4000, pipeline: 4, stuckAfterMs: 1 });
    await p.ready();
    const loop = await compileCommand(guestModule({ end: { kind: 'loop' } }), 'loop');
    const ok = await compileCommand(cgiGuest('ok\n'), 'ok');
    let looperDone = false;
    const looper = p.execute(loop, req).then((o) => {
      looperDone = true;
      return o;
    });
    await new Promise((r) => setTimeout(r, 50)); // the looper is past stuckAfterMs
    for (let burst = 0; burst < 3; burst++) {
      const outs = await Promise.all(Array.from({ length: 10 }, () => p.execute(ok, req)));
      expect(outs.every((o) => o.end.kind === 'exit')).toBe(true);
    }
    expect(looperDone).toBe(false);
    expect(p.takenBack).toBe(0); // nothing was sent to the stuck thread, so nothing had to come back
    expect((await looper).end.kind).toBe('timeout');
  }, 20_000);

  it('forget(module) drops a module from every thread; using it again sends it again', async () => {
    const p = pool({ size: 2 });
    await p.ready();
    const mods = await Promise.all(['a', 'b', 'c'].map((n) => compileCommand(cgiGuest(`${n}\n`), n)));
    for (const m of mods) await Promise.all(Array.from({ length: 8 }, () => p.execute(m, req)));
    expect(await p.modulesHeld()).toBeGreaterThanOrEqual(3);
    for (const m of mods) p.forget(m);
    expect(await p.modulesHeld()).toBe(0);
    expect(text((await p.execute(mods[1]!, req)).stdout)).toBe('Content-Type: text/plain\n\nb\n');
    expect(await p.modulesHeld()).toBe(1);
  });

  it('under heavy taking back (every busy thread counts as stuck), each request gets exactly its own answer', async () => {
    // A deadline far past the test's length: on a loaded machine the default 10 s could end a
    // request waiting its turn, and a replaced thread is not what this test is about.
    const p = pool({ size: 3, pipeline: 4, stuckAfterMs: 0, deadlineMs: 300_000 });
    await p.ready();
    const mods = await Promise.all(['a', 'b', 'c', 'd'].map((n) => compileCommand(cgiGuest(`${n}\n`), n)));
    for (let round = 0; round < 10; round++) {
      const outs = await Promise.all(Array.from({ length: 200 }, (_, i) => p.execute(mods[i % 4]!, req)));
      outs.forEach((o, i) => expect(text(o.stdout)).toBe(`Content-Type: text/plain\n\n${'abcd'[i % 4]}\n`));
    }
    expect(p.takenBack).toBeGreaterThan(0);
    expect(p.replaced).toBe(0);
  });

  it('refuses work past its queue bound instead of queueing without end', async () => {
    const p = pool({ size: 1, deadlineMs: 300, maxQueue: 1, pipeline: 1 });
    await p.ready();
    const loop = await compileCommand(guestModule({ end: { kind: 'loop' } }), 'loop');
    const first = p.execute(loop, req);
    const second = p.execute(loop, req);
    await expect(p.execute(loop, req)).rejects.toThrow(ExecutorOverloaded);
    expect((await first).end.kind).toBe('timeout');
    expect((await second).end.kind).toBe('timeout');
    expect(p.replaced).toBe(2);
  });

  it('close() ends running and queued requests with an error, never a hang', async () => {
    const p = pool({ size: 1, deadlineMs: 60_000, pipeline: 1 });
    await p.ready();
    const loop = await compileCommand(guestModule({ end: { kind: 'loop' } }), 'loop');
    const running = p.execute(loop, req);
    const queued = p.execute(loop, req);
    const outcomes = Promise.allSettled([running, queued]);
    await new Promise((r) => setTimeout(r, 50));
    await p.close();
    const [r1, r2] = await outcomes;
    expect(r1.status === 'rejected' && String(r1.reason)).toMatch(/closed/);
    expect(r2.status === 'rejected' && String(r2.reason)).toMatch(/closed/);
    await expect(p.execute(loop, req)).rejects.toThrow(/closed/);
  });
});
