// The function URL in front of a function, driven by a stand-in function (any object
// with invoke()): what a hostile caller or a hostile function's result can do to the
// HTTP server: oversized requests, unsendable headers and error types, framing headers.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { startFunctionUrl, type FunctionUrlServer, type UrlTarget } from './function-url.js';
import { MAX_EVENT_BYTES, type LambdaEvent, type Outcome } from './runtime-api.js';

interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function call(
  url: string,
  method: string,
  path: string,
  body?: Buffer | string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: Number(u.port), method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A stand-in function: answers every event with what `answer` makes of it, counting invocations. */
function fakeFunction(answer: (event: LambdaEvent) => Outcome): UrlTarget & { calls: number } {
  const f = {
    calls: 0,
    async invoke(event: LambdaEvent) {
      f.calls++;
      return { outcome: answer(event), coldStart: null, environmentId: 'fake' };
    },
  };
  return f;
}
const responding = (value: unknown): Outcome => ({
  kind: 'response',
  requestId: 'r',
  payload: Buffer.from(JSON.stringify(value)),
  durationNs: 1,
});

let servers: FunctionUrlServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});
async function serve(fn: UrlTarget): Promise<string> {
  const s = await startFunctionUrl(fn, 5000);
  servers.push(s);
  return s.url;
}

describe('function URL against hostile input', () => {
  it('refuses a request body over 6 MiB with 413 before the function runs, and keeps serving', async () => {
    const fn = fakeFunction((e) => responding({ statusCode: 200, body: String(e.payload.length) }));
    const url = await serve(fn);
    const big = await call(url, 'POST', '/', Buffer.alloc(MAX_EVENT_BYTES + 1, 0x61), {
      'content-type': 'application/octet-stream',
    });
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body.toString()).message).toMatch(/6291456 bytes/);
    expect(fn.calls).toBe(0);
    expect((await call(url, 'GET', '/')).status).toBe(200);
    expect(fn.calls).toBe(1);
  });

  it('refuses a request whose event (body base64-encoded) would pass 6 MiB with 413', async () => {
    const fn = fakeFunction(() => responding({ statusCode: 200 }));
    const url = await serve(fn);
    // 5 MiB of binary: within the body limit, but ~6.7 MiB once base64-encoded into the event
    const r = await call(url, 'POST', '/', Buffer.alloc(5 * 1024 * 1024, 0xff), {
      'content-type': 'application/octet-stream',
    });
    expect(r.status).toBe(413);
    expect(fn.calls).toBe(0);
  });

  it('answers 502 (and stays up) when the function returns headers that cannot be sent', async () => {
    const fn = fakeFunction(() =>
      responding({ statusCode: 200, headers: { 'x-evil': 'a\rSet-Cookie: stolen=1' }, body: 'x' }),
    );
    const url = await serve(fn);
    const r = await call(url, 'GET', '/');
    expect(r.status).toBe(502);
    expect(r.headers['set-cookie']).toBeUndefined();
    expect(JSON.parse(r.body.toString()).message).toMatch(/invalid header/);
    expect((await call(url, 'GET', '/')).status).toBe(502); // still serving
  });

  it('does not crash on a function error type that is not a valid header value', async () => {
    const fn = fakeFunction(() => ({
      kind: 'error',
      requestId: 'r',
      errorType: 'Evil\r\nSet-Cookie: a=b',
      durationNs: 1,
      source: 'function',
      payload: Buffer.from(JSON.stringify({ errorMessage: 'x', errorType: 'Evil\r\nSet-Cookie: a=b' })),
    }));
    const url = await serve(fn);
    const r = await call(url, 'GET', '/');
    expect(r.status).toBe(502);
    expect(r.headers['x-amz-function-error']).toBe('Unhandled');
    expect(r.headers['set-cookie']).toBeUndefined();
  });

  it('frames the response itself: a function-set Content-Length cannot split it on a kept-alive connection', async () => {
    const fn = fakeFunction(() =>
      responding({
        statusCode: 200,
        headers: { 'content-length': '2', 'transfer-encoding': 'chunked', connection: 'keep-alive' },
        body: 'hello world',
      }),
    );
    const url = await serve(fn);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const u = new URL(url);
      const get = () =>
        new Promise<Reply>((resolve, reject) => {
          const req = http.request({ host: u.hostname, port: Number(u.port), path: '/', agent }, (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
            );
          });
          req.on('error', reject);
          req.end();
        });
      for (let i = 0; i < 3; i++) {
        const r = await get();
        expect(r.status).toBe(200);
        expect(r.body.toString()).toBe('hello world');
        expect(r.headers['content-length']).toBe('11');
      }
    } finally {
      agent.destroy();
    }
  });
});
