// Execution environments running the node bootstrap: init, freeze, errors, timeouts, crashes.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lambdaAssetDir } from './assets.js';
import {
  LambdaEnvironment,
  LambdaInitError,
  OWNER_VARIABLE,
  reapOrphanEnvironments,
  type EnvironmentSpec,
} from './environment.js';
import { LambdaFunction } from './function.js';
import { EnvironmentBusyError, type Outcome } from './runtime-api.js';

const dir = lambdaAssetDir();
const spec = (handler: string, extra: Partial<EnvironmentSpec> = {}): EnvironmentSpec => ({
  functionName: 'test-fn',
  command: process.execPath,
  args: [join(dir, 'bootstrap-node.mjs')],
  handler,
  taskRoot: join(dir, 'fixtures'),
  timeoutMs: 5000,
  ...extra,
});
const ev = (v: unknown, timeoutMs?: number) => ({
  payload: Buffer.from(JSON.stringify(v)),
  timeoutMs: timeoutMs ?? 5000,
});
const body = (o: Outcome) => JSON.parse(Buffer.from(o.payload).toString()) as Record<string, unknown>;
const procState = (pid: number) => /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

let cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanup.map((f) => f()));
  cleanup = [];
});
async function env(s: EnvironmentSpec): Promise<LambdaEnvironment> {
  const e = await LambdaEnvironment.start(s);
  cleanup.push(() => e.stop());
  return e;
}

describe('node bootstrap in an execution environment', () => {
  it('initialises, then serves (event, context) with the Lambda environment variables', async () => {
    const e = await env(spec('handlers.echo', { memoryMb: 256 }));
    expect(e.phases.map((p) => p.phase)).toEqual(['listen', 'spawn', 'init']);
    const o = await e.invoke({
      ...ev({ hello: 'world' }, 4000),
      requestId: 'abc-123',
      traceId: 'Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1',
    });
    expect(o.kind).toBe('response');
    const b = body(o);
    expect(b).toMatchObject({
      event: { hello: 'world' },
      awsRequestId: 'abc-123',
      functionName: 'test-fn',
      memoryLimitInMB: '256',
      callbackWaits: true,
    });
    expect(b.arn).toMatch(/:function:test-fn$/);
    expect(b.traceId).toBe('Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1');
    expect(b.env).toEqual({ api: e.runtimeApi, handler: 'handlers.echo', version: '$LATEST' });
    expect(b.remaining as number).toBeGreaterThan(3000);
    expect(b.remaining as number).toBeLessThanOrEqual(4000);
  });

  it('supports callback handlers', async () => {
    const e = await env(spec('handlers.callback'));
    expect(body(await e.invoke(ev({ n: 5 })))).toEqual({ via: 'callback', n: 5 });
  });

  it('freezes the process between invocations and thaws it for the next', async () => {
    const e = await env(spec('handlers.echo'));
    const pid = e.pid!;
    await new Promise((r) => setTimeout(r, 50));
    expect(e.isFrozen).toBe(true);
    expect(procState(pid)).toBe('T');
    expect(body(await e.invoke(ev(1))).pid).toBe(pid);
    expect(body(await e.invoke(ev(2))).event).toBe(2);
    expect(e.usage().rssBytes).toBeGreaterThan(1024 * 1024);
  });

  it('refuses a concurrent invoke on one environment', async () => {
    const e = await env(spec('handlers.echo'));
    const first = e.invoke(ev(1));
    await expect(e.invoke(ev(2))).rejects.toBeInstanceOf(EnvironmentBusyError);
    expect((await first).kind).toBe('response');
  });

  it('returns the error document of a handler that throws, and keeps the environment', async () => {
    const e = await env(spec('handlers.throws'));
    const o = await e.invoke(ev({}));
    expect(o).toMatchObject({ kind: 'error', errorType: 'TypeError', source: 'function' });
    expect(body(o)).toMatchObject({ errorType: 'TypeError', errorMessage: 'handler failed on purpose' });
    expect(Array.isArray(body(o).stackTrace)).toBe(true);
    expect(e.alive).toBe(true);
  });

  it('kills an environment whose handler never returns; the caller gets the timeout error', async () => {
    const e = await env(spec('handlers.spin'));
    const pid = e.pid!;
    const o = await e.invoke(ev({}, 500));
    expect(o).toMatchObject({ kind: 'error', errorType: 'Sandbox.Timedout', source: 'timeout' });
    await new Promise((r) => setTimeout(r, 200));
    expect(alive(pid)).toBe(false);
    expect(e.alive).toBe(false);
  });

  it('reports a handler whose promise never settles, with nothing left to run, as Runtime.ExitError (as Lambda does)', async () => {
    const e = await env(spec('handlers.hangs'));
    expect(await e.invoke(ev({}))).toMatchObject({ kind: 'error', errorType: 'Runtime.ExitError' });
  });

  it('kills an environment that outgrows its memory size (Runtime.OutOfMemory)', async () => {
    const e = await env(spec('handlers.bomb', { memoryMb: 160 }));
    const o = await e.invoke(ev({}, 20_000));
    expect(o).toMatchObject({ kind: 'error', errorType: 'Runtime.OutOfMemory' });
    expect(e.alive).toBe(false);
  });

  it('reports a crash during invoke as Runtime.ExitError', async () => {
    const e = await env(spec('handlers.crash'));
    const o = await e.invoke(ev({}));
    expect(o).toMatchObject({ kind: 'error', errorType: 'Runtime.ExitError', source: 'exit' });
    expect(body(o).errorMessage).toMatch(/exit status 3/);
  });

  it('fails the invocation on an unhandled rejection and the runtime exits', async () => {
    const e = await env(spec('handlers.rejectsLater'));
    const o = await e.invoke(ev({}));
    expect(o).toMatchObject({ kind: 'error', errorType: 'Runtime.UnhandledPromiseRejection' });
    await new Promise((r) => setTimeout(r, 300));
    expect(e.alive).toBe(false);
  });

  it.each([
    ['a module that throws during init', 'init-throws.handler', /^Error: init failed on purpose/],
    ['a missing module', 'nothing-here.handler', /^Runtime.ImportModuleError/],
    ['a missing export', 'handlers.nope', /^Runtime.HandlerNotFound/],
    ['a malformed handler name', 'handlers', /^Runtime.MalformedHandlerName/],
    ['a process that exits during init', 'init-exits.handler', /^Runtime.ExitError: .*exit status 7/],
  ])('fails init for %s', async (_what, handler, message) => {
    await expect(LambdaEnvironment.start(spec(handler))).rejects.toThrow(message);
    await expect(LambdaEnvironment.start(spec(handler))).rejects.toBeInstanceOf(LambdaInitError);
  });

  it('counts the work outside the handler as init', async () => {
    const e = await env(spec('init-slow.handler'));
    expect(e.phases.find((p) => p.phase === 'init')!.ns).toBeGreaterThanOrEqual(200e6);
    expect(body(await e.invoke(ev({})))).toBe('slow-init-done');
  });
});

describe('function: scale-out, replacement, idle shutdown', () => {
  it('starts new environments when all are busy, up to the concurrency limit, then throttles', async () => {
    const f = new LambdaFunction(spec('handlers.callback'), { concurrency: 3 });
    cleanup.push(() => f.close());
    const burst = await Promise.allSettled(Array.from({ length: 4 }, (_, n) => f.invoke(ev({ n }))));
    const ok = burst.filter((r) => r.status === 'fulfilled');
    const throttled = burst.filter((r) => r.status === 'rejected');
    expect(ok.length).toBe(3);
    expect(throttled.length).toBe(1);
    expect(((throttled[0] as PromiseRejectedResult).reason as Error).name).toBe('TooManyRequestsException');
    expect(
      new Set(ok.map((r) => (r as PromiseFulfilledResult<{ environmentId: string }>).value.environmentId)).size,
    ).toBe(3);
    expect(f.environments().length).toBe(3);
    // warm now: the next invocation reuses one, no cold start
    const warm = await f.invoke(ev({ n: 9 }));
    expect(warm.coldStart).toBeNull();
    expect(f.started).toBe(3);
  });

  it('queues at the limit when asked, and a failed start hands its slot to the queue', async () => {
    const f = new LambdaFunction(spec('handlers.callback'), { concurrency: 2, whenThrottled: 'queue' });
    cleanup.push(() => f.close());
    const burst = await Promise.all(Array.from({ length: 5 }, (_, n) => f.invoke(ev({ n }))));
    expect(burst.map((r) => body(r.outcome).n)).toEqual([0, 1, 2, 3, 4]);
    expect(burst.filter((r) => r.coldStart).length).toBe(2);
    expect(f.environments().length).toBe(2);
    const broken = new LambdaFunction(spec('init-throws.handler'), { concurrency: 1, whenThrottled: 'queue' });
    cleanup.push(() => broken.close());
    const all = await Promise.allSettled([broken.invoke(ev(1)), broken.invoke(ev(2))]);
    expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('replaces an environment killed by a timeout', async () => {
    const f = new LambdaFunction(spec('handlers.echo'), { concurrency: 2 });
    cleanup.push(() => f.close());
    const first = await f.invoke(ev(1));
    expect(first.coldStart).not.toBeNull();
    const pid = body(first.outcome).pid;
    const f2 = new LambdaFunction(spec('handlers.spin'), { concurrency: 1 });
    cleanup.push(() => f2.close());
    const t = await f2.invoke(ev({}, 300));
    expect(t.outcome).toMatchObject({ kind: 'error', errorType: 'Sandbox.Timedout' });
    expect(f2.environments().length).toBe(0);
    const again = await f2.invoke(ev({}, 300));
    expect(again.coldStart).not.toBeNull();
    expect(again.environmentId).not.toBe(t.environmentId);
    expect(f2.started).toBe(2);
    expect(body((await f.invoke(ev(2))).outcome).pid).toBe(pid);
  });

  it('shuts environments down after the idle timeout', async () => {
    const f = new LambdaFunction(spec('handlers.echo'), { idleTimeoutMs: 200 });
    cleanup.push(() => f.close());
    const pid = body((await f.invoke(ev(1))).outcome).pid as number;
    expect(f.environments().length).toBe(1);
    await new Promise((r) => setTimeout(r, 800));
    expect(f.environments().length).toBe(0);
    expect(alive(pid)).toBe(false);
  });
});

describe('orphans', () => {
  it('kills frozen environment processes whose faasbench owner died', async () => {
    const deadOwner = spawnSync('true').pid!;
    const orphan = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      env: { [OWNER_VARIABLE]: String(deadOwner) },
      stdio: 'ignore',
    });
    const ours = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], {
      env: { [OWNER_VARIABLE]: String(process.pid) },
      stdio: 'ignore',
    });
    try {
      await new Promise((r) => orphan.once('spawn', r));
      // exec done, environ in place: polled (a fixed 100 ms sleep was too short on a loaded machine)
      const marked = (pid: number) => {
        try {
          return readFileSync(`/proc/${pid}/environ`, 'utf8').includes(`${OWNER_VARIABLE}=`);
        } catch {
          return false;
        }
      };
      for (let i = 0; i < 300 && !(marked(orphan.pid!) && marked(ours.pid!)); i++)
        await new Promise((r) => setTimeout(r, 50));
      orphan.kill('SIGSTOP');
      const gone = new Promise((r) => orphan.once('exit', (_c, sig) => r(sig)));
      expect(reapOrphanEnvironments()).toBeGreaterThanOrEqual(1);
      expect(await gone).toBe('SIGKILL');
      expect(alive(ours.pid!)).toBe(true);
    } finally {
      orphan.kill('SIGKILL');
      ours.kill('SIGKILL');
    }
  });
});

describe('custom runtime (native bootstrap)', () => {
  const native = (handler: string): EnvironmentSpec => ({
    functionName: 'native-fn',
    command: process.execPath,
    args: [join(dir, 'bootstrap-native.mjs')],
    handler,
    taskRoot: join(dir, 'fixtures'),
    timeoutMs: 5000,
  });
  const httpEvent = Buffer.from(
    JSON.stringify({
      version: '2.0',
      rawPath: '/',
      rawQueryString: '',
      headers: {},
      requestContext: { http: { method: 'GET' } },
      isBase64Encoded: false,
    }),
  );

  it('fails init when the handler is not an executable', async () => {
    await expect(LambdaEnvironment.start(native('nothing-here'))).rejects.toThrow(/^Runtime.InvalidEntrypoint/);
  });

  it('turns a failing CGI program into an error payload and keeps serving', async () => {
    const e = await env(native('cgi-fails.sh'));
    const o = await e.invoke({ payload: httpEvent, timeoutMs: 5000 });
    expect(o).toMatchObject({ kind: 'error', errorType: 'Runtime.CgiError', source: 'function' });
    expect(body(o).errorMessage).toMatch(/code 2: cgi-fails: refusing on purpose/);
    expect((await e.invoke({ payload: httpEvent, timeoutMs: 5000 })).kind).toBe('error');
  });

  it('reports malformed CGI output', async () => {
    const e = await env(native('cgi-garbage.sh'));
    const o = await e.invoke({ payload: httpEvent, timeoutMs: 5000 });
    expect(body(o).errorMessage).toMatch(/no blank line/);
  });
});

describe('Runtime Interface Emulator endpoint with a real runtime', () => {
  it('invokes the function through POST /2015-03-31/functions/function/invocations', async () => {
    const e = await env(spec('handlers.echo'));
    const res = await fetch(`http://${e.runtimeApi}/2015-03-31/functions/function/invocations`, {
      method: 'POST',
      body: '{"via":"rie"}',
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { event: unknown }).event).toEqual({ via: 'rie' });
  });
});
