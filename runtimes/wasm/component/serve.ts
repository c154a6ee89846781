// A component app behind the WAGI core (server.ts, serve/host.ts): the HTTP request
// as the component sees it (method, path and query as routed, the Host header as
// authority, header fields in arrival order with repeats), the executor's outcome as
// the response (500/504 with the reason when the guest failed; its trailers after the
// body), and the phases as Server-Timing: instantiate (0 when a reused instance
// served), handler, dispatch.

import type http from 'node:http';
import { canChunk, flatPairs, formatServerTiming, rawPairs, withDispatch } from '../../shared/http.js';
import type { ComponentExecutor, HandleIo } from './executor.js';
import type { ResponseTap } from './host.js';
import type { PreparedComponent } from './prepare.js';
import { httpResponseOf } from './runner.js';

export interface ComponentTarget {
  prepared: PreparedComponent;
  executor: ComponentExecutor;
  /** Requests per instance (1: a fresh instance each, the default). */
  reuse?: number;
  /** Outbound HTTP allowed to these HOST:PORT entries only (outbound.ts); none: all denied. */
  allowedOutboundHosts?: readonly string[];
}

export interface ComponentAnswer {
  status: number;
  headers: Array<[string, string]>;
  body: Uint8Array;
  /** The guest's trailers, sent after the body (chunked framing). */
  trailers?: Array<[string, string]>;
  timing: string;
  /** The guest's own response (counts against the response budget); false for our 500/504. */
  fromGuest: boolean;
  /** Why the guest failed, for the log. */
  failure?: string;
  /** The head went out through the tap while the guest ran: `body` is the rest of the body. */
  streamed: boolean;
  /** The streamed request body passed its cap (a 413 when nothing went out yet). */
  requestTooLarge: boolean;
}

/**
 * Runs the request through the component. `body` is the whole request body, or null
 * when it streams in through `io.body`; `io.tap` takes the response while the guest
 * still writes it (the caller writes head and chunks to the client).
 */
export async function serveComponent(
  t: ComponentTarget,
  req: http.IncomingMessage,
  body: Uint8Array | null,
  path: string,
  query: string,
  startedAt?: bigint,
  io: HandleIo = {},
): Promise<ComponentAnswer> {
  const o = await t.executor.handle(
    t.prepared,
    {
      method: req.method ?? 'GET',
      pathWithQuery: query ? `${path}?${query}` : path,
      ...(req.headers.host ? { authority: req.headers.host } : {}),
      headers: rawPairs(req.rawHeaders),
      body: body ?? new Uint8Array(0),
      ...(body && req.rawTrailers.length ? { trailers: rawPairs(req.rawTrailers) } : {}),
    },
    {
      reuse: t.reuse ?? 1,
      ...(t.allowedOutboundHosts?.length ? { outbound: { allowedHosts: t.allowedOutboundHosts } } : {}),
    },
    body ? { ...(io.tap ? { tap: io.tap } : {}) } : io,
  );
  const phases = withDispatch(
    [
      { phase: 'instantiate', ns: o.instantiateNs },
      { phase: 'handler', ns: o.handlerNs },
    ],
    startedAt,
  );
  const r = httpResponseOf(o);
  const ok = o.end.kind === 'ok';
  return {
    status: r.status,
    headers: r.headers,
    body: r.body,
    // A guest's own Server-Timing trailer is dropped: the server's is the one that counts.
    ...(r.trailers?.length ? { trailers: r.trailers.filter(([n]) => n.toLowerCase() !== 'server-timing') } : {}),
    timing: formatServerTiming(phases),
    fromGuest: ok,
    ...(ok ? {} : { failure: `${t.prepared.name}: ${'message' in o.end ? o.end.message : o.end.kind}` }),
    streamed: o.streamed === true,
    requestTooLarge: o.requestTooLarge === true,
  };
}

/** Fields of the guest's that the server writes itself (framing, its Server-Timing, the Trailer list) or never forwards. */
const NOT_FORWARDED = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'server-timing',
  'trailer',
]);

/** The guest's fields as sent: without NOT_FORWARDED. */
function guestFields(fields: ReadonlyArray<readonly [string, string]>): Array<[string, string]> {
  return fields.filter(([n]) => !NOT_FORWARDED.has(n.toLowerCase())).map(([n, v]): [string, string] => [n, v]);
}

/** The fields of a whole answer: the guest's, and our Server-Timing. */
export function componentResponseFields(a: ComponentAnswer): Array<[string, string]> {
  return [...guestFields(a.headers), ['server-timing', a.timing]];
}

/**
 * A component's response written while its guest runs (the ResponseTap the host
 * calls). Streams only where chunked framing can: an HTTP/1.1 request other than
 * HEAD, a status with a body; otherwise it keeps head and pieces for the whole answer
 * at the end. Pieces go through the server's response budget (writePiece). No write
 * here throws: a field or trailer Node refuses cuts the connection.
 */
export class StreamedAnswer implements ResponseTap {
  /** The head went out: the answer can only be finished or cut. */
  started = false;
  /** Pieces kept because this answer cannot stream (sent whole at the end). */
  kept: Uint8Array[] | null = null;
  private readonly canStream: boolean;

  constructor(
    req: http.IncomingMessage,
    private readonly res: http.ServerResponse,
    /** The server's response budget (server.ts, ResponseBudget.writePiece). */
    private readonly budget: {
      writePiece(res: http.ServerResponse, bytes: Uint8Array, end?: boolean): void;
    },
    private readonly log: (why: string) => void,
  ) {
    this.canStream = canChunk(req);
  }

  head(status: number, fields: Array<[string, string]>): void {
    if (!this.canStream || status === 204 || status === 304 || status < 200) {
      this.kept = [];
      return;
    }
    const res = this.res;
    if (res.headersSent || res.destroyed) return;
    try {
      res.writeHead(status, flatPairs([...guestFields(fields), ['trailer', 'server-timing']]));
      this.started = true;
    } catch (e) {
      this.log(`could not write the streamed head: ${(e as Error).message}`);
      res.destroy();
    }
  }

  chunk(bytes: Uint8Array): void {
    if (this.kept) this.kept.push(bytes);
    else if (this.started) this.budget.writePiece(this.res, bytes);
  }

  /** The guest's good end: the rest of the body, its trailers (serveComponent's), ours. */
  finish(rest: Uint8Array, trailers: ReadonlyArray<readonly [string, string]>, timing: string): void {
    const res = this.res;
    if (res.destroyed) return;
    try {
      res.addTrailers([...trailers.map(([n, v]): [string, string] => [n, v]), ['server-timing', timing]]);
    } catch (e) {
      this.log(`could not write the trailers: ${(e as Error).message}`);
      return this.cut();
    }
    this.budget.writePiece(res, rest, true);
  }

  /** A failure after the head went out: the client must not see a complete response. */
  cut(): void {
    this.res.destroy();
  }
}
