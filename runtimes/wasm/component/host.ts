// The WASI 0.2 host for wasi:http components: the import object a transpiled
// component (jco's glue) is instantiated with, and the per-request state behind it.
//
// What comes from @bytecodealliance/preview2-shim and what does not, and why:
//   - wasi:random/* is preview2-shim's (node:crypto, correct and cheap).
//   - wasi:io (streams, poll, error), wasi:cli stdio, wasi:clocks/monotonic-clock and
//     all of wasi:http/types are ours. In preview2-shim's Node build every stream,
//     pollable and HTTP body lives in one process-wide I/O worker reached through
//     synchronous Atomics calls, stdout goes to the process's own stdout, and an
//     incoming request can only be made by its socket server. That blocks what this
//     runtime promises: per-request isolation (nothing of one request reachable from
//     the next), output caps, a deadline that kills one guest thread (a guest
//     blocked inside the shared I/O worker cannot be stopped that way), and speed
//     (a round trip to the worker per chunk). The resource classes must be one set
//     (the glue checks `instanceof` on what the host returns), so streams, pollables
//     and clocks are replaced together.
//   - Sandbox: no filesystem (get-directories returns no preopens), no sockets
//     (every socket and name lookup is access-denied), no outbound HTTP
//     (outgoing-handler.handle answers HTTP-request-denied) except to the hosts on the
//     deployment's allow-list (outbound.ts: HOST:PORT entries; such a request is
//     performed by a helper thread while the guest thread blocks).
//
// Bodies stream both ways when the caller gives begin() a ResponseTap (the response's
// head and pieces go out while the guest runs: Scope.emit says when) and a BodySource
// (the request body arrives while the guest reads: component-thread.ts, FedBody).
//
// One ComponentHost serves many requests, one at a time: begin() opens a request's
// scope, finish() closes it and returns what the guest produced. Every resource object
// is bound to the scope that created it; once the scope is closed it refuses to act,
// so a resource kept by a reused instance cannot reach the next request's data.

import { random, insecure, insecureSeed } from '@bytecodealliance/preview2-shim/random';
import {
  DEFAULT_OUTBOUND_TIMEOUT_MS,
  SyncOutboundClient,
  outboundDecision,
  type OutboundErrorCode,
  type OutboundPolicy,
} from './outbound.js';

/** A request as the component sees it. Header values are bytes (latin1 strings from Node). */
export interface HttpExchangeRequest {
  method: string;
  /** Path and query as received, e.g. "/a/b?x=1". */
  pathWithQuery: string;
  scheme?: 'http' | 'https';
  authority?: string;
  /** In arrival order, repeated names kept (Node's rawHeaders pairs). */
  headers: ReadonlyArray<readonly [string, string]>;
  body: Uint8Array;
  trailers?: ReadonlyArray<readonly [string, string]>;
}

export interface HttpExchangeResponse {
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array;
  trailers?: Array<[string, string]>;
}

/**
 * Where a response goes while its guest still runs: the head once, then the body in
 * pieces (what is left when the guest returns comes in finish()). See Scope.emit for
 * when the host streams.
 */
export interface ResponseTap {
  head(status: number, headers: Array<[string, string]>): void;
  chunk(bytes: Uint8Array): void;
}

/** A request body that arrives while the guest runs (fed to a guest thread by ComponentThreadExecutor). */
export interface BodySource {
  /** Up to `max` bytes that have arrived; an empty array when none has yet; null at the end of the body. */
  read(max: number): Uint8Array | null;
  /** Bytes to read, or the end, have arrived. */
  available(): boolean;
  /** Blocks this thread until more of the body, or its end, has arrived (or hrtime `until`, when given). */
  wait(until?: bigint): void;
  /** The request's trailers, once read() has returned null. */
  trailers(): ReadonlyArray<readonly [string, string]> | undefined;
  /** Why the body broke off (over its cap, the client gone), if it did. */
  error(): string | undefined;
}

export interface ComponentLimits {
  /** Response body bytes. */
  bodyBytes: number;
  stdoutBytes: number;
  stderrBytes: number;
}

export const DEFAULT_COMPONENT_LIMITS: ComponentLimits = {
  bodyBytes: 64 * 2 ** 20,
  stdoutBytes: 1 * 2 ** 20,
  stderrBytes: 1 * 2 ** 20,
};

/** A guest went past one of its limits: the request ends with a 500 naming it. */
export class ComponentLimit extends Error {
  override name = 'ComponentLimit';
}

/** wasi:cli/exit was called. */
export class ComponentExit extends Error {
  override name = 'ComponentExit';
  constructor(readonly ok: boolean) {
    super(`guest called wasi:cli/exit (${ok ? 'ok' : 'err'})`);
  }
}

/** Headers no component may set (wasmtime's list: connection-specific or framing headers the host owns). */
export const FORBIDDEN_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'host',
  'http2-settings',
]);

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const latin1 = (s: string): Uint8Array => Buffer.from(s, 'latin1');

/**
 * When a response streams. A tap present, the head goes out with the first piece, and a
 * piece goes out: before the guest waits (a sleep, a poll, a request body still to
 * come, an outbound request: what it wrote should not wait with it), when a megabyte
 * is unsent, and on a write STREAM_AFTER_NS after the response was set or last
 * streamed. A handler that answers at once is sent whole: one write with its length,
 * and its Server-Timing in the head; a streamed one is sent chunked, with its
 * Server-Timing as a trailer.
 */
const STREAM_BYTES = 2 ** 20;
const STREAM_AFTER_NS = 100_000_000n;

class Scope {
  closed = false;
  /** The head went out through the tap. */
  headSent = false;
  private lastEmit = 0n;
  response: {
    status: number;
    headers: Array<[string, Uint8Array]>;
    body: Sink;
    trailers?: Array<[string, Uint8Array]> | undefined;
    finished: boolean;
  } | null = null;
  responseError: unknown = undefined;
  outparamSet = false;
  readonly stdout: Sink;
  readonly stderr: Sink;
  constructor(
    readonly req: HttpExchangeRequest,
    readonly limits: ComponentLimits,
    /** Outbound HTTP allowed to these hosts only (none: every request denied). */
    readonly outbound?: OutboundPolicy,
    readonly tap?: ResponseTap,
    /** The request body as it arrives (else req.body, whole). */
    readonly source?: BodySource,
  ) {
    this.stdout = new Sink(limits.stdoutBytes, 'stdout');
    this.stderr = new Sink(limits.stderrBytes, 'stderr');
  }

  /** The response was set: from now on its body may stream. */
  responseSet(): void {
    this.lastEmit = process.hrtime.bigint();
    if (this.tap && this.response) this.response.body.onPush = () => this.emit(false);
  }

  /** Sends the head and what is unsent through the tap when it is time (always when `waiting`). */
  emit(waiting: boolean): void {
    const r = this.response;
    if (!this.tap || !r || this.closed) return;
    const unsent = r.body.unsent;
    if (!waiting && unsent < STREAM_BYTES) {
      if (unsent === 0 || process.hrtime.bigint() - this.lastEmit < STREAM_AFTER_NS) return;
    }
    if (!this.headSent) {
      this.headSent = true;
      this.tap.head(
        r.status,
        r.headers.map(([n, v]) => [n, Buffer.from(v).toString('latin1')]),
      );
    }
    if (unsent > 0) this.tap.chunk(r.body.take());
    this.lastEmit = process.hrtime.bigint();
  }
}

/** Bytes written by the guest, refused past a cap (the request then fails naming the cap). */
class Sink {
  chunks: Uint8Array[] = [];
  /** Bytes written in all (the cap counts them, streamed or not). */
  size = 0;
  /** Bytes in `chunks`: written and not yet taken. */
  unsent = 0;
  /** Called after each write (a streaming response: Scope.emit). */
  onPush: (() => void) | null = null;
  constructor(
    readonly cap: number,
    readonly what: string,
  ) {}
  push(b: Uint8Array): void {
    if (this.size + b.length > this.cap) throw new ComponentLimit(`${this.what} over its cap of ${this.cap} bytes`);
    // Copy: the glue hands us a view into guest memory that the next call may overwrite.
    this.chunks.push(Uint8Array.prototype.slice.call(b));
    this.size += b.length;
    this.unsent += b.length;
    if (this.onPush) this.onPush();
  }
  /** The unsent bytes, taken. */
  take(): Uint8Array {
    const out = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.unsent);
    this.chunks = [];
    this.unsent = 0;
    return out;
  }
  /** The unsent bytes (all of them when nothing streamed). */
  bytes(): Uint8Array {
    return this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.unsent);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
function sleepUntil(deadline: bigint): void {
  for (;;) {
    const left = deadline - process.hrtime.bigint();
    if (left <= 0n) return;
    // Blocks this thread: guests run on their own threads, and a deadline ends the thread.
    Atomics.wait(sleeper, 0, 0, Math.max(1, Math.ceil(Number(left) / 1e6)));
  }
}

/** Builds the import object and the per-request scope. */
export class ComponentHost {
  private scope: Scope | null = null;
  readonly imports: Record<string, Record<string, unknown>>;
  /** Performs allowed outbound requests (its helper thread starts on the first one). */
  private readonly outboundClient = new SyncOutboundClient();

  constructor() {
    this.imports = this.build();
  }

  begin(
    req: HttpExchangeRequest,
    limits: ComponentLimits = DEFAULT_COMPONENT_LIMITS,
    outbound?: OutboundPolicy,
    io: { tap?: ResponseTap; source?: BodySource } = {},
  ): { request: unknown; outparam: unknown } {
    if (this.scope) this.scope.closed = true;
    this.scope = new Scope(req, limits, outbound, io.tap, io.source);
    return { request: this.newIncomingRequest(), outparam: this.newOutparam() };
  }

  /** Closes the request's scope; what the guest produced. */
  finish(): {
    response: HttpExchangeResponse | null;
    responseError: unknown;
    outparamSet: boolean;
    bodyFinished: boolean;
    /** The head (and maybe part of the body) went out through the tap: `response` holds the rest. */
    streamed: boolean;
    /** Why the streamed request body broke off, if it did. */
    requestBodyError: string | undefined;
    stdout: Uint8Array;
    stderr: Uint8Array;
  } {
    const s = this.scope;
    if (!s) throw new Error('finish() without begin()');
    s.closed = true;
    this.scope = null;
    const r = s.response;
    const toStr = (h: Array<[string, Uint8Array]>): Array<[string, string]> =>
      h.map(([n, v]) => [n, Buffer.from(v).toString('latin1')]);
    return {
      response: r
        ? {
            status: r.status,
            headers: toStr(r.headers),
            body: r.body.bytes(),
            ...(r.trailers ? { trailers: toStr(r.trailers) } : {}),
          }
        : null,
      responseError: s.responseError,
      outparamSet: s.outparamSet,
      bodyFinished: r?.finished ?? false,
      streamed: s.headSent,
      requestBodyError: s.source?.error(),
      stdout: s.stdout.bytes(),
      stderr: s.stderr.bytes(),
    };
  }

  private newIncomingRequest!: () => unknown;
  private newOutparam!: () => unknown;

  private build(): Record<string, Record<string, unknown>> {
    const live = (): Scope => {
      const s = this.scope;
      // A resource outliving its request (kept by a reused instance) must not act on the next one.
      if (!s || s.closed) throw new Error('resource used after its request ended');
      return s;
    };

    /** The guest is about to block: what its response has so far goes out first (Scope.emit). */
    const waiting = (): void => this.scope?.emit(true);

    // ---- wasi:io ----
    class IoError {
      constructor(readonly message: string) {}
      toDebugString(): string {
        return this.message;
      }
    }
    class Pollable {
      /** hrtime ns at which it becomes ready; 0n: ready now. */
      constructor(readonly at: bigint = 0n) {}
      ready(): boolean {
        return this.at === 0n || process.hrtime.bigint() >= this.at;
      }
      block(): void {
        if (this.at !== 0n && !this.ready()) {
          waiting();
          sleepUntil(this.at);
        }
      }
    }
    const READY = (): Pollable => new Pollable();
    function poll(list: Pollable[]): Uint32Array {
      if (list.length === 0) throw new Error('poll on an empty list');
      for (;;) {
        const ready: number[] = [];
        let earliest = -1n;
        let source: BodySource | null = null;
        list.forEach((p, i) => {
          if (p.ready()) ready.push(i);
          else if (p instanceof SourcePollable) source = p.sourceOf();
          else if (earliest < 0n || p.at < earliest) earliest = p.at;
        });
        if (ready.length) return Uint32Array.from(ready);
        waiting();
        if (source === null) sleepUntil(earliest);
        // A body still to come: wake on its bytes, or at the earliest clock.
        else (source as BodySource).wait(earliest < 0n ? undefined : earliest);
      }
    }
    const closedErr = { tag: 'closed' };
    const clampLen = (len: bigint): number => Number(len > 0x7fffffffn ? 0x7fffffffn : len);
    /** The stream's end, or its failure when the body broke off. */
    const endOf = (source: BodySource): unknown => {
      const e = source.error();
      return e === undefined ? closedErr : { tag: 'last-operation-failed', val: new IoError(e) };
    };
    class InputStream {
      private pos = 0;
      constructor(
        private readonly data: Uint8Array,
        private readonly scope: Scope | null,
        /** Bytes that arrive while the guest runs (a streamed request body) instead of `data`. */
        private readonly source?: BodySource,
      ) {}
      private check(): void {
        if (this.scope && this.scope.closed) throw new Error('resource used after its request ended');
      }
      read(len: bigint): Uint8Array {
        this.check();
        if (this.source) {
          const b = this.source.read(clampLen(len));
          if (b === null) throw endOf(this.source);
          return b;
        }
        if (this.pos >= this.data.length) {
          if (len === 0n && this.pos === this.data.length) return new Uint8Array(0);
          throw closedErr;
        }
        const n = Math.min(Number(len > 0x7fffffffn ? 0x7fffffffn : len), this.data.length - this.pos);
        const out = this.data.subarray(this.pos, this.pos + n);
        this.pos += n;
        return out;
      }
      blockingRead(len: bigint): Uint8Array {
        for (;;) {
          const b = this.read(len);
          if (b.length > 0 || len === 0n || !this.source) return b;
          waiting();
          this.source.wait();
        }
      }
      skip(len: bigint): bigint {
        return BigInt(this.read(len).length);
      }
      blockingSkip(len: bigint): bigint {
        return BigInt(this.blockingRead(len).length);
      }
      subscribe(): Pollable {
        return this.source ? new SourcePollable(this.source) : READY();
      }
    }
    /** Ready when a streamed body has bytes to read or has ended. */
    class SourcePollable extends Pollable {
      constructor(private readonly source: BodySource) {
        super(0n);
      }
      sourceOf(): BodySource {
        return this.source;
      }
      override ready(): boolean {
        return this.source.available();
      }
      override block(): void {
        while (!this.source.available()) {
          waiting();
          this.source.wait();
        }
      }
    }
    const WRITE_BUDGET = 1n << 20n;
    class OutputStream {
      closed = false;
      constructor(
        private readonly sink: Sink,
        private readonly scope: Scope,
      ) {}
      private target(): Sink {
        if (this.scope.closed) throw new Error('resource used after its request ended');
        if (this.closed) throw closedErr;
        return this.sink;
      }
      checkWrite(): bigint {
        this.target();
        return WRITE_BUDGET;
      }
      write(contents: Uint8Array): void {
        this.target().push(contents);
      }
      blockingWriteAndFlush(contents: Uint8Array): void {
        this.target().push(contents);
      }
      flush(): void {
        this.target();
      }
      blockingFlush(): void {
        this.target();
      }
      subscribe(): Pollable {
        return READY();
      }
      writeZeroes(len: bigint): void {
        const sink = this.target();
        if (BigInt(sink.size) + len > BigInt(sink.cap))
          throw new ComponentLimit(`${sink.what} over its cap of ${sink.cap} bytes`);
        sink.push(new Uint8Array(Number(len)));
      }
      blockingWriteZeroesAndFlush(len: bigint): void {
        this.writeZeroes(len);
      }
      splice(src: InputStream, len: bigint): bigint {
        const b = src.read(len);
        this.write(b);
        return BigInt(b.length);
      }
      blockingSplice(src: InputStream, len: bigint): bigint {
        return this.splice(src, len);
      }
    }

    // ---- wasi:http/types ----
    type Entry = [string, Uint8Array];
    const headerError = (tag: 'invalid-syntax' | 'forbidden' | 'immutable') => ({ tag });
    function checkEntry(name: string, value: Uint8Array): void {
      if (!TOKEN.test(name)) throw headerError('invalid-syntax');
      for (const b of value) if (b === 0 || b === 10 || b === 13) throw headerError('invalid-syntax');
      if (FORBIDDEN_HEADERS.has(name.toLowerCase())) throw headerError('forbidden');
    }
    class Fields {
      entriesList: Entry[] = [];
      immutable = false;
      static fromList(entries: Array<[string, Uint8Array]>): Fields {
        const f = new Fields();
        for (const [n, v] of entries) {
          checkEntry(n, v);
          f.entriesList.push([n.toLowerCase(), Uint8Array.prototype.slice.call(v)]);
        }
        return f;
      }
      private mutable(): void {
        if (this.immutable) throw headerError('immutable');
      }
      get(name: string): Uint8Array[] {
        const n = name.toLowerCase();
        return this.entriesList.filter((e) => e[0] === n).map((e) => e[1]);
      }
      has(name: string): boolean {
        const n = name.toLowerCase();
        return this.entriesList.some((e) => e[0] === n);
      }
      set(name: string, values: Uint8Array[]): void {
        this.mutable();
        for (const v of values) checkEntry(name, v);
        if (!TOKEN.test(name)) throw headerError('invalid-syntax');
        if (FORBIDDEN_HEADERS.has(name.toLowerCase())) throw headerError('forbidden');
        const n = name.toLowerCase();
        this.entriesList = this.entriesList.filter((e) => e[0] !== n);
        for (const v of values) this.entriesList.push([n, Uint8Array.prototype.slice.call(v)]);
      }
      delete(name: string): void {
        this.mutable();
        if (!TOKEN.test(name)) throw headerError('invalid-syntax');
        if (FORBIDDEN_HEADERS.has(name.toLowerCase())) throw headerError('forbidden');
        const n = name.toLowerCase();
        this.entriesList = this.entriesList.filter((e) => e[0] !== n);
      }
      append(name: string, value: Uint8Array): void {
        this.mutable();
        checkEntry(name, value);
        this.entriesList.push([name.toLowerCase(), Uint8Array.prototype.slice.call(value)]);
      }
      entries(): Entry[] {
        return this.entriesList.map(([n, v]) => [n, v]);
      }
      clone(): Fields {
        const f = new Fields();
        f.entriesList = this.entries();
        return f;
      }
    }
    const lockedFields = (pairs: ReadonlyArray<readonly [string, string]>): Fields => {
      const f = new Fields();
      // What the client sent, in order, names lowercased. Connection headers (and host,
      // which is the authority) belong to the connection, not the request: dropped, as
      // preview2-shim's server does.
      for (const [n, v] of pairs) {
        const name = n.toLowerCase();
        if (FORBIDDEN_HEADERS.has(name)) continue;
        f.entriesList.push([name, latin1(v)]);
      }
      f.immutable = true;
      return f;
    };

    const METHODS = new Set(['get', 'head', 'post', 'put', 'delete', 'connect', 'options', 'trace', 'patch']);
    /** The body of the incoming request, or of an outbound request's response. */
    class IncomingBody {
      private streamTaken = false;
      constructor(
        private readonly scope: Scope,
        private readonly data: Uint8Array = scope.req.body,
        private readonly trailers: ReadonlyArray<readonly [string, string]> | undefined = scope.req.trailers,
        /** The incoming request's body as it arrives (the scope's source), else `data`. */
        readonly source?: BodySource,
      ) {}
      stream(): InputStream {
        if (this.streamTaken) throw undefined;
        this.streamTaken = true;
        return new InputStream(this.data, this.scope, this.source);
      }
      static finish(body: IncomingBody): FutureTrailers {
        const source = body.source;
        return new FutureTrailers(source ? () => source.trailers() : () => body.trailers, source);
      }
    }
    class FutureTrailers {
      private taken = false;
      constructor(
        private readonly trailers: () => ReadonlyArray<readonly [string, string]> | undefined,
        /** A streamed body: its trailers come after its last byte (what the guest left unread is dropped). */
        private readonly source?: BodySource,
      ) {}
      private drain(): void {
        const src = this.source;
        if (!src) return;
        for (;;) {
          const b = src.read(2 ** 20);
          if (b === null) return;
          if (b.length === 0) {
            waiting();
            src.wait();
          }
        }
      }
      subscribe(): Pollable {
        this.drain();
        return READY();
      }
      get(): unknown {
        if (this.taken) return { tag: 'err' };
        this.drain();
        this.taken = true;
        const t = this.trailers();
        return { tag: 'ok', val: { tag: 'ok', val: t && t.length ? lockedFields(t) : undefined } };
      }
    }
    class IncomingRequest {
      private consumed = false;
      private readonly headersRes: Fields;
      constructor(private readonly scope: Scope) {
        this.headersRes = lockedFields(scope.req.headers);
      }
      method(): { tag: string; val?: string } {
        const m = this.scope.req.method;
        const lower = m.toLowerCase();
        // Methods are case-sensitive (RFC 9110): only the exact upper-case names are the standard ones.
        return METHODS.has(lower) && m === m.toUpperCase() ? { tag: lower } : { tag: 'other', val: m };
      }
      pathWithQuery(): string | undefined {
        return this.scope.req.pathWithQuery;
      }
      scheme(): { tag: string } | undefined {
        return { tag: this.scope.req.scheme === 'https' ? 'HTTPS' : 'HTTP' };
      }
      authority(): string | undefined {
        // The URI's authority, else the Host header, as wasmtime serve does; never none:
        // componentize-js guests build request.url from it and trap without one.
        const r = this.scope.req;
        return r.authority ?? r.headers.find(([n]) => n.toLowerCase() === 'host')?.[1] ?? 'localhost';
      }
      headers(): Fields {
        return this.headersRes;
      }
      consume(): IncomingBody {
        if (this.consumed) throw undefined;
        this.consumed = true;
        return new IncomingBody(this.scope, undefined, undefined, this.scope.source);
      }
    }
    class OutgoingBody {
      private written = false;
      finished = false;
      readonly sink: Sink;
      constructor(
        readonly scope: Scope,
        what = 'response body',
      ) {
        this.sink = new Sink(scope.limits.bodyBytes, what);
      }
      write(): OutputStream {
        if (this.written) throw undefined;
        this.written = true;
        return new OutputStream(this.sink, this.scope);
      }
      static finish(body: OutgoingBody, trailers: Fields | undefined): void {
        if (body.scope.closed) throw new Error('resource used after its request ended');
        body.finished = true;
        const r = body.scope.response;
        if (r && r.body === body.sink) {
          r.finished = true;
          if (trailers) r.trailers = trailers.entries();
        }
      }
    }
    class OutgoingResponse {
      status = 200;
      bodyRes: OutgoingBody | null = null;
      constructor(readonly headersRes: Fields) {
        headersRes.immutable = true;
      }
      statusCode(): number {
        return this.status;
      }
      setStatusCode(code: number): void {
        if (code < 100 || code > 999) throw undefined;
        this.status = code;
      }
      headers(): Fields {
        return this.headersRes;
      }
      body(): OutgoingBody {
        if (this.bodyRes) throw undefined;
        this.bodyRes = new OutgoingBody(live());
        return this.bodyRes;
      }
    }
    class ResponseOutparam {
      constructor(readonly scope: Scope) {}
      static set(
        param: ResponseOutparam,
        response: { tag: 'ok'; val: OutgoingResponse } | { tag: 'err'; val: unknown },
      ): void {
        const s = param.scope;
        if (s.closed) throw new Error('resource used after its request ended');
        if (s.outparamSet) throw new Error('response-outparam.set called twice');
        s.outparamSet = true;
        if (response.tag === 'err') {
          s.responseError = response.val;
          return;
        }
        const r = response.val;
        const body = r.bodyRes ?? new OutgoingBody(s);
        r.bodyRes = body;
        s.response = { status: r.status, headers: r.headersRes.entries(), body: body.sink, finished: body.finished };
        s.responseSet();
      }
    }
    // Outbound HTTP: a request is built with these; handle() denies it unless its
    // authority is on the scope's allow-list, and then it is performed (outbound.ts)
    // when the guest first waits for or takes the response.
    class RequestOptions {
      private t: Record<string, bigint | undefined> = {};
      connectTimeout(): bigint | undefined {
        return this.t['c'];
      }
      setConnectTimeout(d: bigint | undefined): void {
        this.t['c'] = d;
      }
      firstByteTimeout(): bigint | undefined {
        return this.t['f'];
      }
      setFirstByteTimeout(d: bigint | undefined): void {
        this.t['f'] = d;
      }
      betweenBytesTimeout(): bigint | undefined {
        return this.t['b'];
      }
      setBetweenBytesTimeout(d: bigint | undefined): void {
        this.t['b'] = d;
      }
    }
    class OutgoingRequest {
      private m: unknown = { tag: 'get' };
      private p: string | undefined = undefined;
      private s: unknown = undefined;
      private a: string | undefined = undefined;
      private b: OutgoingBody | null = null;
      constructor(private readonly h: Fields) {
        h.immutable = true;
      }
      body(): OutgoingBody {
        if (this.b) throw undefined;
        this.b = new OutgoingBody(live(), 'outgoing request body');
        return this.b;
      }
      bodyRes(): OutgoingBody | null {
        return this.b;
      }
      method(): unknown {
        return this.m;
      }
      setMethod(m: unknown): void {
        this.m = m;
      }
      pathWithQuery(): string | undefined {
        return this.p;
      }
      setPathWithQuery(p: string | undefined): void {
        this.p = p;
      }
      scheme(): unknown {
        return this.s;
      }
      setScheme(s: unknown): void {
        this.s = s;
      }
      authority(): string | undefined {
        return this.a;
      }
      setAuthority(a: string | undefined): void {
        this.a = a;
      }
      headers(): Fields {
        return this.h;
      }
    }
    /** A pollable that performs the pending request when polled or blocked on, then is ready. */
    class PerformPollable extends Pollable {
      constructor(private readonly perform: () => void) {
        super(0n);
      }
      override ready(): boolean {
        this.perform();
        return true;
      }
      override block(): void {
        this.perform();
      }
    }
    const methodName = (m: unknown): string => {
      const v = m as { tag: string; val?: string };
      return v.tag === 'other' ? String(v.val) : v.tag.toUpperCase();
    };
    const latin1Str = (b: Uint8Array): string => Buffer.from(b).toString('latin1');
    const nsToMs = (ns: bigint | undefined): number => (ns === undefined ? Infinity : Math.ceil(Number(ns) / 1e6));
    const outboundClient = this.outboundClient;
    class FutureIncomingResponse {
      private result: { tag: 'ok'; val: IncomingResponse } | { tag: 'err'; val: OutboundErrorCode } | null = null;
      private taken = false;
      constructor(
        private readonly scope: Scope,
        private readonly request: OutgoingRequest,
        private readonly key: string,
        private readonly options: RequestOptions | undefined,
      ) {}
      /** Sends the request and waits for the whole response, once. */
      private readonly settle = (): void => {
        if (this.result) return;
        if (this.scope.closed) throw new Error('resource used after its request ended');
        const body = this.request.bodyRes();
        if (body && !body.finished) {
          // Performed whole, not streamed: an open body would be sent cut short.
          this.result = {
            tag: 'err',
            val: {
              tag: 'internal-error',
              val: 'this host sends outgoing requests whole: finish the request body (outgoing-body.finish) before waiting for the response',
            },
          };
          return;
        }
        const o = this.options;
        const timeoutMs = Math.max(
          1,
          Math.min(
            this.scope.outbound?.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS,
            nsToMs(o?.connectTimeout()),
            nsToMs(o?.firstByteTimeout()),
          ),
        );
        const headers: Array<[string, string]> = [
          ['host', this.request.authority() ?? this.key],
          ...this.request
            .headers()
            .entries()
            .map(([n, v]): [string, string] => [n, latin1Str(v)]),
        ];
        waiting();
        const r = outboundClient.perform({
          method: methodName(this.request.method()),
          key: this.key,
          pathWithQuery: this.request.pathWithQuery() ?? '/',
          headers,
          body: body ? body.sink.bytes() : new Uint8Array(0),
          timeoutMs,
          maxBodyBytes: this.scope.limits.bodyBytes,
        });
        this.result = r.ok
          ? { tag: 'ok', val: new IncomingResponse(this.scope, r.status, r.headers, r.body, r.trailers) }
          : { tag: 'err', val: r.error };
      };
      subscribe(): Pollable {
        return new PerformPollable(this.settle);
      }
      get(): unknown {
        if (this.taken) return { tag: 'err' };
        this.settle();
        this.taken = true;
        return { tag: 'ok', val: this.result };
      }
    }
    class IncomingResponse {
      private consumed = false;
      private readonly headersRes: Fields;
      constructor(
        private readonly scope: Scope,
        private readonly code: number,
        headers: Array<[string, string]>,
        private readonly data: Uint8Array,
        private readonly trailers: Array<[string, string]>,
      ) {
        this.headersRes = lockedFields(headers);
      }
      status(): number {
        return this.code;
      }
      headers(): Fields {
        return this.headersRes;
      }
      consume(): IncomingBody {
        if (this.consumed) throw undefined;
        this.consumed = true;
        return new IncomingBody(this.scope, this.data, this.trailers);
      }
    }
    this.newIncomingRequest = () => new IncomingRequest(live());
    this.newOutparam = () => new ResponseOutparam(live());

    // ---- sockets and filesystem: present so components link; nothing is granted ----
    class Network {}
    class TcpSocket {}
    class UdpSocket {}
    class IncomingDatagramStream {}
    class OutgoingDatagramStream {}
    class ResolveAddressStream {}
    class Descriptor {}
    class DirectoryEntryStream {}
    const denied = (): never => {
      throw 'access-denied';
    };

    const stdoutStream = (): OutputStream => new OutputStream(live().stdout, live());
    const stderrStream = (): OutputStream => new OutputStream(live().stderr, live());
    const t0 = process.hrtime.bigint();
    return {
      'wasi:io/error': { Error: IoError },
      'wasi:io/poll': { Pollable, poll },
      'wasi:io/streams': { InputStream, OutputStream },
      'wasi:cli/stdout': { getStdout: stdoutStream },
      'wasi:cli/stderr': { getStderr: stderrStream },
      'wasi:cli/stdin': { getStdin: () => new InputStream(new Uint8Array(0), live()) },
      'wasi:cli/environment': { getEnvironment: () => [], getArguments: () => [], initialCwd: () => undefined },
      'wasi:cli/exit': {
        exit: (status: { tag: string }) => {
          throw new ComponentExit(status.tag === 'ok');
        },
      },
      'wasi:cli/terminal-input': { TerminalInput: class TerminalInput {} },
      'wasi:cli/terminal-output': { TerminalOutput: class TerminalOutput {} },
      'wasi:cli/terminal-stdin': { getTerminalStdin: () => undefined },
      'wasi:cli/terminal-stdout': { getTerminalStdout: () => undefined },
      'wasi:cli/terminal-stderr': { getTerminalStderr: () => undefined },
      'wasi:clocks/monotonic-clock': {
        // Time since the host started: a guest learns nothing of the machine's uptime.
        now: () => process.hrtime.bigint() - t0,
        resolution: () => 1n,
        subscribeInstant: (when: bigint) => new Pollable(when + t0 > 0n ? when + t0 : 1n),
        subscribeDuration: (d: bigint) => new Pollable(d <= 0n ? 0n : process.hrtime.bigint() + d),
      },
      'wasi:clocks/wall-clock': {
        now: () => {
          const ms = Date.now();
          return { seconds: BigInt(Math.floor(ms / 1000)), nanoseconds: (ms % 1000) * 1e6 };
        },
        resolution: () => ({ seconds: 0n, nanoseconds: 1e6 }),
      },
      'wasi:random/random': random,
      'wasi:random/insecure': insecure,
      'wasi:random/insecure-seed': insecureSeed,
      'wasi:filesystem/preopens': { getDirectories: () => [] },
      'wasi:filesystem/types': { Descriptor, DirectoryEntryStream, filesystemErrorCode: () => undefined },
      'wasi:http/types': {
        Fields,
        FutureIncomingResponse,
        FutureTrailers,
        IncomingBody,
        IncomingRequest,
        IncomingResponse,
        OutgoingBody,
        OutgoingRequest,
        OutgoingResponse,
        RequestOptions,
        ResponseOutparam,
        httpErrorCode: () => undefined,
      },
      'wasi:http/outgoing-handler': {
        handle: (request: OutgoingRequest, options?: RequestOptions) => {
          const s = live();
          const sch = request.scheme() as { tag: string; val?: string } | undefined;
          const scheme = sch === undefined || sch.tag === 'HTTP' ? 'http' : sch.tag === 'HTTPS' ? 'https' : null;
          if (scheme === null) throw { tag: 'HTTP-protocol-error' };
          const d = outboundDecision(s.outbound, scheme, request.authority());
          if (!d.allowed) throw { tag: 'HTTP-request-denied' };
          if (scheme === 'https')
            throw { tag: 'internal-error', val: 'this host performs outbound http only, not https' };
          return new FutureIncomingResponse(s, request, d.key, options);
        },
      },
      'wasi:sockets/network': { Network },
      'wasi:sockets/instance-network': { instanceNetwork: () => new Network() },
      'wasi:sockets/tcp': { TcpSocket },
      'wasi:sockets/tcp-create-socket': { createTcpSocket: denied },
      'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
      'wasi:sockets/udp-create-socket': { createUdpSocket: denied },
      'wasi:sockets/ip-name-lookup': { ResolveAddressStream, resolveAddresses: denied },
    };
  }
}

/** Interfaces (unversioned, as jco names them) this host provides. */
export const HOST_INTERFACES: ReadonlySet<string> = new Set(Object.keys(new ComponentHost().imports));
