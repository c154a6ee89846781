// The load loops against tiny local servers: counts, validation, and the
// coordinated-omission correction. Relations only, no wall-clock thresholds.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { LoadGenerator } from './client.js';
import { runLoad, runRawLoop } from './engine.js';
import { encodeRequest, RawConnection } from './raw-http.js';
import type { WireRequest } from './types.js';

const BODY = 'Hello from faasbench\n';
const request: WireRequest = {
  method: 'GET',
  path: '/',
  query: 'x=1',
  headers: {},
  bodyBase64: '',
  expect: { status: 200, headers: { 'content-type': 'text/plain' }, body: BODY },
};

interface TestServer {
  url: string;
  count: () => number;
  close: () => Promise<void>;
}
const servers: TestServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** A server that counts requests; `answer(n)` decides the n-th response (1-based). */
async function serve(answer: (n: number, res: http.ServerResponse) => void): Promise<TestServer> {
  let n = 0;
  const server = http.createServer((_req, res) => answer(++n, res));
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const s: TestServer = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    count: () => n,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  servers.push(s);
  return s;
}
const hello = (_n: number, res: http.ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/plain' });
  res.end(BODY);
};

describe('raw HTTP connection', () => {
  it('parses content-length and chunked responses and survives keep-alive reuse', async () => {
    const s = await serve((n, res) => {
      if (n % 2) {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(BODY) });
        res.end(BODY);
        return;
      }
      res.writeHead(200, { 'content-type': 'text/plain' });
      {
        res.write('Hello from ');
        setTimeout(() => res.end('faasbench\n'), 5);
      } // chunked
    });
    const c = new RawConnection(Number(new URL(s.url).port));
    const bytes = encodeRequest(s.url, 'GET', '/', '', {}, new Uint8Array());
    for (let i = 0; i < 4; i++) {
      const res = await new Promise<{ status: number; body: string; te?: string }>((resolve, reject) =>
        c.send(bytes, false, (e, r) =>
          e || !r
            ? reject(e)
            : resolve({ status: r.status, body: Buffer.from(r.body).toString(), te: r.headers['transfer-encoding'] }),
        ),
      );
      expect(res).toMatchObject({ status: 200, body: BODY });
      expect(res.te).toBe(i % 2 ? 'chunked' : undefined);
    }
    c.destroy();
    expect(s.count()).toBe(4);
  });
});

describe('a server relaying CGI output (busybox httpd: HTTP/1.0, bare-LF header lines, close-delimited body)', () => {
  it('the raw client reads each response and reconnects after every close', async () => {
    const net = await import('node:net');
    let n = 0;
    const server = net.createServer((sock) => {
      sock.on('error', () => {}); // the client drops its last connection when the run ends
      sock.once('data', () => {
        n++;
        sock.end('HTTP/1.0 200 OK\r\nContent-Type: text/plain\n\n' + BODY);
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await runLoad({ kind: 'closed', client: 'raw', url, request, connections: 2, durationMs: 300 });
      expect(r.ok).toBeGreaterThan(0);
      expect(r.ok).toBe(r.completed);
      expect(r.errors + r.badStatus + r.mismatches).toBe(0);
      expect(n).toBeGreaterThanOrEqual(r.completed);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});

describe('closed loop', () => {
  it.each(['raw', 'autocannon'] as const)('%s: counts every request and validates each response', async (client) => {
    const s = await serve(hello);
    const r = await runLoad({ kind: 'closed', client, url: s.url, request, connections: 4, durationMs: 400 });
    expect(r.ok).toBeGreaterThan(0);
    expect(r.ok).toBe(r.completed);
    expect(r.badStatus + r.mismatches + r.errors + r.timeouts).toBe(0);
    // Requests the server saw lie between those answered in the window and those sent.
    expect(s.count()).toBeGreaterThanOrEqual(r.completed);
    expect(s.count()).toBeLessThanOrEqual(r.sent + 4);
    expect(r.achievedRps).toBeGreaterThan(0);
    expect(r.cpuNs).toBeGreaterThan(0);
  });

  it.each(['raw', 'autocannon'] as const)('%s: counts wrong statuses and wrong bodies', async (client) => {
    const s = await serve((n, res) => {
      if (n % 3 === 0) {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('boom');
      } else if (n % 3 === 1) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('Hello from somewhere else\n');
      } else hello(n, res);
    });
    const r = await runLoad({ kind: 'closed', client, url: s.url, request, connections: 2, durationMs: 300 });
    expect(r.badStatus).toBeGreaterThan(0);
    expect(r.mismatches).toBeGreaterThan(0);
    expect(r.ok).toBeGreaterThan(0);
    expect(r.ok + r.badStatus + r.mismatches).toBe(r.completed);
    expect(r.firstError).toBeTruthy();
  });

  it('falls back to the raw client where autocannon cannot check the body byte for byte', async () => {
    const bin = Buffer.from([0xff, 0x00, 0xc3, 0xa9]);
    const s = await serve((_n, res) => {
      res.writeHead(200);
      res.end(bin);
    });
    const { createHash } = await import('node:crypto');
    const r = await runLoad({
      kind: 'closed',
      client: 'autocannon',
      url: s.url,
      request: {
        ...request,
        expect: { status: 200, headers: {}, bodySha256: createHash('sha256').update(bin).digest('hex') },
      },
      connections: 2,
      durationMs: 200,
    });
    expect(r.client).toBe('raw');
    expect(r.ok).toBeGreaterThan(0);
    expect(r.ok).toBe(r.completed);
  });
});

describe('open loop', () => {
  it('sends exactly rate × duration requests to a fast server, all validated', async () => {
    const s = await serve(hello);
    const r = await runRawLoop({
      kind: 'open',
      url: s.url,
      request,
      connections: 4,
      durationMs: 500,
      rate: 200,
      drainMs: 5000,
    });
    expect(r.sent).toBe(100);
    expect(r.ok).toBe(100);
    expect(s.count()).toBe(100);
    expect(r.unfinished).toBe(0);
    expect(r.latency!.count).toBe(100);
    // Measured from the intended time, latency can only be longer than service time.
    expect(r.latency!.p50).toBeGreaterThanOrEqual(r.service!.p50);
  });

  it('under overload, latency from the intended send time exceeds the service time (coordinated omission corrected)', async () => {
    // One request at a time, 20 ms each: capacity 50 req/s; offered 200 req/s.
    let busy = Promise.resolve();
    const s = await serve((_n, res) => {
      busy = busy.then(
        () =>
          new Promise<void>((done) =>
            setTimeout(() => {
              hello(0, res);
              done();
            }, 20),
          ),
      );
    });
    const r = await runRawLoop({
      kind: 'open',
      url: s.url,
      request,
      connections: 2,
      durationMs: 500,
      rate: 200,
      drainMs: 300,
    });
    expect(r.badStatus + r.mismatches + r.errors).toBe(0);
    expect(r.unfinished).toBeGreaterThan(0); // the queue could not drain
    expect(r.latency!.p50).toBeGreaterThan(r.service!.p50);
    expect(r.latency!.p99).toBeGreaterThan(2 * r.service!.p99);
    expect(r.sendLag!.p99).toBeGreaterThan(0);
    expect(r.achievedRps).toBeLessThan(200);
  });
});

describe('generator process', () => {
  it('runs load in a forked process and reports its CPU', async () => {
    const s = await serve(hello);
    const gen = await LoadGenerator.start();
    try {
      expect(gen.pid).not.toBe(process.pid);
      const r = await gen.run({ kind: 'open', url: s.url, request, connections: 2, durationMs: 300, rate: 100 });
      expect(r).toMatchObject({ kind: 'open', sent: 30, ok: 30 });
      expect(r.cpuNs).toBeGreaterThan(0);
    } finally {
      await gen.close();
    }
  });
});

describe('percentiles', () => {
  it('are exact to 0.1 % at µs scale and never above the max', async () => {
    const hdr = await import('hdr-histogram-js');
    const { percentiles } = await import('./engine.js');
    const h = hdr.build({ numberOfSignificantValueDigits: 3 });
    for (let i = 1; i <= 1000; i++) h.recordValue(100_000 + i * 100); // 100.1 µs .. 200 µs
    const p = percentiles(h);
    expect(p.count).toBe(1000);
    expect(Math.abs(p.p50 - 150_000) / 150_000).toBeLessThan(0.002);
    expect(Math.abs(p.p99 - 199_000) / 199_000).toBeLessThan(0.002);
    expect(p.p999).toBeLessThanOrEqual(p.max);
    expect(p.max).toBe(200_000);
    expect(p.p50 % 1000).not.toBe(0); // not rounded to whole µs, let alone ms
  });

  it('are whole nanoseconds when the recorded latencies are fractional (results rows hold integers)', async () => {
    const hdr = await import('hdr-histogram-js');
    const { percentiles } = await import('./engine.js');
    const h = hdr.build({ numberOfSignificantValueDigits: 3, lowestDiscernibleValue: 1, autoResize: true });
    for (let i = 1; i <= 500; i++) h.recordValue(205_197_607.7541504 - i * 1000.25);
    const p = percentiles(h);
    for (const k of ['p50', 'p90', 'p99', 'p999', 'max', 'mean'] as const) expect(Number.isInteger(p[k]), k).toBe(true);
    expect(p.max).toBe(Math.round(205_197_607.7541504 - 1000.25));
    expect(p.p99).toBeLessThanOrEqual(p.max);
  });
});
