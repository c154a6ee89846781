// A function URL for a LambdaFunction: plain HTTP on 127.0.0.1 in front of the
// function, each request turned into a payload-v2 event and the result back into
// HTTP (as Lambda function URLs do). Errors: 502 with the error document (function
// error / crash), 504 for a timeout, 429 when the concurrency limit throttles.
// Server-Timing carries what Lambda reports: init (on a cold start) and invoke.
// Hostile input: a request body, or the event it makes, over Lambda's 6 MiB is a 413
// before the function runs (the body is read up to the limit + 1 byte, no further);
// what the function returns is checked before it reaches writeHead (an unsendable
// header, status or error type is a 502 or a neutral value, never a thrown
// ERR_INVALID_CHAR that would take the whole harness down).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { flatHeaders, formatServerTiming, functionRequestOf, readBodyLimited } from '../shared/http.js';
import type { FunctionRequest, FunctionResponse, Phases } from '../types.js';
import { httpEventV2, httpResponseFromPayload } from './events.js';
import { ThrottledError, type LambdaFunction } from './function.js';
import { MAX_EVENT_BYTES } from './runtime-api.js';

/** What a function URL needs of a function (a LambdaFunction; tests pass stand-ins). */
export type UrlTarget = Pick<LambdaFunction, 'invoke'>;

const json = (status: number, body: unknown, headers: Record<string, string> = {}): FunctionResponse => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify(body)),
});
const tooLarge = () =>
  json(
    413,
    { message: `Request must be smaller than ${MAX_EVENT_BYTES} bytes for the InvokeFunction operation` },
    { 'x-amzn-errortype': 'RequestEntityTooLargeException' },
  );

/** Lambda's error type when it can go in a header as is; else the generic 'Unhandled' (the document keeps the real one). */
function errorTypeHeader(errorType: string): string {
  return /^[\x21-\x7e]{1,128}$/.test(errorType) ? errorType : 'Unhandled';
}

export interface UrlResult {
  response: FunctionResponse;
  phases: Phases;
}

/** One HTTP request through the function (no HTTP involved: used by the server and by tests). */
export async function invokeHttp(fn: UrlTarget, req: FunctionRequest, timeoutMs: number): Promise<UrlResult> {
  if (req.body.length > MAX_EVENT_BYTES) return { response: tooLarge(), phases: [] };
  const payload = Buffer.from(JSON.stringify(httpEventV2(req)));
  // Lambda's limit is on the event: a body within it can still pass it once base64-encoded.
  if (payload.length > MAX_EVENT_BYTES) return { response: tooLarge(), phases: [] };
  let result;
  try {
    result = await fn.invoke({ payload, timeoutMs });
  } catch (e) {
    const throttled = e instanceof ThrottledError;
    const body = JSON.stringify({
      message: throttled ? 'Rate Exceeded.' : `Internal Server Error: ${(e as Error).message}`,
    });
    return {
      response: {
        status: throttled ? 429 : 502,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(body),
      },
      phases: [],
    };
  }
  const { outcome, coldStart } = result;
  const phases: Phases = [];
  if (coldStart) for (const p of coldStart) phases.push({ phase: `cold_${p.phase}`, ns: p.ns });
  phases.push({ phase: 'invoke', ns: outcome.durationNs });
  if (outcome.kind === 'error') {
    const status = outcome.errorType === 'Sandbox.Timedout' ? 504 : 502;
    return {
      response: {
        status,
        headers: { 'content-type': 'application/json', 'x-amz-function-error': errorTypeHeader(outcome.errorType) },
        body: outcome.payload,
      },
      phases,
    };
  }
  const parsed = httpResponseFromPayload(outcome.payload);
  if (!parsed.ok) {
    return {
      response: {
        status: 502,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ message: parsed.reason })),
      },
      phases,
    };
  }
  return { response: parsed.response, phases };
}

export interface FunctionUrlServer {
  url: string;
  close(): Promise<void>;
}

/** Writes a response; one that still cannot be sent (a last line of defence) becomes a 502, never an exception. */
function send(res: http.ServerResponse, response: FunctionResponse, phases: Phases, close: boolean): void {
  const noBody = response.status === 204 || response.status === 304;
  const headers = {
    ...response.headers,
    ...(noBody ? {} : { 'content-length': response.body.length }),
    'server-timing': formatServerTiming(phases),
    ...(close ? { connection: 'close' } : {}),
  };
  try {
    res.writeHead(response.status, headers);
  } catch (e) {
    const text = JSON.stringify({ message: `function response could not be sent: ${(e as Error).message}` });
    res.writeHead(502, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...(close ? { connection: 'close' } : {}),
    });
    res.end(text);
    return;
  }
  res.end(noBody ? undefined : Buffer.from(response.body));
}

export async function startFunctionUrl(fn: UrlTarget, timeoutMs: number): Promise<FunctionUrlServer> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const { body, tooLarge: over } = await readBodyLimited(req, MAX_EVENT_BYTES);
      // An unread rest of the body cannot be followed by another request on this connection.
      if (over) return send(res, tooLarge(), [], true);
      // Fields go to the handler's event: a null-prototype object, so no field name can reach Object.prototype.
      const request = functionRequestOf(
        req,
        body,
        flatHeaders(req.headers, Object.create(null) as Record<string, string>),
      );
      const { response, phases } = await invokeHttp(fn, request, timeoutMs);
      send(res, response, phases, false);
    })().catch((e: Error) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      res.writeHead(500, { 'content-type': 'text/plain', connection: 'close' });
      res.end(e.message);
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
