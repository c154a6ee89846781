// The reference runtime end to end: the WAGI server answers the manifest's requests
// correctly, and every kind of bad guest gets a defined answer while the server
// keeps serving the next request.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkload } from '../model/workload.js';
import { checkResponse } from '../harness/verify.js';
import { referenceWasmAdapter } from '../runtimes/wasm/adapter.js';
import { InlineExecutor, type ExecOutcome, type Executor } from '../runtimes/wasm/executor.js';
import { WasmModuleError, compileCommand, readWasmFile } from '../runtimes/wasm/module.js';
import { startWagiServer, type WagiServer } from '../runtimes/wasm/server.js';
import { cgiGuest, guestModule } from './wasm-fixtures.js';

const here = new URL('.', import.meta.url).pathname;

describe('reference runtime end to end', () => {
  // hello is the cold-start probe; echo reflects method, path, query, headers and
  // body, so it checks the WAGI request mapping through real HTTP.
  for (const name of ['hello', 'echo']) {
    it(`starts the ${name} app and answers every manifest request as expected`, async () => {
      const workload = loadWorkload(join(here, '../workloads', name));
      const adapter = referenceWasmAdapter();
      try {
        const deployment = await adapter.prepare(workload, 'wasm');
        const { instance, phases } = await adapter.start(deployment);
        expect(phases.map((p) => p.phase)).toContain('compile');
        expect(instance.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect(workload.requests.length).toBeGreaterThan(0);
        for (const request of workload.requests) {
          const res = await adapter.invoke(instance, request);
          expect(checkResponse(request.expect, res.response), request.name).toEqual({ ok: true });
          // Server-Timing carries the instance's phases.
          expect(res.phases.map((p) => p.phase)).toEqual(expect.arrayContaining(['instantiate', 'run']));
        }
      } finally {
        await adapter.dispose();
      }
    });
  }
});

describe('bad modules get one clear sentence', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'faasbench-badmod-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a file that is not Wasm', () => {
    const p = join(dir, 'not.wasm');
    writeFileSync(p, 'hello, I am text\n');
    expect(() => readWasmFile(p)).toThrow(/not a WebAssembly module/);
  });

  it('a missing file', () => {
    expect(() => readWasmFile(join(dir, 'absent.wasm'))).toThrow(/cannot read \(ENOENT\)/);
  });

  it('a truncated module fails validation', async () => {
    const bytes = cgiGuest('hi\n');
    await expect(compileCommand(bytes.subarray(0, bytes.length - 5), 'cut')).rejects.toThrow(
      /cut: invalid WebAssembly module/,
    );
  });

  it('a module without _start', async () => {
    await expect(compileCommand(guestModule({ start: false }), 'lib')).rejects.toThrow(
      /lib: not a WASI command \(no exported _start/,
    );
  });

  it('an import the host does not provide is named', async () => {
    const bytes = guestModule({ extraImport: { module: 'env', name: 'launch_missiles' } });
    await expect(compileCommand(bytes, 'm')).rejects.toThrow(WasmModuleError);
    await expect(compileCommand(bytes, 'm')).rejects.toThrow(/env\.launch_missiles/);
  });
});

describe('bad guests get a 500 with the reason, and the server goes on', () => {
  const servers: WagiServer[] = [];
  const logged: string[] = [];
  let healthy: WagiServer;

  async function serve(bytes: Uint8Array): Promise<WagiServer> {
    const server = await startWagiServer({
      module: await compileCommand(bytes, 'guest'),
      executor: new InlineExecutor(),
      name: 'guest',
      onGuestError: (r) => logged.push(r),
    });
    servers.push(server);
    return server;
  }

  beforeAll(async () => {
    healthy = await serve(cgiGuest('still here\n'));
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  async function get(server: WagiServer): Promise<{ status: number; body: string }> {
    const res = await fetch(server.url + '/');
    return { status: res.status, body: await res.text() };
  }

  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['a guest that traps', cgiGuest('partial', { kind: 'trap' }), /trap/],
    ['a guest that exits non-zero', cgiGuest('partial', { kind: 'exit', code: 3 }), /exited with code 3/],
    ['a guest whose CGI output has no header block', guestModule({ stdout: 'just a body, no headers' }), /header/i],
    ['a guest that prints nothing', guestModule({}), /header|empty|output/i],
  ];

  for (const [what, bytes, reason] of cases) {
    it(what, async () => {
      const before = logged.length;
      const server = await serve(bytes);
      const res = await get(server);
      expect(res.status).toBe(500);
      expect(res.body).toMatch(reason);
      expect(logged.slice(before).join('\n')).toMatch(reason);
      // The same server and another app both keep serving.
      expect((await get(server)).status).toBe(500);
      expect(await get(healthy)).toEqual({ status: 200, body: 'still here\n' });
    });
  }

  it('a guest that exits 0 through proc_exit is a success', async () => {
    const server = await serve(cgiGuest('bye\n', { kind: 'exit', code: 0 }));
    expect(await get(server)).toEqual({ status: 200, body: 'bye\n' });
  });

  it('each request sees a fresh instance: what one request wrote to memory is gone in the next', async () => {
    // The guest overwrites its own output text after sending it; a reused or
    // badly reset memory would make the second answer end in 'X'.
    const server = await serve(guestModule({ stdout: 'Content-Type: text/plain\n\nfresh\n', scribble: true }));
    for (let i = 0; i < 3; i++) expect(await get(server)).toEqual({ status: 200, body: 'fresh\n' });
  });
});

describe('guest filesystem', () => {
  const program = (name: string) => readWasmFile(join(here, 'wasi/programs', `${name}.wasm`));

  it('a private in-memory /tmp per request: nothing one request writes is seen by the next', async () => {
    const server = await startWagiServer({
      module: await compileCommand(program('scratch_counter'), 'counter'),
      executor: new InlineExecutor(),
      name: 'counter',
      fs: { scratch: '/tmp' },
    });
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(server.url + '/');
        expect([res.status, await res.text()]).toEqual([200, 'count=1\n']);
      }
    } finally {
      await server.close();
    }
  });

  it('a host directory persists across requests, and without any filesystem there is no /tmp', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'faasbench-fs-'));
    const module = await compileCommand(program('scratch_counter'), 'counter');
    const shared = await startWagiServer({
      module,
      executor: new InlineExecutor(),
      name: 'counter',
      fs: { dirs: [{ guestPath: '/tmp', hostDir: dir }] },
    });
    const none = await startWagiServer({ module, executor: new InlineExecutor(), name: 'counter' });
    try {
      for (let i = 1; i <= 3; i++) expect(await (await fetch(shared.url + '/')).text()).toBe(`count=${i}\n`);
      const res = await fetch(none.url + '/');
      expect([res.status, await res.text()]).toEqual([500, 'no writable /tmp\n']);
    } finally {
      await shared.close();
      await none.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the guest-thread executor of the reference runtime passes the filesystem to its threads', async () => {
    const { GuestThreadExecutor } = await import('../runtimes/wasm/guest-threads.js');
    const executor = new GuestThreadExecutor({ size: 1 });
    const server = await startWagiServer({
      module: await compileCommand(program('scratch_counter'), 'counter'),
      executor,
      name: 'counter',
      fs: { scratch: '/tmp' },
    });
    try {
      for (let i = 0; i < 2; i++) expect(await (await fetch(server.url + '/')).text()).toBe('count=1\n');
    } finally {
      await server.close();
      await executor.close();
    }
  });
});

describe('a manifest asks for a scratch /tmp', () => {
  it('the reference runtime gives each request a private in-memory /tmp', async () => {
    const { createHash } = await import('node:crypto');
    const dir = mkdtempSync(join(tmpdir(), 'faasbench-scratch-wl-'));
    const bytes = readWasmFile(join(here, 'wasi/programs/scratch_counter.wasm'));
    writeFileSync(join(dir, 'counter.wasm'), bytes);
    const manifest = (wasi?: object) =>
      JSON.stringify({
        name: 'counter',
        description: 'counts its requests in /tmp/count',
        variants: { wasm: { artifact: 'counter.wasm', sha256: createHash('sha256').update(bytes).digest('hex') } },
        ...(wasi ? { wasi } : {}),
        requests: [{ name: 'get', size: 'test', method: 'GET', path: '/', expect: { status: 200, body: 'count=1\n' } }],
      });
    const adapter = referenceWasmAdapter({ threads: 1 });
    try {
      writeFileSync(join(dir, 'workload.json'), manifest({ scratch: '/tmp' }));
      const workload = loadWorkload(dir);
      const { instance } = await adapter.start(await adapter.prepare(workload, 'wasm'));
      for (let i = 0; i < 3; i++) {
        const res = await adapter.invoke(instance, workload.requests[0]!);
        expect(checkResponse(workload.requests[0]!.expect, res.response)).toEqual({ ok: true });
      }
      // Without it the guest has no /tmp at all.
      writeFileSync(join(dir, 'workload.json'), manifest());
      const bare = loadWorkload(dir);
      const other = await adapter.start(await adapter.prepare(bare, 'wasm'));
      expect((await adapter.invoke(other.instance, bare.requests[0]!)).response.status).toBe(500);
      // A relative path is refused by the manifest schema.
      writeFileSync(join(dir, 'workload.json'), manifest({ scratch: 'tmp' }));
      expect(() => loadWorkload(dir)).toThrow(/wasi\.scratch/);
    } finally {
      await adapter.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('hostile CGI output gets a defined answer and never takes the server down (issue 12)', () => {
  const servers: WagiServer[] = [];
  const logged: string[] = [];
  let healthy: WagiServer;

  async function serve(stdout: string | Uint8Array, executor: Executor = new InlineExecutor()): Promise<WagiServer> {
    const module = await compileCommand(guestModule({ stdout }), 'guest');
    const server = await startWagiServer({ module, executor, name: 'guest', onGuestError: (r) => logged.push(r) });
    servers.push(server);
    return server;
  }

  interface Got {
    status: number;
    headers: http.IncomingHttpHeaders;
    rawHeaders: string[];
    body: string;
    reused: boolean;
  }

  /** GETs `/` n times in turn over one kept-alive connection (5 s each at most). */
  async function overOneConnection(server: WagiServer, n: number): Promise<Got[]> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const out: Got[] = [];
    try {
      for (let i = 0; i < n; i++) {
        out.push(
          await new Promise<Got>((resolve, reject) => {
            const req = http.get(server.url + '/', { agent }, (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('error', reject);
              res.on('end', () =>
                resolve({
                  status: res.statusCode ?? 0,
                  headers: res.headers,
                  rawHeaders: res.rawHeaders,
                  body: Buffer.concat(chunks).toString('latin1'),
                  reused: req.reusedSocket,
                }),
              );
            });
            req.setTimeout(5_000, () => req.destroy(new Error('no complete response within 5 s')));
            req.on('error', reject);
          }),
        );
      }
    } finally {
      agent.destroy();
    }
    return out;
  }

  beforeAll(async () => {
    healthy = await serve('Content-Type: text/plain\n\nstill here\n');
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  const expectHealthy = async () =>
    expect((await overOneConnection(healthy, 1))[0]).toMatchObject({ status: 200, body: 'still here\n' });

  it.each([
    [
      'a lone CR smuggling a Set-Cookie',
      'Content-Type: text/plain\nX-Evil: a\rSet-Cookie: x\n\nbody',
      /invalid byte 0x0d in CGI header x-evil/,
    ],
    ['a Location with a CR', 'Status: 302\nLocation: /a\rb\n\n', /invalid byte 0x0d in CGI header location/],
    ['a NUL in a value', 'Content-Type: text/plain\nX-A: a\0b\n\nbody', /invalid byte 0x00/],
    ['a DEL in a value', 'Content-Type: text/plain\nX-A: a\x7fb\n\nbody', /invalid byte 0x7f/],
    [
      'Status 101',
      'Status: 101 Switching Protocols\nUpgrade: websocket\nContent-Type: text/plain\n\nbody',
      /invalid CGI Status/,
    ],
    ['Status 100', 'Status: 100 Continue\nContent-Type: text/plain\n\nbody', /invalid CGI Status/],
  ])('%s: 500 with a one-line reason, logged, and the server keeps serving', async (_what, stdout, reason) => {
    const before = logged.length;
    const server = await serve(stdout);
    const [first, second] = await overOneConnection(server, 2);
    expect(first!.status).toBe(500);
    expect(first!.body).toMatch(reason);
    expect(first!.body.trimEnd()).not.toContain('\n');
    expect(second).toMatchObject({ status: 500, reused: true });
    expect(logged.slice(before).join('\n')).toMatch(reason);
    await expectHealthy();
  });

  it.each([
    ['a Content-Length shorter than the body', 'Content-Length: 2'],
    ['a Content-Length that is not a number', 'Content-Length: abc'],
    ['a Content-Length longer than the body', 'Content-Length: 99999'],
    ['Transfer-Encoding: chunked', 'Transfer-Encoding: chunked'],
    ['Connection: close', 'Connection: close'],
    ['Upgrade with Connection: upgrade', 'Connection: upgrade\nUpgrade: websocket'],
    [
      'Keep-Alive, Proxy-Connection, TE and Trailer',
      'Keep-Alive: timeout=1\nProxy-Connection: close\nTE: trailers\nTrailer: X-T',
    ],
  ])(
    '%s from the guest is dropped: the server frames the body and the kept-alive connection stays in sync',
    async (_what, framing) => {
      const server = await serve(`Content-Type: text/plain\n${framing}\nX-Kept: yes\n\nhello world, a longer body\n`);
      const got = await overOneConnection(server, 3);
      for (const [i, g] of got.entries()) {
        expect(g, `response ${i}`).toMatchObject({ status: 200, body: 'hello world, a longer body\n', reused: i > 0 });
        expect(g.headers['content-length']).toBe(String('hello world, a longer body\n'.length));
        expect(g.headers['x-kept']).toBe('yes');
        expect(g.headers['transfer-encoding']).toBeUndefined();
        expect(g.headers['upgrade']).toBeUndefined();
        expect(g.headers['connection']).toBe('keep-alive');
      }
    },
  );

  it('several Set-Cookie lines stay several header lines, and so do other repeated headers', async () => {
    const server = await serve(
      'Content-Type: text/plain\nSet-Cookie: a=1; Path=/\nX-Rep: 1\nSet-Cookie: b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT\nX-Rep: 2\n\nok',
    );
    const [res] = await overOneConnection(server, 1);
    expect(res!.headers['set-cookie']).toEqual(['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2015 07:28:00 GMT']);
    const lines = (name: string) =>
      res!.rawHeaders.filter((_, i) => i % 2 === 0 && res!.rawHeaders[i]!.toLowerCase() === name).length;
    expect(lines('set-cookie')).toBe(2);
    expect(lines('x-rep')).toBe(2);
  });

  it("a guest Server-Timing does not replace the server's own", async () => {
    const server = await serve('Content-Type: text/plain\nServer-Timing: run;dur=0.0001\n\nok');
    const [res] = await overOneConnection(server, 1);
    expect(res!.headers['server-timing']).toMatch(/^instantiate;dur=[\d.]+, run;dur=[\d.]+$/);
  });

  it('an exception while answering (an executor gone wrong) ends that connection, not the process', async () => {
    const before = logged.length;
    const hostile: Executor = {
      name: 'throws',
      execute: () =>
        Promise.resolve({
          get end(): ExecOutcome['end'] {
            throw new Error('outcome exploded');
          },
        } as unknown as ExecOutcome),
      close: async () => {},
    };
    const server = await serve('Content-Type: text/plain\n\nx', hostile);
    await expect(overOneConnection(server, 1)).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect(logged.slice(before).join('\n')).toMatch(/outcome exploded/);
    await expectHealthy();
  });

  it('an executor that throws instead of rejecting gets the client a 500, not a crash', async () => {
    const before = logged.length;
    const hostile: Executor = {
      name: 'throws-sync',
      execute: () => {
        throw new Error('no threads left');
      },
      close: async () => {},
    };
    const server = await serve('Content-Type: text/plain\n\nx', hostile);
    const [res] = await overOneConnection(server, 1);
    expect(res).toMatchObject({ status: 500, body: 'executor failed: no threads left\n' });
    expect(logged.slice(before).join('\n')).toMatch(/no threads left/);
    await expectHealthy();
  });
});
