// `faasbench conform http`: a wasi:http behaviour suite, written from the WASI 0.2 WIT
// (wasi:http/types@0.2.x, runtimes/wasm/component/wit/deps/http/types.wit), run over
// real HTTP on 127.0.0.1 against servers of wasi:http components: faasbench's own
// (`faasbench serve`'s host, a fresh instance per request) and, as the baseline,
// preview2-shim's Node HTTPServer (http-shim-server.ts, in a child process).
//
// Every case is one request to the probe component (runtimes/wasm/component/
// http-probe.mjs, which behaves by path) and a check of what came back; the WIT line a
// check stands on is in its `why`. What a case cannot see, it does not claim: a server
// may answer a guest failure with a 5xx or by cutting the connection (a streaming
// server has sent its head already), and both count as refusing a broken response.
//
// Servers are treated as untrusted: every request has a timeout, a server that died or
// stopped answering is restarted before the next case, and a case that made it stop
// fails with that said.

import { createHash } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { DEFAULT_COMPONENT_LIMITS, FORBIDDEN_HEADERS } from '../../runtimes/wasm/component/host.js';
import { rawPairs } from '../../runtimes/shared/http.js';
import { runServe, type RunningServe } from '../../runtimes/wasm/serve/run.js';
import type { ShimServerReply } from './http-shim-server.js';

export interface HttpProbeRequest {
  method: string;
  /** Path and query as sent on the request line. */
  path: string;
  headers?: Array<[string, string]>;
  /** Sent in one piece with a content-length. */
  body?: Uint8Array;
  /** Sent piece by piece with chunked framing (no content-length). */
  chunks?: Uint8Array[];
  /** Request trailers (chunked framing). */
  trailers?: Array<[string, string]>;
  /**
   * Sent piece by piece with chunked framing, each piece only once the response body has
   * brought back as many bytes as were sent (an echo): the exchange ends only when the
   * server streams both bodies while its handler runs.
   */
  duplex?: Uint8Array[];
}

export interface HttpProbeResponse {
  status: number;
  /** Names lowercased, in the order and lines received. */
  headers: Array<[string, string]>;
  body: Buffer;
  trailers: Array<[string, string]>;
  /** The response ended normally (not cut, not timed out). */
  complete: boolean;
  /** Why there was no (complete) response. */
  error?: string;
}

export type HttpCaseGroup = 'methods' | 'paths' | 'headers' | 'status' | 'bodies' | 'trailers' | 'failures' | 'sandbox';

export interface HttpCase {
  name: string;
  group: HttpCaseGroup;
  /** The WIT (or HTTP) rule the check stands on. */
  why: string;
  request: HttpProbeRequest;
  /** null when the response is right; else what is wrong. */
  check(r: HttpProbeResponse): string | null;
  /** After this case the server must still answer a plain request (guest failures must not take it down). */
  thenServes?: boolean;
  /** Its request may take this many times the per-request timeout (it moves tens of MiB). */
  timeoutFactor?: number;
}

export interface HttpCaseOutcome {
  name: string;
  group: HttpCaseGroup;
  pass: boolean;
  /** What was wrong (empty when it passed). */
  detail: string;
  ms: number;
}

/** A server of the probe component, as the suite sees it. */
export interface HttpTarget {
  readonly name: string;
  send(req: HttpProbeRequest, timeoutMs: number): Promise<HttpProbeResponse>;
  /** False once its process has gone (then it is restarted before the next case). */
  alive(): boolean;
  /** Starts it afresh (after it died or stopped answering). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** The authority every request names; faasbench's host routes it to the probe app by its first label. */
export const PROBE_HOST = 'probe.localhost';
const MAX_RESPONSE_BYTES = 128 * 2 ** 20;

// ---------- the client ----------

/** One request on a new connection, raw header lines kept, with a timeout. */
export function sendProbe(port: number, req: HttpProbeRequest, timeoutMs: number): Promise<HttpProbeResponse> {
  return new Promise((resolve) => {
    const raw: string[] = ['host', PROBE_HOST];
    for (const [n, v] of req.headers ?? []) raw.push(n, v);
    if (req.body && !req.chunks) raw.push('content-length', String(req.body.length));
    if (req.chunks || req.trailers || req.duplex) raw.push('transfer-encoding', 'chunked');
    let settled = false;
    const chunks: Buffer[] = [];
    let size = 0;
    let status = 0;
    let headers: Array<[string, string]> = [];
    const finish = (r: Partial<HttpProbeResponse> & { complete: boolean }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ status, headers, body: Buffer.concat(chunks, size), trailers: [], ...r });
      creq.destroy();
    };
    const creq = http.request({
      host: '127.0.0.1',
      port,
      method: req.method,
      path: req.path,
      headers: raw,
      setHost: false,
      agent: false,
    });
    const timer = setTimeout(
      () => finish({ complete: false, error: `no complete response within ${timeoutMs} ms` }),
      timeoutMs,
    );
    creq.on('error', (e) => finish({ complete: false, error: `connection: ${e.message}` }));
    // Duplex: the next piece goes when the echo has caught up with what was sent.
    const duplex = req.duplex ?? [];
    let sent = 0;
    let next = 0;
    const sendNext = () => {
      if (next >= duplex.length) return;
      const piece = duplex[next++]!;
      creq.write(piece);
      sent += piece.length;
      if (next === duplex.length) creq.end();
    };
    creq.on('response', (res) => {
      status = res.statusCode ?? 0;
      headers = rawPairs(res.rawHeaders, true);
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_RESPONSE_BYTES)
          return finish({ complete: false, error: `response body over ${MAX_RESPONSE_BYTES} bytes` });
        chunks.push(c);
        if (req.duplex && size >= sent) sendNext();
      });
      res.on('aborted', () => finish({ complete: false, error: 'the server cut the response' }));
      res.on('error', (e) => finish({ complete: false, error: `response: ${e.message}` }));
      res.on('end', () => finish({ complete: true, trailers: rawPairs(res.rawTrailers, true) }));
    });
    if (req.duplex) return sendNext();
    if (req.chunks) for (const c of req.chunks) creq.write(c);
    else if (req.body && req.body.length) creq.write(req.body);
    if (req.trailers) creq.addTrailers(req.trailers);
    creq.end();
  });
}

// ---------- what the probe sends back ----------

/** /inspect's JSON. */
interface Inspected {
  method: string;
  pathWithQuery: string;
  scheme: string | null;
  authority: string | null;
  headers: Array<[string, string]>;
  bodyLength: number;
  bodyFnv1a: string;
  trailers: Array<[string, string]> | null;
}

function inspected(r: HttpProbeResponse): Inspected | string {
  if (!r.complete) return r.error ?? 'no complete response';
  if (r.status !== 200) return `status ${r.status}: ${r.body.toString('latin1').slice(0, 200).trim()}`;
  try {
    // UTF-8 JSON; header values in it are latin1 strings (one character per byte the guest got).
    return JSON.parse(r.body.toString('utf8')) as Inspected;
  } catch {
    return `not the probe's JSON: ${r.body.toString('latin1').slice(0, 200)}`;
  }
}

const header = (r: HttpProbeResponse, name: string): string[] =>
  r.headers.filter(([n]) => n === name).map(([, v]) => v);

/** Values of a field, repeated lines and comma-joined lines alike (RFC 9110 §5.3), for fields that allow lists. */
const listValues = (r: HttpProbeResponse, name: string): string[] =>
  header(r, name).flatMap((v) => v.split(',').map((s) => s.trim()));

function okWith(r: HttpProbeResponse, f: () => string | null): string | null {
  if (!r.complete) return r.error ?? 'no complete response';
  return f();
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex').slice(0, 16);

/** The probe's body pattern: byte i is i mod 251. */
export function probePattern(n: number): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = i % 251;
  return b;
}

function sameBytes(got: Buffer, want: Uint8Array): string | null {
  if (got.length !== want.length) return `body of ${got.length} bytes, expected ${want.length}`;
  return got.equals(want) ? null : `body differs (sha256 ${sha(got)}, expected ${sha(want)})`;
}

/** A guest failure must not look like a good response: a 5xx, or the connection cut before the end. */
function refusedBroken(r: HttpProbeResponse): string | null {
  if (r.error?.startsWith('no complete response within')) return r.error;
  if (r.complete && r.status < 500) return `a complete ${r.status} response (${r.body.length} bytes) for a broken one`;
  return null;
}

// ---------- the cases ----------

function methodCase(method: string, tag: string): HttpCase {
  return {
    name: `method ${method}`,
    group: 'methods',
    why: `incoming-request.method: ${tag}`,
    request: { method, path: '/inspect', ...(method === 'POST' || method === 'PUT' ? { body: Buffer.from('m') } : {}) },
    check: (r) => {
      if (!r.complete) return r.error ?? 'no complete response';
      if (r.status !== 200) return `status ${r.status}`;
      const m = header(r, 'x-method')[0];
      if (m !== tag) return `the guest saw method ${m ?? '(none)'}, expected ${tag}`;
      if (method === 'HEAD' && r.body.length) return `a HEAD response with ${r.body.length} body bytes`;
      return null;
    },
  };
}

function statusCase(code: number): HttpCase {
  return {
    name: `status ${code}`,
    group: 'status',
    why: 'outgoing-response.set-status-code: a valid status code is sent as set',
    request: { method: 'GET', path: `/status/${code}` },
    check: (r) =>
      okWith(r, () => {
        if (header(r, 'x-set-status')[0] !== 'ok') return `set-status-code(${code}) was refused`;
        if (r.status !== code) return `status ${r.status}, expected ${code}`;
        const want = code === 204 ? '' : `status ${code}\n`;
        return r.body.toString('latin1') === want ? null : `body ${JSON.stringify(r.body.toString('latin1'))}`;
      }),
  };
}

function invalidStatusCase(code: number): HttpCase {
  return {
    name: `status ${code} refused`,
    group: 'status',
    why: 'set-status-code: "Fails if the status-code given is not a valid http status code"',
    request: { method: 'GET', path: `/status/${code}` },
    check: (r) =>
      okWith(r, () => {
        const result = header(r, 'x-set-status')[0];
        if (result !== 'refused') return `set-status-code(${code}) was accepted (the client got ${r.status})`;
        return r.status === 200 ? null : `status ${r.status}, expected the default 200`;
      }),
  };
}

function fieldCase(
  name: string,
  value: string,
  via: 'append' | 'set' | 'from-list',
  expect: 'ok' | 'forbidden' | 'invalid-syntax',
  label: string,
): HttpCase {
  const q = `name=${encodeURIComponent(name)}&value=${[...Buffer.from(value, 'latin1')].map((b) => '%' + b.toString(16).padStart(2, '0')).join('')}&via=${via}`;
  return {
    name: label,
    group: 'headers',
    why:
      expect === 'forbidden'
        ? `fields.${via}: header-error.forbidden for a field the host owns`
        : expect === 'invalid-syntax'
          ? `fields.${via}: header-error.invalid-syntax for a name that is not a token or a value with CR/LF/NUL`
          : `fields.${via}: an ordinary field is kept and sent`,
    request: { method: 'GET', path: `/header?${q}` },
    check: (r) =>
      okWith(r, () => {
        const result = header(r, 'x-header-result')[0];
        if (result !== expect)
          return `fields.${via}(${JSON.stringify(name)}) gave ${result ?? '(nothing)'}, expected ${expect}`;
        // A refused field is not added by the probe; whatever the server itself sends under that name is its own.
        if (expect !== 'ok') return null;
        const sent = header(r, name.toLowerCase());
        return sent.includes(value) ? null : `the response lacks ${name}: ${value} (has ${JSON.stringify(sent)})`;
      }),
  };
}

function inspectCase(
  name: string,
  group: HttpCaseGroup,
  why: string,
  request: HttpProbeRequest,
  check: (i: Inspected, r: HttpProbeResponse) => string | null,
): HttpCase {
  return {
    name,
    group,
    why,
    request,
    check: (r) => {
      const i = inspected(r);
      return typeof i === 'string' ? i : check(i, r);
    },
  };
}

const hasField = (i: Inspected, name: string, value: string): boolean =>
  i.headers.some(([n, v]) => n.toLowerCase() === name && v === value);

export function httpCases(): HttpCase[] {
  const big = probePattern(8 * 2 ** 20);
  const pieces = Array.from({ length: 16 }, (_v, k) => big.subarray(k * 65536, (k + 1) * 65536));
  const streamed = Buffer.concat(pieces);
  const duplexPieces = Array.from({ length: 4 }, (_v, k) => big.subarray(k * 1000, (k + 1) * 1000));
  const allBytes = Buffer.from(Array.from({ length: 256 }, (_v, i) => i));
  const cap = DEFAULT_COMPONENT_LIMITS.bodyBytes;
  return [
    // ---- methods ----
    methodCase('GET', 'get'),
    methodCase('POST', 'post'),
    methodCase('PUT', 'put'),
    methodCase('DELETE', 'delete'),
    methodCase('PATCH', 'patch'),
    methodCase('HEAD', 'head'),
    methodCase('OPTIONS', 'options'),
    methodCase('PURGE', 'other:PURGE'),

    // ---- paths ----
    inspectCase(
      'path with query',
      'paths',
      'incoming-request.path-with-query: the path and query as sent',
      { method: 'GET', path: '/inspect/a/b?x=1&y=two' },
      (i) =>
        i.pathWithQuery === '/inspect/a/b?x=1&y=two' ? null : `path-with-query ${JSON.stringify(i.pathWithQuery)}`,
    ),
    inspectCase(
      'percent-encoding kept',
      'paths',
      'path-with-query is the request target, not a decoded or normalised form',
      { method: 'GET', path: '/inspect/a%20b/%7E/./c?q=%2F%3D&flag&e=' },
      (i) =>
        i.pathWithQuery === '/inspect/a%20b/%7E/./c?q=%2F%3D&flag&e='
          ? null
          : `path-with-query ${JSON.stringify(i.pathWithQuery)}`,
    ),
    inspectCase(
      'authority from Host',
      'paths',
      'incoming-request.authority: the request URI authority (the Host field in HTTP/1.1)',
      { method: 'GET', path: '/inspect' },
      (i) => (i.authority === PROBE_HOST ? null : `authority ${JSON.stringify(i.authority)}, expected ${PROBE_HOST}`),
    ),
    inspectCase(
      'scheme http',
      'paths',
      'incoming-request.scheme: HTTP on a plain connection',
      { method: 'GET', path: '/inspect' },
      (i) => (i.scheme === 'HTTP' ? null : `scheme ${JSON.stringify(i.scheme)}`),
    ),

    // ---- headers ----
    inspectCase(
      'request fields passed',
      'headers',
      'incoming-request.headers: the fields the client sent',
      { method: 'GET', path: '/inspect', headers: [['X-Custom', 'Value with  spaces, and commas']] },
      (i) =>
        hasField(i, 'x-custom', 'Value with  spaces, and commas')
          ? null
          : `x-custom missing or changed: ${JSON.stringify(i.headers)}`,
    ),
    inspectCase(
      'repeated request fields',
      'headers',
      'fields keep every value of a repeated name, in order',
      {
        method: 'GET',
        path: '/inspect',
        headers: [
          ['x-rep', 'one'],
          ['x-other', 'between'],
          ['x-rep', 'two'],
        ],
      },
      (i) => {
        const vals = i.headers.filter(([n]) => n.toLowerCase() === 'x-rep').map(([, v]) => v);
        const joined = vals.join(', ');
        return joined === 'one, two' ? null : `x-rep values ${JSON.stringify(vals)}, expected one then two`;
      },
    ),
    inspectCase(
      'field value bytes',
      'headers',
      'field-value is bytes: obs-text (0x80-0xFF) arrives unchanged',
      { method: 'GET', path: '/inspect', headers: [['x-bytes', 'caf\u00e9 \u00ff']] },
      (i) =>
        hasField(i, 'x-bytes', 'caf\u00e9 \u00ff')
          ? null
          : `x-bytes ${JSON.stringify(i.headers.find(([n]) => n === 'x-bytes'))}`,
    ),
    inspectCase(
      'connection fields withheld',
      'headers',
      'fields a guest may not set (forbidden) are connection-level: not handed to it either',
      {
        method: 'GET',
        path: '/inspect',
        headers: [
          ['connection', 'keep-alive'],
          ['keep-alive', 'timeout=5'],
          ['proxy-connection', 'keep-alive'],
        ],
      },
      (i) => {
        const leaked = i.headers.filter(([n]) => ['connection', 'keep-alive', 'proxy-connection'].includes(n));
        return leaked.length ? `handed to the guest: ${JSON.stringify(leaked)}` : null;
      },
    ),
    fieldCase('x-ok', 'fine', 'append', 'ok', 'response field set'),
    fieldCase('x-bin', 'caf\u00e9', 'append', 'ok', 'response field value bytes'),
    ...[...FORBIDDEN_HEADERS].map((n) => fieldCase(n, 'x', 'append', 'forbidden', `forbidden ${n}`)),
    fieldCase('transfer-encoding', 'chunked', 'set', 'forbidden', 'forbidden via set'),
    fieldCase('connection', 'close', 'from-list', 'forbidden', 'forbidden via from-list'),
    fieldCase('bad name', 'x', 'append', 'invalid-syntax', 'invalid name (space)'),
    fieldCase('', 'x', 'append', 'invalid-syntax', 'invalid name (empty)'),
    fieldCase('x-crlf', 'a\r\nx-injected: 1', 'append', 'invalid-syntax', 'invalid value (CR LF)'),
    {
      name: 'immutable fields',
      group: 'headers',
      why: 'incoming-request.headers and outgoing-response.headers are immutable: header-error.immutable',
      request: { method: 'GET', path: '/immutable' },
      check: (r) =>
        okWith(r, () => {
          const req = header(r, 'x-request-headers')[0];
          const res = header(r, 'x-response-headers')[0];
          return req === 'immutable' && res === 'immutable'
            ? null
            : `appending gave ${req} (request) and ${res} (response), expected immutable`;
        }),
    },
    {
      name: 'repeated response fields',
      group: 'headers',
      why: 'fields.append keeps every value; set-cookie lines stay separate',
      request: { method: 'GET', path: '/repeat' },
      check: (r) =>
        okWith(r, () => {
          const multi = listValues(r, 'x-multi');
          if (multi.join() !== 'a,b') return `x-multi ${JSON.stringify(header(r, 'x-multi'))}`;
          const cookies = header(r, 'set-cookie');
          return cookies.join('|') === 'a=1|b=2' ? null : `set-cookie lines ${JSON.stringify(cookies)}`;
        }),
    },

    // ---- status codes ----
    ...[200, 201, 204, 301, 404, 418, 500, 599].map(statusCase),
    invalidStatusCase(99),
    invalidStatusCase(1000),

    // ---- bodies ----
    {
      name: 'empty body',
      group: 'bodies',
      why: 'incoming-body of zero bytes: the stream is closed at once',
      request: { method: 'POST', path: '/echo', body: Buffer.alloc(0) },
      check: (r) => okWith(r, () => (r.status !== 200 ? `status ${r.status}` : sameBytes(r.body, Buffer.alloc(0)))),
    },
    {
      name: 'every byte value',
      group: 'bodies',
      why: 'bodies are bytes: 0x00-0xFF round-trip',
      request: { method: 'POST', path: '/echo', body: allBytes },
      check: (r) => okWith(r, () => (r.status !== 200 ? `status ${r.status}` : sameBytes(r.body, allBytes))),
    },
    {
      name: 'large request body (8 MiB)',
      group: 'bodies',
      why: 'input-stream.blocking-read until closed: every byte of a large body',
      request: { method: 'POST', path: '/echo', body: big },
      check: (r) => okWith(r, () => (r.status !== 200 ? `status ${r.status}` : sameBytes(r.body, big))),
    },
    {
      name: 'streamed request body',
      group: 'bodies',
      why: 'a chunked request body (16 writes of 64 KiB) arrives whole',
      request: { method: 'POST', path: '/echo', chunks: pieces },
      check: (r) => okWith(r, () => (r.status !== 200 ? `status ${r.status}` : sameBytes(r.body, streamed))),
    },
    {
      name: 'full-duplex body',
      group: 'bodies',
      why: 'each request piece is echoed back before the client sends the next: both bodies stream while the handler runs (a host that waits for the whole request, or sends the response at the end, never finishes)',
      request: { method: 'POST', path: '/duplex', duplex: duplexPieces },
      check: (r) =>
        okWith(r, () => (r.status !== 200 ? `status ${r.status}` : sameBytes(r.body, Buffer.concat(duplexPieces)))),
    },
    {
      name: 'large response body (8 MiB)',
      group: 'bodies',
      why: 'output-stream.blocking-write-and-flush, 4096 bytes a call, 8 MiB in all',
      request: { method: 'GET', path: `/big?n=${8 * 2 ** 20}` },
      check: (r) => okWith(r, () => (r.status !== 200 ? `status ${r.status}` : sameBytes(r.body, big))),
    },
    {
      name: 'chunk-by-chunk response body',
      group: 'bodies',
      why: 'check-write / write / flush / subscribe: 100 chunks of 1000 bytes',
      request: { method: 'GET', path: '/chunks?n=100000&size=1000' },
      check: (r) =>
        okWith(r, () => (r.status !== 200 ? `status ${r.status}` : sameBytes(r.body, probePattern(100_000)))),
    },
    {
      name: 'response over the output cap',
      group: 'bodies',
      why: `a guest writing past the host's response cap (${cap} bytes) must not get a complete response out`,
      // Written 64 KiB at a time through check-write/write: the fewest calls that reach the cap (seconds of guest work).
      request: { method: 'GET', path: `/chunks?n=${cap + 1}&size=65536` },
      check: (r) => (r.status === 504 ? 'a deadline ended it, not the cap' : refusedBroken(r)),
      thenServes: true,
      timeoutFactor: 4,
    },

    // ---- trailers ----
    {
      name: 'response trailers',
      group: 'trailers',
      why: 'outgoing-body.finish(body, some(trailers)): the trailers follow the body',
      request: { method: 'GET', path: '/trailers', headers: [['te', 'trailers']] },
      check: (r) =>
        okWith(r, () => {
          if (r.status !== 200 || r.body.toString() !== 'with trailers\n') return `status ${r.status}, body ${r.body}`;
          const t = r.trailers.map(([n, v]) => `${n}: ${v}`).join('; ');
          return t === 'x-checksum: c0ffee; x-count: 2' ? null : `trailers: ${t || '(none)'}`;
        }),
    },
    inspectCase(
      'request trailers',
      'trailers',
      'incoming-body.finish → future-trailers: the trailers the client sent',
      { method: 'POST', path: '/inspect', chunks: [Buffer.from('body')], trailers: [['x-trailer', 'present']] },
      (i) => {
        const t = (i.trailers ?? []).filter(([n]) => n.toLowerCase() === 'x-trailer');
        if (i.bodyLength !== 4) return `body of ${i.bodyLength} bytes`;
        return t.length === 1 && t[0]![1] === 'present' ? null : `trailers ${JSON.stringify(i.trailers)}`;
      },
    ),

    // ---- guest failures ----
    {
      name: 'trap midway',
      group: 'failures',
      why: 'a handler that traps after starting its response: not a good response, and the server goes on',
      request: { method: 'GET', path: '/trap' },
      check: refusedBroken,
      thenServes: true,
    },
    {
      name: 'no response set',
      group: 'failures',
      why: 'handle returned without response-outparam.set: 500',
      request: { method: 'GET', path: '/no-response' },
      check: (r) => (r.status === 500 ? null : r.complete ? `status ${r.status}` : (r.error ?? 'no response')),
      thenServes: true,
    },
    {
      name: 'error-code response',
      group: 'failures',
      why: 'response-outparam.set(err(internal-error)): a 5xx',
      request: { method: 'GET', path: '/error-response' },
      check: (r) => (r.status >= 500 ? null : r.complete ? `status ${r.status}` : (r.error ?? 'no response')),
      thenServes: true,
    },
    {
      name: 'body never finished',
      group: 'failures',
      why: 'outgoing-body dropped without finish: "the implementation should treat the body as incomplete"',
      request: { method: 'GET', path: '/unfinished' },
      check: refusedBroken,
      thenServes: true,
    },

    // ---- sandbox ----
    {
      name: 'outbound denied by default',
      group: 'sandbox',
      why: 'outgoing-handler.handle: HTTP-request-denied when the deployment allows no outbound host (servers run without an allow-list here)',
      // Port 9 (discard) has no listener here: performed, the request would fail with connection-refused instead.
      request: { method: 'GET', path: '/outbound?to=127.0.0.1:9&path=/' },
      check: (r) =>
        okWith(r, () => {
          const body = r.body.toString('utf8');
          return body === '{"result":"error","tag":"HTTP-request-denied"}'
            ? null
            : `the guest got ${body.slice(0, 200)}`;
        }),
    },
  ];
}

// ---------- running ----------

export interface HttpSuiteOptions {
  /** Per request (default 30 s). */
  timeoutMs?: number;
  /** Only cases whose name contains this. */
  filter?: string;
  onCase?: (target: string, o: HttpCaseOutcome) => void;
}

const PLAIN: HttpProbeRequest = { method: 'GET', path: '/status/200' };

export async function runHttpSuite(
  target: HttpTarget,
  cases: HttpCase[],
  opts: HttpSuiteOptions = {},
): Promise<HttpCaseOutcome[]> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const out: HttpCaseOutcome[] = [];
  let healthy = true;
  for (const c of cases) {
    const t0 = performance.now();
    let detail: string | null;
    try {
      if (!healthy || !target.alive()) {
        await target.restart();
        healthy = true;
      }
      const r = await target.send(c.request, timeoutMs * (c.timeoutFactor ?? 1));
      detail = c.check(r);
      // A server that did not answer, or was cut off, may be gone or stuck: check before the next case.
      if (!r.complete) healthy = false;
      if (c.thenServes || !r.complete) {
        const after = await target.send(PLAIN, timeoutMs);
        if (!after.complete || after.status !== 200) {
          healthy = false;
          if (c.thenServes)
            detail = `${detail ? `${detail}; ` : ''}the server stopped serving after it (${after.error ?? `status ${after.status}`})`;
        } else healthy = true;
      }
    } catch (e) {
      healthy = false;
      detail = `server unavailable: ${(e as Error).message}`;
    }
    const o: HttpCaseOutcome = {
      name: c.name,
      group: c.group,
      pass: detail === null,
      detail: detail ?? '',
      ms: Math.round(performance.now() - t0),
    };
    opts.onCase?.(target.name, o);
    out.push(o);
  }
  return out;
}

/** One table: a row per case, a PASS/FAIL column per implementation, then each failure's reason. */
export function httpTable(names: string[], results: HttpCaseOutcome[][]): string {
  const cases = results[0] ?? [];
  const w = Math.max(4, ...cases.map((c) => c.name.length + c.group.length + 3));
  const cols = names.map((n) => Math.max(4, n.length));
  const lines = [
    ['case'.padEnd(w), ...names.map((n, i) => n.padEnd(cols[i]!))].join('  '),
    ['-'.repeat(w), ...cols.map((c) => '-'.repeat(c))].join('  '),
  ];
  cases.forEach((c, k) => {
    lines.push(
      [
        `${c.group}: ${c.name}`.padEnd(w),
        ...results.map((rs, i) => (rs[k]?.pass ? 'PASS' : 'FAIL').padEnd(cols[i]!)),
      ].join('  '),
    );
  });
  lines.push('');
  names.forEach((n, i) => {
    const rs = results[i] ?? [];
    lines.push(`${n}: ${rs.filter((r) => r.pass).length}/${rs.length} pass`);
    for (const r of rs.filter((x) => !x.pass)) lines.push(`  FAIL ${r.name}: ${r.detail}`);
  });
  return lines.join('\n');
}

// ---------- the implementations ----------

export const HTTP_IMPLEMENTATIONS = ['faasbench', 'preview2-shim'] as const;
export type HttpImplementation = (typeof HTTP_IMPLEMENTATIONS)[number];

/** faasbench's own component server: `faasbench serve`'s host, the probe deployed as app "probe". */
export async function faasbenchTarget(componentPath: string, opts: { deadlineMs?: number } = {}): Promise<HttpTarget> {
  const log: string[] = [];
  const start = (): Promise<RunningServe> =>
    runServe({
      apps: [{ name: 'probe', path: componentPath, from: 'conform http' }],
      port: 0,
      threads: 2,
      deadlineMs: opts.deadlineMs ?? 30_000,
      // The suite's bodies (8 MiB) are under it; the output cap case is the guest's, not the request's.
      http: { maxBodyBytes: 16 * 2 ** 20 },
      signals: false,
      say: () => {},
      log: (l) => void log.push(l),
    });
  let running = await start();
  return {
    name: 'faasbench',
    send: (req, timeoutMs) => sendProbe(running.host.port, req, timeoutMs),
    alive: () => true,
    restart: async () => {
      await running.stop('restart');
      running = await start();
    },
    close: () => running.stop('done'),
  };
}

/** preview2-shim's HTTPServer in a child process (http-shim-server.ts). */
export async function shimTarget(componentPath: string, opts: { startMs?: number } = {}): Promise<HttpTarget> {
  let child: ChildProcess | null = null;
  let port = 0;
  const startMs = opts.startMs ?? 120_000;
  const start = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const self = import.meta.url;
      const ts = self.endsWith('.ts');
      const entry = new URL(`./http-shim-server.${ts ? 'ts' : 'js'}`, self);
      // Under tsx/vitest the child loads TypeScript through tsx's loader, resolved from here.
      const loader = ts ? ['--import', pathToFileURL(createRequire(self).resolve('tsx')).href] : [];
      const c = fork(entry, [componentPath], {
        execArgv: [...loader, '--no-turbo-fast-api-calls', '--no-warnings'],
        stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      });
      child = c;
      let stderr = '';
      c.stderr!.on('data', (b: Buffer) => {
        stderr = (stderr + b.toString('utf8')).slice(-4096);
      });
      const fail = (why: string) => {
        clearTimeout(timer);
        c.kill('SIGKILL');
        reject(new Error(`${why}${stderr.trim() ? `: ${stderr.trim().split('\n').slice(-3).join(' | ')}` : ''}`));
      };
      const timer = setTimeout(() => fail(`preview2-shim's server did not start within ${startMs} ms`), startMs);
      c.once('exit', (code, sig) => fail(`preview2-shim's server exited at start (${sig ?? `code ${code}`})`));
      c.once('message', (m: ShimServerReply) => {
        clearTimeout(timer);
        c.removeAllListeners('exit');
        if ('error' in m) return fail(`preview2-shim's server could not start: ${m.error}`);
        port = m.port;
        resolve();
      });
    });
  const stop = async (): Promise<void> => {
    const c = child;
    child = null;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    c.kill('SIGKILL');
    await gone;
  };
  await start();
  return {
    name: 'preview2-shim',
    send: (req, timeoutMs) => sendProbe(port, req, timeoutMs),
    alive: () => child !== null && child.exitCode === null && child.signalCode === null,
    restart: async () => {
      await stop();
      await start();
    },
    close: stop,
  };
}

export function startTarget(name: HttpImplementation, componentPath: string, timeoutMs: number): Promise<HttpTarget> {
  // The guest deadline is past the longest case's timeout: a case must end on what it tests, not on the deadline.
  return name === 'faasbench'
    ? faasbenchTarget(componentPath, { deadlineMs: timeoutMs * 4 + 1000 })
    : shimTarget(componentPath);
}
