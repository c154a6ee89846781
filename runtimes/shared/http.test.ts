// The harness's HTTP client gives up on time whatever the server does (issue 12): a
// 101 upgrade, informational responses, a body that never ends, silence. A raw TCP
// server on 127.0.0.1 plays each part; invoke must reject with HttpInvokeError, not hang.

import http from 'node:http';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { FunctionRequest } from '../types.js';
import { Readable } from 'node:stream';
import { flatHeaders, functionRequestOf, HttpInvokeError, httpInvoke, readBodyLimited, withDispatch } from './http.js';

const GET: FunctionRequest = { method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() };
const TIMEOUT_MS = 400;

/** A server that reads the request, then does `play` with the socket; its timers stop with it. */
async function rawServer(
  play: (socket: net.Socket, every: (ms: number, f: () => void) => void) => void,
): Promise<{ url: string; close(): Promise<void> }> {
  const timers = new Set<NodeJS.Timeout>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('data', () =>
      play(socket, (ms, f) =>
        timers.add(
          setInterval(() => {
            if (!socket.destroyed) f();
          }, ms),
        ),
      ),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: async () => {
      for (const t of timers) clearInterval(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe('httpInvoke gives up within its timeout whatever the server sends', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await Promise.all(closers.map((c) => c()));
  });

  const cases: Array<[string, Parameters<typeof rawServer>[0]]> = [
    [
      'a 101 Switching Protocols, then silence',
      (s) => s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n'),
    ],
    [
      'a 101, then bytes of another protocol now and then',
      (s, every) => {
        s.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: x\r\nConnection: Upgrade\r\n\r\n');
        every(50, () => s.write('\x81\x00'));
      },
    ],
    ['a 100 Continue and no final response', (s) => s.write('HTTP/1.1 100 Continue\r\n\r\n')],
    ['informational responses forever', (s, every) => every(50, () => s.write('HTTP/1.1 102 Processing\r\n\r\n'))],
    [
      'a body that never ends, a byte now and then',
      (s, every) => {
        s.write('HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n');
        every(50, () => s.write('x'));
      },
    ],
    [
      'a chunked body that never ends',
      (s, every) => {
        s.write('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n');
        every(50, () => s.write('1\r\nx\r\n'));
      },
    ],
    ['nothing at all', () => {}],
  ];

  for (const [what, play] of cases) {
    it(
      what,
      async () => {
        const server = await rawServer(play);
        closers.push(server.close);
        const agent = new http.Agent({ keepAlive: true });
        try {
          const outcome = await httpInvoke(server.url, GET, agent, TIMEOUT_MS).then(
            () => 'resolved',
            (e: unknown) => e,
          );
          expect(outcome).toBeInstanceOf(HttpInvokeError);
          expect((outcome as Error).message).toMatch(new RegExp(`(within ${TIMEOUT_MS} ms|101 Switching Protocols)`));
        } finally {
          agent.destroy();
        }
      },
      10_000,
    );
  }

  it('a plain response still resolves, and the connection is kept for the next one', async () => {
    const server = await rawServer((s) => {
      const answer = () => s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nServer-Timing: run;dur=1\r\n\r\nok');
      answer();
      s.on('data', answer);
    });
    closers.push(server.close);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 2; i++) {
        const r = await httpInvoke(server.url, GET, agent, TIMEOUT_MS * 10);
        expect([r.response.status, Buffer.from(r.response.body).toString()]).toEqual([200, 'ok']);
        expect(r.phases).toEqual([{ phase: 'run', ns: 1_000_000 }]);
      }
    } finally {
      agent.destroy();
    }
  });
});

// A kept-alive connection closed by the server while idle, picked for a request in the
// instant before the close arrived: the server here answers each connection's first
// request and closes the connection when a second one comes on it, as a server whose
// keep-alive timeout fired just then would.
describe('httpInvoke on a kept-alive connection the server closed', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    await Promise.all(closers.map((c) => c()));
  });

  async function closesSecond(): Promise<{ url: string; connections: () => number; close(): Promise<void> }> {
    let connections = 0;
    const server = await rawServer((s) => {
      connections++;
      s.write('HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok');
      s.once('data', () => s.destroy());
    });
    closers.push(server.close);
    return { ...server, connections: () => connections };
  }

  it('sends an idempotent request once more on a new connection', async () => {
    const server = await closesSecond();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      for (let i = 0; i < 3; i++) {
        const r = await httpInvoke(server.url, GET, agent, TIMEOUT_MS * 10);
        expect([r.response.status, Buffer.from(r.response.body).toString()]).toEqual([200, 'ok']);
      }
      expect(server.connections()).toBe(3); // each reused connection failed once, its retry opened the next
    } finally {
      agent.destroy();
    }
  });

  it('fails a POST (not idempotent), and never retries a request on a new connection', async () => {
    const server = await closesSecond();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const post: FunctionRequest = { ...GET, method: 'POST', body: Buffer.from('x') };
    try {
      await httpInvoke(server.url, post, agent, TIMEOUT_MS * 10);
      await expect(httpInvoke(server.url, post, agent, TIMEOUT_MS * 10)).rejects.toThrow(HttpInvokeError);
      // A server that closes a new connection without answering is a failure, not a stale connection.
      const rude = await rawServer((s) => s.destroy());
      closers.push(rude.close);
      await expect(httpInvoke(rude.url, GET, new http.Agent({ keepAlive: true }), TIMEOUT_MS * 10)).rejects.toThrow(
        HttpInvokeError,
      );
    } finally {
      agent.destroy();
    }
  });
});

// The servers' shared body reader (Lambda's Runtime API and function URL): the whole
// body up to the limit, nothing read of one declared or grown past it.
describe('readBodyLimited', () => {
  const body = (parts: Buffer[], headers?: Record<string, string>) =>
    Object.assign(Readable.from(parts), headers ? { headers } : {});

  it('returns a body within the limit whole, the limit itself included', async () => {
    expect(await readBodyLimited(body([Buffer.from('ab'), Buffer.from('cd')]), 4)).toEqual({
      body: Buffer.from('abcd'),
      tooLarge: false,
    });
    expect(await readBodyLimited(body([]), 4)).toEqual({ body: Buffer.alloc(0), tooLarge: false });
  });

  it('refuses a body that grows past the limit, and one whose Content-Length is over it before reading', async () => {
    expect(await readBodyLimited(body([Buffer.from('abc'), Buffer.from('de')]), 4)).toEqual({
      body: Buffer.alloc(0),
      tooLarge: true,
    });
    let read = false;
    const declared = Object.assign(
      new Readable({
        read() {
          read = true;
          this.push(null);
        },
      }),
      { headers: { 'content-length': '5' } },
    );
    expect(await readBodyLimited(declared, 4)).toEqual({ body: Buffer.alloc(0), tooLarge: true });
    expect(read).toBe(false);
  });
});

describe('withDispatch', () => {
  it('adds the server time outside the phases as dispatch, never below 0; nothing without a start', () => {
    const phases = [
      { phase: 'instantiate', ns: 1_000 },
      { phase: 'run', ns: 2_000 },
    ];
    expect(withDispatch(phases, undefined)).toEqual(phases);
    const started = process.hrtime.bigint() - 1_000_000n; // 1 ms ago
    const d = withDispatch(phases, started);
    expect(d.slice(0, 2)).toEqual(phases);
    expect(d[2]!.phase).toBe('dispatch');
    expect(d[2]!.ns).toBeGreaterThanOrEqual(1_000_000 - 3_000);
    // Phases longer than the time since the start (clocks read apart): 0, not negative.
    expect(withDispatch([{ phase: 'run', ns: 1e12 }], process.hrtime.bigint())[1]).toEqual({
      phase: 'dispatch',
      ns: 0,
    });
  });
});

describe('flatHeaders and functionRequestOf', () => {
  it('join repeated fields with ", ", drop absent ones, and split the path from the query at the first ?', () => {
    const fields: http.IncomingHttpHeaders = { accept: 'a', 'x-many': ['1', '2'], 'set-cookie': undefined };
    expect(flatHeaders(fields)).toEqual({ accept: 'a', 'x-many': '1, 2' });
    const nullProto = flatHeaders(fields, Object.create(null) as Record<string, string>);
    expect(Object.getPrototypeOf(nullProto)).toBeNull();
    const req = { method: 'POST', url: '/p/q?a=1?b', headers: fields } as unknown as http.IncomingMessage;
    expect(functionRequestOf(req, Buffer.from('x'))).toEqual({
      method: 'POST',
      path: '/p/q',
      query: 'a=1?b',
      headers: { accept: 'a', 'x-many': '1, 2' },
      body: Buffer.from('x'),
    });
    const bare = { headers: {} } as unknown as http.IncomingMessage;
    expect(functionRequestOf(bare, new Uint8Array())).toMatchObject({ method: 'GET', path: '/', query: '' });
  });
});
