// The HTTP client every HTTP-serving adapter invokes through, so all runtimes are
// timed by the same code: trigger → complete response, on 127.0.0.1. And the one
// request-body reader of the servers we run (readBodyLimited): bounded, never more
// than the limit + one chunk held.

import http from 'node:http';
import type { Readable } from 'node:stream';
import type { FunctionRequest, InvokeResult, Phases } from '../types.js';

/** Parses `Server-Timing: name;dur=ms, ...` into phases in ns. */
export function parseServerTiming(value: string | undefined): Phases {
  if (!value) return [];
  const phases: Phases = [];
  for (const part of value.split(',')) {
    const [name, ...params] = part.trim().split(';');
    const dur = params.map((p) => p.trim()).find((p) => p.startsWith('dur='));
    if (!name || !dur) continue;
    const ms = Number(dur.slice(4));
    if (Number.isFinite(ms)) phases.push({ phase: name, ns: Math.round(ms * 1e6) });
  }
  return phases;
}

/**
 * A server's phases of one request, plus `dispatch` when it knows when the request
 * reached it: the server time outside those phases (queueing, the hop to a guest
 * thread, routing), so Server-Timing accounts for all of it.
 */
export function withDispatch(phases: Phases, startedAt: bigint | undefined): Phases {
  if (startedAt === undefined) return phases;
  const inside = phases.reduce((t, p) => t + p.ns, 0);
  return [...phases, { phase: 'dispatch', ns: Math.max(0, Number(process.hrtime.bigint() - startedAt) - inside) }];
}

export function formatServerTiming(phases: Phases): string {
  return phases.map((p) => `${p.phase};dur=${(p.ns / 1e6).toFixed(4)}`).join(', ');
}

/**
 * Node's parsed header fields (names already lower-case) as one string each, repeated
 * fields joined with ", " (RFC 9110 §5.3), into `into` (a fresh plain object unless
 * given one, e.g. a null-prototype object for fields handed to user code).
 */
export function flatHeaders(
  fields: http.IncomingHttpHeaders,
  into: Record<string, string> = {},
): Record<string, string> {
  for (const [k, v] of Object.entries(fields)) if (v !== undefined) into[k] = Array.isArray(v) ? v.join(', ') : v;
  return into;
}

/**
 * Node's raw field list (rawHeaders, rawTrailers: name, value, name, value…) as pairs in
 * arrival order, repeated names kept; names lower-cased when asked.
 */
export function rawPairs(raw: readonly string[], lowerCase = false): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i + 1 < raw.length; i += 2) out.push([lowerCase ? raw[i]!.toLowerCase() : raw[i]!, raw[i + 1]!]);
  return out;
}

/** Pairs as Node's raw field list (name, value, name, value…) for writeHead: repeated names stay separate lines. */
export function flatPairs(fields: ReadonlyArray<readonly [string, string]>): string[] {
  const flat: string[] = [];
  for (const [name, value] of fields) flat.push(name, value);
  return flat;
}

/** The answer to this request can use chunked framing (so stream, and carry trailers): HTTP/1.1 or later, not HEAD. */
export function canChunk(req: http.IncomingMessage): boolean {
  return (
    req.method !== 'HEAD' && (req.httpVersionMajor > 1 || (req.httpVersionMajor === 1 && req.httpVersionMinor >= 1))
  );
}

/** A request a server received, with its body read, as the adapters' FunctionRequest. */
export function functionRequestOf(
  req: http.IncomingMessage,
  body: Uint8Array,
  headers: Record<string, string> = flatHeaders(req.headers),
): FunctionRequest {
  const url = req.url ?? '/';
  const q = url.indexOf('?');
  return {
    method: req.method ?? 'GET',
    path: q < 0 ? url : url.slice(0, q),
    query: q < 0 ? '' : url.slice(q + 1),
    headers,
    body,
  };
}

export class HttpInvokeError extends Error {
  override name = 'HttpInvokeError';
}

/**
 * One request over the given agent (keep-alive per instance: the first request pays
 * the connect). `timeoutMs` bounds the whole exchange, request to last body byte,
 * whatever the server sends: Node's own socket timeout only measures silence, so a
 * server trickling a body or sending informational responses forever would hold it
 * off, and after a 101 Node stops watching the socket at all. A 101 is refused at
 * once: the harness speaks HTTP only. On any failure the socket is destroyed, never
 * handed back to the agent.
 *
 * A kept-alive connection the server closed while idle (its keep-alive timeout) can be
 * picked for a request in the instant before the close arrives: the request then ends
 * in ECONNRESET/EPIPE before any response byte. Such a request, if idempotent, is sent
 * once more on a new connection, as RFC 9112 §9.3.1 allows and browsers and undici do;
 * its time counts from the first attempt and both share the timeout. Anything else,
 * and a second such failure, fails the request. (Seen in trace replays: 30 s of
 * server keep-alive against a 10-minute keep-alive policy at 15× compression.)
 */
export async function httpInvoke(
  baseUrl: string,
  req: FunctionRequest,
  agent: http.Agent,
  timeoutMs = 30_000,
  lenient = false,
): Promise<InvokeResult> {
  const start = process.hrtime.bigint();
  try {
    return await exchange(baseUrl, req, agent, timeoutMs, lenient, start);
  } catch (e) {
    if (!(e instanceof StaleConnectionError) || !IDEMPOTENT.has(req.method.toUpperCase())) throw e;
    const left = timeoutMs - Number(process.hrtime.bigint() - start) / 1e6;
    if (left <= 0) throw e;
    return exchange(baseUrl, req, agent, left, lenient, start);
  }
}

/** Methods a client may send again after a connection closed under them (RFC 9110 §9.2.2). */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);

/** A request that failed on a reused connection before any response byte: the connection was stale. */
class StaleConnectionError extends HttpInvokeError {}

function exchange(
  baseUrl: string,
  req: FunctionRequest,
  agent: http.Agent,
  timeoutMs: number,
  lenient: boolean,
  start: bigint,
): Promise<InvokeResult> {
  return new Promise((resolve, reject) => {
    const url = new URL(baseUrl);
    const path = req.path + (req.query ? `?${req.query}` : '');
    let settled = false;
    let responded = false;
    let deadline: NodeJS.Timeout | undefined;
    const fail = (e: Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(deadline);
      r.destroy();
      const code = (e as NodeJS.ErrnoException).code;
      const stale = !responded && r.reusedSocket && (code === 'ECONNRESET' || code === 'EPIPE');
      const message = `${req.method} ${baseUrl}${path}: ${e.message}`;
      reject(
        e instanceof HttpInvokeError ? e : stale ? new StaleConnectionError(message) : new HttpInvokeError(message),
      );
    };
    const r = http.request(
      {
        host: url.hostname,
        port: url.port,
        method: req.method,
        path,
        agent,
        ...(lenient ? { insecureHTTPParser: true } : {}),
        headers: { ...req.headers, 'content-length': String(req.body.length) },
      },
      (res) => {
        responded = true;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', fail);
        res.on('close', () => {
          if (!res.complete) fail(new Error('connection closed before the response ended'));
        });
        res.on('end', () => {
          if (settled) return;
          settled = true;
          clearTimeout(deadline);
          const totalNs = Number(process.hrtime.bigint() - start);
          const headers = flatHeaders(res.headers);
          const phases = parseServerTiming(headers['server-timing']);
          resolve({ response: { status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks) }, totalNs, phases });
        });
      },
    );
    deadline = setTimeout(
      () => fail(new HttpInvokeError(`no response from ${baseUrl} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    r.on('upgrade', (_res, socket) => {
      socket.destroy();
      fail(
        new HttpInvokeError(
          `${req.method} ${baseUrl}${path}: the server answered 101 Switching Protocols; only HTTP responses are accepted`,
        ),
      );
    });
    r.on('error', fail);
    r.end(req.body);
  });
}

/**
 * httpInvoke with Node's lenient parser, for servers that relay CGI output (busybox
 * httpd serving the native variant): they pass a CGI program's header lines through
 * as written, ending in a bare LF, which Node's strict parser refuses. Same timing.
 */
export function cgiHttpInvoke(
  baseUrl: string,
  req: FunctionRequest,
  agent: http.Agent,
  timeoutMs = 30_000,
): Promise<InvokeResult> {
  return httpInvoke(baseUrl, req, agent, timeoutMs, true);
}

export interface BodyRead {
  /** What was read, at most `limit` bytes (empty when tooLarge). */
  body: Buffer;
  tooLarge: boolean;
}

/**
 * Reads a request body of at most `limit` bytes. A declared Content-Length over the
 * limit is refused without reading anything; otherwise reading stops as soon as the
 * body passes the limit (the stream is paused and left unread, so a hostile client
 * cannot make us hold, or even receive, more than limit + one chunk). The caller
 * must then answer with the connection closed. Shared by the servers that read a
 * request body (Lambda's Runtime API and function URL, each with its 6 MiB limit), so
 * a limit is kept the same way wherever one is enforced.
 */
export function readBodyLimited(
  req: Readable & { headers?: http.IncomingHttpHeaders },
  limit: number,
): Promise<BodyRead> {
  const declared = req.headers?.['content-length'];
  if (declared !== undefined && /^[0-9]+$/.test(declared) && Number(declared) > limit) {
    req.pause();
    return Promise.resolve({ body: Buffer.alloc(0), tooLarge: true });
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const done = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
    };
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        done();
        req.pause();
        chunks.length = 0;
        resolve({ body: Buffer.alloc(0), tooLarge: true });
      } else chunks.push(c);
    };
    const onEnd = () => {
      done();
      resolve({ body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks), tooLarge: false });
    };
    const onError = (e: Error) => {
      done();
      reject(e);
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
  });
}
