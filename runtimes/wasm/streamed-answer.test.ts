// StreamedAnswer (component/serve.ts) and ResponseBudget.writePiece (server.ts): a component's response
// written while its guest runs, driven here by a stand-in executor that calls the tap as
// the component host does (head, pieces, then the outcome). What the server must never
// do: throw (a trailer Node refuses cuts the connection; the process serves on), send a
// complete-looking answer after a failure, stream where chunked framing cannot (HEAD,
// HTTP/1.0: the answer is sent whole), or hold streamed pieces past its budget.

import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { ComponentExecutor, HandleIo } from './component/executor.js';
import type { PreparedComponent } from './component/prepare.js';
import type { ComponentOutcome } from './component/runner.js';
import { createWagiCore, type WagiTarget } from './server.js';

type Script = (io: HandleIo) => Promise<Partial<ComponentOutcome>>;

const servers: http.Server[] = [];
afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});

async function serve(script: Script, budget?: number): Promise<{ port: number; log: string[]; held: () => number }> {
  const log: string[] = [];
  const executor: ComponentExecutor = {
    name: 'stand-in',
    async handle(_c, _r, _o, io = {}) {
      const o = await script(io);
      return {
        end: { kind: 'ok' },
        stdout: new Uint8Array(),
        stderr: new Uint8Array(),
        instantiateNs: 1,
        handlerNs: 1,
        reused: false,
        ...o,
      };
    },
    async close() {},
  };
  const core = createWagiCore({
    executor: null as never,
    log: (l) => void log.push(l),
    port: () => 0,
    ...(budget ? { maxPendingResponseBytes: budget } : {}),
  });
  const target: WagiTarget = {
    module: null,
    name: 'app',
    scriptName: '',
    component: { prepared: { name: 'app' } as PreparedComponent, executor },
  };
  const server = http.createServer((req, res) => {
    res.on('error', () => {});
    req.resume();
    core.run(req, res, Buffer.alloc(0), target, '/', '');
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, log, held: () => core.budget.held };
}

/** The raw bytes a client gets for one request written as `head`, until the server closes or `ms` pass. */
function raw(port: number, head: string, ms = 2000): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      s.destroy();
      resolve(got);
    };
    s.on('data', (d) => (got += d.toString('latin1')));
    s.on('close', done);
    s.on('error', done);
    setTimeout(done, ms);
    s.write(head);
  });
}

const ok = (body: string, trailers?: Array<[string, string]>): Partial<ComponentOutcome> => ({
  response: {
    status: 200,
    headers: [['content-type', 'text/plain']],
    body: Buffer.from(body),
    ...(trailers ? { trailers } : {}),
  },
  streamed: true,
});

const headAndPiece: Script = async (io) => {
  io.tap!.head(200, [['content-type', 'text/plain']]);
  io.tap!.chunk(Buffer.from('hello '));
  return ok('world', [
    ['x-sum', '1'],
    ['server-timing', 'guest;dur=0'], // the server's own is the one sent
  ]);
};

describe('a component response streamed while its guest runs', () => {
  it('HTTP/1.1: chunked, the head first, the guest trailers and ours after the body', async () => {
    const { port } = await serve(headAndPiece);
    const got = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(got).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(got).toMatch(/\r\ntransfer-encoding: chunked\r\n/i);
    expect(got).not.toMatch(/content-length/i);
    expect(got).toMatch(/6\r\nhello \r\n5\r\nworld\r\n0\r\nx-sum: 1\r\nserver-timing: [^\r]*handler;dur=/);
    expect(got).not.toContain('guest;dur');
  });

  it('HEAD and HTTP/1.0 cannot stream: the answer is sent whole, with its length', async () => {
    const { port } = await serve(headAndPiece);
    const old = await raw(port, 'GET / HTTP/1.0\r\nHost: x\r\n\r\n');
    expect(old).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(old).toMatch(/\r\ncontent-length: 11\r\n/i);
    expect(old.endsWith('\r\n\r\nhello world')).toBe(true);
    const head = await raw(port, 'HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*content-length: 11\r\n/i);
  });

  it('a trailer Node refuses, or a failure after the head, cuts the connection; the server serves on', async () => {
    let n = 0;
    const { port, log } = await serve(async (io) => {
      n++;
      if (n === 3) return ok('fine');
      io.tap!.head(200, [['content-type', 'text/plain']]);
      io.tap!.chunk(Buffer.from('partial '));
      await new Promise((r) => setTimeout(r, 50)); // the guest runs on: the piece is out
      return n === 1 ? ok('end', [['x-bad', 'a\x01b']]) : { end: { kind: 'trap', message: 'trap: unreachable' } };
    });
    for (let i = 0; i < 2; i++) {
      const got = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      expect(got).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*8\r\npartial \r\n$/); // no last chunk: cut
    }
    expect(log.some((l) => /could not write the trailers/.test(l))).toBe(true);
    expect(await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toMatch(/fine$/);
  });

  it('holds streamed pieces in the response budget: a client that reads nothing is cut when it would pass it', async () => {
    const { port, log } = await serve(
      async (io) => {
        io.tap!.head(200, [['content-type', 'application/octet-stream']]);
        for (let i = 0; i < 64; i++) io.tap!.chunk(new Uint8Array(2 ** 20));
        return ok('');
      },
      4 * 2 ** 20,
    );
    // A client that reads nothing: the kernel's buffers fill, the pieces wait in the budget.
    const s = net.connect(port, '127.0.0.1');
    s.pause();
    s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let i = 0; i < 50 && !log.length; i++) await new Promise((r) => setTimeout(r, 100));
    // Reading now, it gets a cut response (what of it was flushed before the cut): no last chunk, the connection closed.
    let got = '';
    const closed = new Promise<void>((r) => s.on('close', () => r()));
    s.on('data', (d) => (got += d.toString('latin1')));
    s.resume();
    await closed;
    expect(got.endsWith('0\r\n\r\n')).toBe(false);
    expect(log.some((l) => /piece of a streamed response would pass the budget/.test(l))).toBe(true);
  });

  it('releases what answers held when a pipelined connection drops, the queued ones too', async () => {
    let n = 0;
    const { port, held } = await serve(async (io) => {
      n++;
      if (n % 3 === 1) {
        await new Promise((r) => setTimeout(r, 300)); // still running when the client hangs up
        return { response: { status: 200, headers: [], body: new Uint8Array(2 ** 20) } };
      }
      io.tap!.head(200, [['content-type', 'application/octet-stream']]);
      io.tap!.chunk(new Uint8Array(2 ** 20));
      return ok('');
    });
    for (let round = 0; round < 3; round++) {
      const s = net.connect(port, '127.0.0.1');
      s.pause(); // reads nothing
      s.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(3));
      // The second and third answers wait behind the first, which is still running.
      await new Promise((r) => setTimeout(r, 150));
      s.destroy();
    }
    for (let i = 0; i < 50 && held() !== 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect(held()).toBe(0);
  });
});
