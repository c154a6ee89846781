// The AWS Lambda Runtime API (version 2018-06-01) for ONE execution environment,
// on 127.0.0.1, port 0. The runtime inside the environment long-polls
// GET /runtime/invocation/next and posts the result; the environment (environment.ts)
// hands events in through submit(). Status codes follow AWS's OpenAPI specification
// of the API (runtime-api.zip) and the Runtime Interface Emulator's behaviour:
//   202 accepted; 400 InvalidRequestID (an id that is not the current invocation and
//   never was one); 403 InvalidStateTransition (an invocation already answered, a
//   second /next while one is in flight, init/error after init); 413
//   RequestEntityTooLarge (response > 6 MiB, the invocation then fails); 500 when the
//   environment is shutting down and the runtime must exit.
// It also serves the Runtime Interface Emulator's invoke endpoint,
// POST /2015-03-31/functions/function/invocations, routed to this environment.
// Both sides may be hostile (a function's runtime client, a caller): a malformed
// request id is a 400, never an exception in routing; bodies are read up to their
// limit + 1 byte and no further (an oversized event is a 413 before the function
// sees it); the caller's timeout header is validated (400), never turned into NaN.

import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBodyLimited } from '../shared/http.js';

export const API_VERSION = '2018-06-01';
/** Lambda's synchronous response payload limit. */
export const MAX_RESPONSE_BYTES = 6 * 1024 * 1024;
/** Lambda's synchronous invocation (event) payload limit. */
export const MAX_EVENT_BYTES = 6 * 1024 * 1024;
/** Lambda's longest function timeout (15 min): the most x-faasbench-timeout-ms may ask for. */
export const MAX_TIMEOUT_MS = 900_000;
/** The RIE endpoint's function timeout when the caller sets none. */
const DEFAULT_RIE_TIMEOUT_MS = 300_000;

export interface LambdaEvent {
  payload: Uint8Array;
  /** Function timeout for this invocation (the deadline header is now + this). */
  timeoutMs: number;
  requestId?: string;
  traceId?: string;
  clientContext?: string;
  cognitoIdentity?: string;
}

export type Outcome =
  | { kind: 'response'; requestId: string; payload: Uint8Array; durationNs: number }
  | {
      kind: 'error';
      requestId: string;
      /** Function.* / Runtime.* / Sandbox.Timedout, as Lambda names them. */
      errorType: string;
      /** The error document ({errorMessage, errorType, stackTrace}) as JSON. */
      payload: Uint8Array;
      durationNs: number;
      /** Who failed: the function (posted /error), or the environment (timeout, exit, oversize). */
      source: 'function' | 'timeout' | 'exit' | 'size' | 'shutdown';
    };

export interface InitError {
  errorType: string;
  errorMessage: string;
  payload: Uint8Array;
}

export class EnvironmentBusyError extends Error {
  override name = 'EnvironmentBusyError';
}

export interface RuntimeApiHooks {
  /** The runtime asked for its first event: init is over. */
  onInitDone?(): void;
  /** The runtime reported an init error through /runtime/init/error. */
  onInitError?(err: InitError): void;
  /** The runtime is parked on /next with nothing to do (time to freeze it). */
  onIdle?(): void;
  /** An event is about to be handed to the runtime (time to thaw it). */
  beforeDeliver?(): void;
  /** The current invocation ran past its deadline (the environment must be reset). */
  onTimeout?(requestId: string): void;
}

export interface RuntimeApiOptions {
  functionName: string;
  functionArn?: string;
  maxResponseBytes?: number;
  hooks?: RuntimeApiHooks;
}

type State = 'initializing' | 'ready' | 'invoking' | 'exiting';

interface Current {
  id: string;
  event: LambdaEvent;
  deliveredAt: bigint;
  resolve(o: Outcome): void;
  timer: NodeJS.Timeout;
}

interface Pending {
  id: string;
  event: LambdaEvent;
  resolve(o: Outcome): void;
}

const KNOWN_IDS_KEPT = 1024;

export function errorDocument(errorType: string, errorMessage: string, stackTrace: string[] = []): Uint8Array {
  return Buffer.from(JSON.stringify({ errorMessage, errorType, stackTrace }));
}

export class RuntimeApiServer {
  readonly functionName: string;
  readonly functionArn: string;
  private readonly maxResponseBytes: number;
  private readonly hooks: RuntimeApiHooks;
  private readonly server: http.Server;
  private state: State = 'initializing';
  private parked: http.ServerResponse | null = null;
  private pending: Pending | null = null;
  private current: Current | null = null;
  /** Ids of finished invocations: a late post to one is a state error (403), not an unknown id (400). */
  private readonly finished = new Set<string>();
  private address = '';

  constructor(opts: RuntimeApiOptions) {
    this.functionName = opts.functionName;
    this.functionArn = opts.functionArn ?? `arn:aws:lambda:us-east-1:000000000000:function:${opts.functionName}`;
    this.maxResponseBytes = opts.maxResponseBytes ?? MAX_RESPONSE_BYTES;
    this.hooks = opts.hooks ?? {};
    this.server = http.createServer((req, res) => this.route(req, res));
    // The runtime is frozen between invocations with its connection open: never time it out.
    this.server.keepAliveTimeout = 0;
    this.server.requestTimeout = 0;
    this.server.headersTimeout = 0;
  }

  /** Starts listening; resolves to host:port, the value of AWS_LAMBDA_RUNTIME_API. */
  async listen(): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(0, '127.0.0.1', () => resolve());
    });
    const a = this.server.address() as AddressInfo;
    this.address = `127.0.0.1:${a.port}`;
    return this.address;
  }

  get runtimeApi(): string {
    return this.address;
  }

  get busy(): boolean {
    return this.pending !== null || this.current !== null;
  }

  get initialized(): boolean {
    return this.state === 'ready' || this.state === 'invoking';
  }

  /** Queues one event; resolves when the runtime answered, failed, or the environment died. */
  submit(event: LambdaEvent): Promise<Outcome> {
    if (this.state === 'exiting') return Promise.reject(new EnvironmentBusyError('environment is shutting down'));
    if (this.busy)
      return Promise.reject(
        new EnvironmentBusyError('environment is busy: an execution environment serves one invocation at a time'),
      );
    return new Promise<Outcome>((resolve) => {
      this.pending = { id: event.requestId ?? randomUUID(), event, resolve };
      if (this.parked) this.deliver();
    });
  }

  /** Ends the current (or queued) invocation with an environment failure, e.g. the process exited. */
  failCurrent(errorType: string, errorMessage: string, source: 'exit' | 'shutdown'): void {
    if (this.current) {
      const c = this.current;
      this.finish(c, {
        kind: 'error',
        requestId: c.id,
        errorType,
        payload: errorDocument(errorType, errorMessage),
        durationNs: Number(process.hrtime.bigint() - c.deliveredAt),
        source,
      });
    }
    if (this.pending) {
      const p = this.pending;
      this.pending = null;
      p.resolve({
        kind: 'error',
        requestId: p.id,
        errorType,
        payload: errorDocument(errorType, errorMessage),
        durationNs: 0,
        source,
      });
    }
  }

  /** The environment must exit: answer the parked /next with 500, fail what is in flight, stop listening. */
  async close(): Promise<void> {
    this.state = 'exiting';
    this.failCurrent('Runtime.ExitError', 'execution environment shut down', 'shutdown');
    if (this.parked) {
      this.sendJson(this.parked, 500, {
        errorMessage: 'execution environment is shutting down',
        errorType: 'Runtime.ExitError',
      });
      this.parked = null;
    }
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private deliver(): void {
    const res = this.parked;
    const p = this.pending;
    if (!res || !p) return;
    this.parked = null;
    this.pending = null;
    this.hooks.beforeDeliver?.();
    const deadline = Date.now() + p.event.timeoutMs;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'lambda-runtime-aws-request-id': p.id,
      'lambda-runtime-deadline-ms': String(deadline),
      'lambda-runtime-invoked-function-arn': this.functionArn,
      'lambda-runtime-trace-id':
        p.event.traceId ??
        `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=${randomUUID().replace(/-/g, '').slice(0, 16)};Sampled=0`,
    };
    if (p.event.clientContext !== undefined) headers['lambda-runtime-client-context'] = p.event.clientContext;
    if (p.event.cognitoIdentity !== undefined) headers['lambda-runtime-cognito-identity'] = p.event.cognitoIdentity;
    const timer = setTimeout(() => this.timeout(), p.event.timeoutMs);
    this.current = { id: p.id, event: p.event, deliveredAt: process.hrtime.bigint(), resolve: p.resolve, timer };
    this.state = 'invoking';
    res.writeHead(200, headers);
    res.end(Buffer.from(p.event.payload));
  }

  private timeout(): void {
    const c = this.current;
    if (!c) return;
    const secs = (c.event.timeoutMs / 1000).toFixed(2);
    const msg = `${new Date().toISOString()} ${c.id} Task timed out after ${secs} seconds`;
    this.finish(c, {
      kind: 'error',
      requestId: c.id,
      errorType: 'Sandbox.Timedout',
      payload: errorDocument('Sandbox.Timedout', msg),
      durationNs: Number(process.hrtime.bigint() - c.deliveredAt),
      source: 'timeout',
    });
    this.hooks.onTimeout?.(c.id);
  }

  private finish(c: Current, outcome: Outcome): void {
    clearTimeout(c.timer);
    if (this.current === c) this.current = null;
    this.finished.add(c.id);
    if (this.finished.size > KNOWN_IDS_KEPT) this.finished.delete(this.finished.values().next().value as string);
    if (this.state === 'invoking') this.state = 'ready';
    c.resolve(outcome);
  }

  /**
   * `refuse`: the request body was not (fully) read, so the connection cannot carry
   * another request: it is closed after the answer, and nothing more is read from it.
   */
  private sendJson(
    res: http.ServerResponse,
    status: number,
    body: unknown,
    extra: { refuse?: boolean; headers?: Record<string, string> } = {},
  ): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      ...extra.headers,
      ...(extra.refuse ? { connection: 'close' } : {}),
    });
    res.end(text);
  }

  private route(req: http.IncomingMessage, res: http.ServerResponse): void {
    const url = (req.url ?? '/').split('?')[0]!;
    const prefix = `/${API_VERSION}/runtime/`;
    const fail = (e: unknown) => {
      if (!res.headersSent)
        this.sendJson(res, 500, { errorMessage: (e as Error).message, errorType: 'Runtime.InternalError' });
    };
    if (req.method === 'POST' && url === '/2015-03-31/functions/function/invocations') {
      this.rieInvoke(req, res).catch(fail);
      return;
    }
    if (!url.startsWith(prefix))
      return this.sendJson(res, 404, { errorMessage: `unknown path ${url}`, errorType: 'NotFound' });
    const rest = url.slice(prefix.length);
    if (this.state === 'exiting') {
      req.resume();
      return this.sendJson(res, 500, {
        errorMessage: 'execution environment is shutting down',
        errorType: 'Runtime.ExitError',
      });
    }
    if (rest === 'invocation/next') {
      if (req.method !== 'GET')
        return this.sendJson(res, 405, { errorMessage: 'use GET', errorType: 'MethodNotAllowed' });
      return this.next(req, res);
    }
    if (rest === 'init/error') {
      if (req.method !== 'POST')
        return this.sendJson(res, 405, { errorMessage: 'use POST', errorType: 'MethodNotAllowed' });
      this.initError(req, res).catch(fail);
      return;
    }
    const m = /^invocation\/([^/]+)\/(response|error)$/.exec(rest);
    if (m) {
      if (req.method !== 'POST')
        return this.sendJson(res, 405, { errorMessage: 'use POST', errorType: 'MethodNotAllowed' });
      const id = decodePathSegment(m[1]!);
      if (id === null) {
        // Not percent-decodable: it cannot be any invocation's id (ours are UUIDs or the caller's own).
        req.pause();
        return this.sendJson(
          res,
          400,
          { errorMessage: `invalid request id ${m[1]!} (malformed percent-escape)`, errorType: 'InvalidRequestID' },
          { refuse: true },
        );
      }
      this.post(id, m[2] as 'response' | 'error', req, res).catch(fail);
      return;
    }
    req.resume();
    this.sendJson(res, 404, { errorMessage: `unknown path ${url}`, errorType: 'NotFound' });
  }

  private next(req: http.IncomingMessage, res: http.ServerResponse): void {
    req.resume();
    if (this.current) {
      return this.sendJson(res, 403, {
        errorMessage: `invocation ${this.current.id} is still in progress: post its response or error first`,
        errorType: 'InvalidStateTransition',
      });
    }
    if (this.parked) {
      return this.sendJson(res, 403, {
        errorMessage: 'another /next request is already waiting',
        errorType: 'InvalidStateTransition',
      });
    }
    if (this.state === 'initializing') {
      this.state = 'ready';
      this.hooks.onInitDone?.();
    }
    this.parked = res;
    res.on('close', () => {
      if (this.parked === res) this.parked = null;
    });
    if (this.pending) this.deliver();
    else this.hooks.onIdle?.();
  }

  private async initError(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const { body, tooLarge } = await readBodyLimited(req, this.maxResponseBytes);
    if (this.state !== 'initializing') {
      return this.sendJson(
        res,
        403,
        { errorMessage: 'init/error is only valid before the first /next', errorType: 'InvalidStateTransition' },
        { refuse: tooLarge },
      );
    }
    const err = parseErrorBody(body, req.headers['lambda-runtime-function-error-type'], 'Runtime.Unknown');
    this.state = 'exiting';
    this.sendJson(res, 202, { status: 'OK' }, { refuse: tooLarge });
    this.hooks.onInitError?.(err);
  }

  private async post(
    id: string,
    kind: 'response' | 'error',
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    const { body, tooLarge } = await readBodyLimited(req, this.maxResponseBytes);
    const c = this.current;
    if (!c || c.id !== id) {
      if (this.finished.has(id))
        return this.sendJson(
          res,
          403,
          { errorMessage: `invocation ${id} has already finished`, errorType: 'InvalidStateTransition' },
          { refuse: tooLarge },
        );
      return this.sendJson(
        res,
        400,
        { errorMessage: `invalid request id ${id}`, errorType: 'InvalidRequestID' },
        { refuse: tooLarge },
      );
    }
    const durationNs = Number(process.hrtime.bigint() - c.deliveredAt);
    if (kind === 'response' && tooLarge) {
      const msg = `Response payload size exceeded maximum allowed payload size (${this.maxResponseBytes} bytes).`;
      this.finish(c, {
        kind: 'error',
        requestId: id,
        errorType: 'Function.ResponseSizeTooLarge',
        payload: errorDocument('Function.ResponseSizeTooLarge', msg),
        durationNs,
        source: 'size',
      });
      return this.sendJson(res, 413, { errorMessage: msg, errorType: 'RequestEntityTooLarge' }, { refuse: true });
    }
    this.sendJson(res, 202, { status: 'OK' }, { refuse: tooLarge });
    if (kind === 'response') this.finish(c, { kind: 'response', requestId: id, payload: body, durationNs });
    else {
      const err = parseErrorBody(body, req.headers['lambda-runtime-function-error-type'], 'Function.Unhandled');
      this.finish(c, {
        kind: 'error',
        requestId: id,
        errorType: err.errorType,
        payload: err.payload,
        durationNs,
        source: 'function',
      });
    }
  }

  /** The Runtime Interface Emulator's invoke: the body is the event, the answer the function's payload. */
  private async rieInvoke(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const timeoutMs = parseTimeoutHeader(req.headers['x-faasbench-timeout-ms']);
    if (typeof timeoutMs === 'string') {
      req.pause();
      return this.sendJson(
        res,
        400,
        { errorMessage: timeoutMs, errorType: 'InvalidParameterValueException' },
        { refuse: true, headers: { 'x-amzn-errortype': 'InvalidParameterValueException' } },
      );
    }
    const { body, tooLarge } = await readBodyLimited(req, MAX_EVENT_BYTES);
    if (tooLarge) {
      // Lambda's own answer to an oversized synchronous invoke (no truncated event reaches the function).
      const errorMessage = `Request must be smaller than ${MAX_EVENT_BYTES} bytes for the InvokeFunction operation`;
      return this.sendJson(
        res,
        413,
        { errorMessage, errorType: 'RequestEntityTooLargeException' },
        { refuse: true, headers: { 'x-amzn-errortype': 'RequestEntityTooLargeException' } },
      );
    }
    let outcome: Outcome;
    try {
      outcome = await this.submit({ payload: body, timeoutMs });
    } catch (e) {
      return this.sendJson(res, 429, { errorMessage: (e as Error).message, errorType: 'TooManyRequestsException' });
    }
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'x-amzn-requestid': outcome.requestId,
    };
    if (outcome.kind === 'error')
      headers['x-amz-function-error'] = outcome.source === 'function' ? 'Unhandled' : outcome.errorType;
    res.writeHead(200, headers);
    res.end(Buffer.from(outcome.payload));
  }
}

/** An error post's body, or (unreadable / absent) a document built from the error-type header. */
export function parseErrorBody(
  body: Uint8Array,
  header: string | string[] | undefined,
  fallbackType: string,
): InitError {
  const headerType = Array.isArray(header) ? header[0] : header;
  try {
    const doc = JSON.parse(Buffer.from(body).toString('utf8')) as { errorType?: unknown; errorMessage?: unknown };
    if (doc && typeof doc === 'object') {
      const errorType =
        typeof doc.errorType === 'string' && doc.errorType ? doc.errorType : (headerType ?? fallbackType);
      const errorMessage = typeof doc.errorMessage === 'string' ? doc.errorMessage : '';
      return { errorType, errorMessage, payload: body };
    }
  } catch {
    // fall through: Lambda builds the error from the header when the body can't be read
  }
  const errorType = headerType ?? fallbackType;
  return { errorType, errorMessage: '', payload: errorDocument(errorType, '') };
}

/** A percent-encoded path segment, decoded; null when it is not validly encoded (a hostile client's `%E0%A4%A`). */
export function decodePathSegment(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

/**
 * The RIE endpoint's x-faasbench-timeout-ms: absent → the default; otherwise a whole
 * number of milliseconds from 1 to MAX_TIMEOUT_MS (beyond that, setTimeout would
 * overflow and fire at once). Anything else: the one-sentence reason (a string).
 */
export function parseTimeoutHeader(value: string | string[] | undefined): number | string {
  if (value === undefined) return DEFAULT_RIE_TIMEOUT_MS;
  const text = Array.isArray(value) ? value.join(', ') : value;
  const n = /^[0-9]{1,7}$/.test(text.trim()) ? Number(text.trim()) : NaN;
  if (Number.isSafeInteger(n) && n >= 1 && n <= MAX_TIMEOUT_MS) return n;
  return `x-faasbench-timeout-ms must be a whole number of milliseconds from 1 to ${MAX_TIMEOUT_MS}, got ${JSON.stringify(text.slice(0, 40))}`;
}
