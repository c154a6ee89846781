// A function URL for a LambdaFunction: plain HTTP on 127.0.0.1 in front of the
// function, each request turned into a payload-v2 event and the result back into
// HTTP (as Lambda function URLs do). Errors: 502 with the error document (function
// error / crash), 504 for a timeout, 429 when the concurrency limit throttles.
// Server-Timing carries what Lambda reports: init (on a cold start) and invoke.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { formatServerTiming } from '../shared/http.js';
import type { FunctionRequest, FunctionResponse, Phases } from '../types.js';
import { httpEventV2, httpResponseFromPayload } from './events.js';
import { ThrottledError, type LambdaFunction } from './function.js';

export interface UrlResult {
  response: FunctionResponse;
  phases: Phases;
}

/** One HTTP request through the function (no HTTP involved: used by the server and by tests). */
export async function invokeHttp(fn: LambdaFunction, req: FunctionRequest, timeoutMs: number): Promise<UrlResult> {
  const event = httpEventV2(req);
  let result;
  try {
    result = await fn.invoke({ payload: Buffer.from(JSON.stringify(event)), timeoutMs });
  } catch (e) {
    const throttled = e instanceof ThrottledError;
    const body = JSON.stringify({ message: throttled ? 'Rate Exceeded.' : `Internal Server Error: ${(e as Error).message}` });
    return { response: { status: throttled ? 429 : 502, headers: { 'content-type': 'application/json' }, body: Buffer.from(body) }, phases: [] };
  }
  const { outcome, coldStart } = result;
  const phases: Phases = [];
  if (coldStart) for (const p of coldStart) phases.push({ phase: `cold_${p.phase}`, ns: p.ns });
  phases.push({ phase: 'invoke', ns: outcome.durationNs });
  if (outcome.kind === 'error') {
    const status = outcome.errorType === 'Sandbox.Timedout' ? 504 : 502;
    return { response: { status, headers: { 'content-type': 'application/json', 'x-amz-function-error': outcome.errorType }, body: outcome.payload }, phases };
  }
  const parsed = httpResponseFromPayload(outcome.payload);
  if (!parsed.ok) {
    return { response: { status: 502, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ message: parsed.reason })) }, phases };
  }
  return { response: parsed.response, phases };
}

export interface FunctionUrlServer {
  url: string;
  close(): Promise<void>;
}

export async function startFunctionUrl(fn: LambdaFunction, timeoutMs: number): Promise<FunctionUrlServer> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = req.url ?? '/';
      const q = raw.indexOf('?');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
      const request: FunctionRequest = {
        method: req.method ?? 'GET',
        path: q < 0 ? raw : raw.slice(0, q),
        query: q < 0 ? '' : raw.slice(q + 1),
        headers,
        body: Buffer.concat(chunks),
      };
      invokeHttp(fn, request, timeoutMs).then(
        ({ response, phases }) => {
          res.writeHead(response.status, { ...response.headers, 'content-length': response.body.length, 'server-timing': formatServerTiming(phases) });
          res.end(Buffer.from(response.body));
        },
        (e: Error) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(e.message);
        },
      );
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
