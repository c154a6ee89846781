// The helper thread of SyncOutboundClient (outbound.ts): performs a component's allowed
// outbound HTTP request with node:http while the guest thread blocks, then posts the
// answer on the port and wakes the guest thread through the shared flag. Bounded: a
// timeout over the whole exchange (connect to last byte), the response body cap, and
// the guest's deadline (which terminates the guest thread, and this thread with it).
// Errors become wasi:http error-codes.
//
// The request is the guest's, so it is checked before node:http sees it: a path,
// method or field node refuses (it throws synchronously from http.request) is an
// error-code for that request, not an exception that would end this thread and leave
// every later outbound request of the guest thread's apps waiting out the timeout; and
// a Content-Length the body does not match is HTTP-request-body-size (as wasmtime
// answers), since node would send the whole body after a shorter Content-Length and
// the bytes past it would reach the upstream as a second request of the guest's making.

import http from 'node:http';
import { workerData, type MessagePort } from 'node:worker_threads';
import { rawPairs } from '../../shared/http.js';
import type { OutboundErrorCode, OutboundRequest, OutboundResult } from './outbound.js';

const { port, flag } = workerData as { port: MessagePort; flag: SharedArrayBuffer };
const wake = new Int32Array(flag);

function errorCode(e: NodeJS.ErrnoException): OutboundErrorCode {
  switch (e.code) {
    case 'ERR_UNESCAPED_CHARACTERS':
      return { tag: 'HTTP-request-URI-invalid' };
    case 'ERR_INVALID_HTTP_TOKEN':
      return /^Method\b/.test(e.message)
        ? { tag: 'HTTP-request-method-invalid' }
        : { tag: 'internal-error', val: e.message };
    case 'ERR_INVALID_CHAR':
      return { tag: 'internal-error', val: e.message };
    case 'ECONNREFUSED':
      return { tag: 'connection-refused' };
    case 'ECONNRESET':
    case 'EPIPE':
      return { tag: 'connection-terminated' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { tag: 'DNS-error', val: { rcode: e.code, infoCode: undefined } };
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return { tag: 'destination-unavailable' };
    default:
      return { tag: 'internal-error', val: e.message };
  }
}

function perform(r: OutboundRequest & { seq: number }): Promise<OutboundResult> {
  return new Promise((resolve) => {
    let done = false;
    const finish = (res: OutboundResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(res);
      req.destroy();
    };
    const fail = (error: OutboundErrorCode) => finish({ seq: r.seq, ok: false, error });
    const sep = r.key.lastIndexOf(':');
    const host = r.key.slice(0, sep).replace(/^\[|\]$/g, '');
    let connected = false;
    const lengths = r.headers.filter(([n]) => n.toLowerCase() === 'content-length').map(([, v]) => v.trim());
    if (lengths.some((v) => !/^\d+$/.test(v) || Number(v) !== r.body.length)) {
      resolve({ seq: r.seq, ok: false, error: { tag: 'HTTP-request-body-size', val: BigInt(r.body.length) } });
      return;
    }
    let req: http.ClientRequest;
    try {
      req = http.request({
        host,
        port: Number(r.key.slice(sep + 1)),
        method: r.method,
        path: r.pathWithQuery,
        headers: r.headers.flat(),
        setHost: false,
        agent: false,
      });
    } catch (e) {
      resolve({ seq: r.seq, ok: false, error: errorCode(e as NodeJS.ErrnoException) });
      return;
    }
    const timer = setTimeout(
      () => fail({ tag: connected ? 'HTTP-response-timeout' : 'connection-timeout' }),
      r.timeoutMs,
    );
    req.on('socket', (s) => s.once('connect', () => (connected = true)));
    req.on('error', (e) => fail(errorCode(e)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > r.maxBodyBytes) return fail({ tag: 'HTTP-response-body-size', val: BigInt(r.maxBodyBytes) });
        chunks.push(c);
      });
      res.on('aborted', () => fail({ tag: 'HTTP-response-incomplete' }));
      res.on('error', (e) => fail(errorCode(e)));
      res.on('end', () =>
        finish({
          seq: r.seq,
          ok: true,
          status: res.statusCode ?? 0,
          headers: rawPairs(res.rawHeaders, true),
          body: Buffer.concat(chunks, size),
          trailers: rawPairs(res.rawTrailers, true),
        }),
      );
    });
    req.end(r.body);
  });
}

port.on('message', (r: OutboundRequest & { seq: number }) => {
  void perform(r)
    .catch((e: unknown): OutboundResult => ({
      seq: r.seq,
      ok: false,
      error: { tag: 'internal-error', val: e instanceof Error ? e.message : String(e) },
    }))
    .then((res) => {
      port.postMessage(res);
      Atomics.store(wake, 0, 1);
      Atomics.notify(wake, 0);
    });
});
