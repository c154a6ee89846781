// A component app behind the WAGI core (server.ts, serve/host.ts): the HTTP request
// as the component sees it (method, path and query as routed, the Host header as
// authority, header fields in arrival order with repeats), the executor's outcome as
// the response (500/504 with the reason when the guest failed; its trailers after the
// body), and the phases as Server-Timing: instantiate (0 when a reused instance
// served), handler, dispatch.

import type http from 'node:http';
import { formatServerTiming, rawPairs, withDispatch } from '../../shared/http.js';
import type { ComponentExecutor, HandleIo } from './executor.js';
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
    ...(r.trailers?.length ? { trailers: r.trailers } : {}),
    timing: formatServerTiming(phases),
    fromGuest: ok,
    ...(ok ? {} : { failure: `${t.prepared.name}: ${'message' in o.end ? o.end.message : o.end.kind}` }),
    streamed: o.streamed === true,
    requestTooLarge: o.requestTooLarge === true,
  };
}

/** The fields to send: the guest's, minus the framing the server writes itself and any Server-Timing of its own; ours added. */
export function componentResponseFields(a: ComponentAnswer): Array<[string, string]> {
  const drop = new Set(['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'server-timing']);
  return [...a.headers.filter(([n]) => !drop.has(n.toLowerCase())), ['server-timing', a.timing]];
}
