// The outbound helper thread (outbound-thread.ts) against requests a hostile guest can
// build: a path, method or Content-Length node:http would refuse or mis-frame. Each must
// be an error-code for that request, with the helper still answering the next one, and
// nothing past a Content-Length may reach the upstream. SyncOutboundClient blocks the
// calling thread in Atomics.wait, so the upstream is a raw TCP server in a child process
// (it records every byte it receives and answers each connection with an empty 200).

import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncOutboundClient, type OutboundRequest, type OutboundResult } from './outbound.js';

const UPSTREAM = `
const seen = [];
const s = require('net').createServer((c) => {
  c.on('data', (d) => {
    seen.push(String(d));
    c.end('HTTP/1.1 200 OK\\r\\ncontent-length: 0\\r\\n\\r\\n');
  });
});
s.listen(0, '127.0.0.1', () => console.log(s.address().port));
process.on('message', () => process.send(seen.join('')));
`;

let upstream: ChildProcess;
let port = 0;
const client = new SyncOutboundClient();

beforeAll(async () => {
  upstream = spawn(process.execPath, ['-e', UPSTREAM], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  port = await new Promise<number>((resolve) => upstream.stdout!.once('data', (d) => resolve(Number(String(d)))));
});

afterAll(() => {
  upstream?.kill();
});

/** Everything the upstream has received so far. */
const received = (): Promise<string> =>
  new Promise((resolve) => {
    upstream.once('message', (m) => resolve(String(m)));
    upstream.send('dump');
  });

const request = (over: Partial<OutboundRequest>): OutboundResult =>
  client.perform({
    method: 'GET',
    key: `127.0.0.1:${port}`,
    pathWithQuery: '/',
    headers: [['host', `127.0.0.1:${port}`]],
    body: new Uint8Array(0),
    timeoutMs: 10_000,
    maxBodyBytes: 1 << 20,
    ...over,
  });

describe('the outbound helper thread and a hostile request', () => {
  it('a path node refuses is HTTP-request-URI-invalid, and the helper answers the next request', () => {
    expect(request({ pathWithQuery: '/a b\r\nx-injected: 1' })).toMatchObject({
      ok: false,
      error: { tag: 'HTTP-request-URI-invalid' },
    });
    expect(request({ pathWithQuery: '/after' })).toMatchObject({ ok: true, status: 200 });
  });

  it('a method that is not a token is HTTP-request-method-invalid, and the helper answers the next request', () => {
    expect(request({ method: 'GE T' })).toMatchObject({ ok: false, error: { tag: 'HTTP-request-method-invalid' } });
    expect(request({ pathWithQuery: '/after-method' })).toMatchObject({ ok: true, status: 200 });
  });

  it('a Content-Length the body does not match is HTTP-request-body-size, and no byte of it is sent', async () => {
    const body = Buffer.from('AGET /smuggled HTTP/1.1\r\nhost: internal\r\n\r\n');
    expect(
      request({
        method: 'POST',
        pathWithQuery: '/short-length',
        headers: [
          ['host', `127.0.0.1:${port}`],
          ['content-length', '1'],
        ],
        body,
      }),
    ).toMatchObject({ ok: false, error: { tag: 'HTTP-request-body-size' } });
    const ok = request({
      method: 'POST',
      pathWithQuery: '/right-length',
      headers: [
        ['host', `127.0.0.1:${port}`],
        ['content-length', `00${body.length}`],
      ],
      body,
    });
    expect(ok).toMatchObject({ ok: true, status: 200 });
    const seen = await received();
    expect(seen).not.toContain('/short-length');
    expect(seen).toContain('/right-length');
    expect(seen).toContain('/after-method');
  });
});
