// The guest of `faasbench conform http`: a wasi:http/incoming-handler written against
// the raw WASI 0.2 bindings (componentize-js's manual wasi:http mode: the module
// exports `incomingHandler` and imports wasi:http/types itself), not the fetch event.
// Raw bindings because the suite tests the host's side of the WIT contract: a fetch
// handler's Headers and Response check forbidden names and status codes in JS before
// the host ever sees them, and its event loop hides when the outparam is set. Built
// into a component by harness/conform/http-probe.ts; it behaves by the request path:
//
//   /inspect…        200, JSON of what the host handed over: method, path-with-query,
//                    scheme, authority, header fields (values as latin1), body length
//                    and checksum, request trailers; x-method repeats the method
//   /echo            200, the request body back
//   /duplex          sets its response, then echoes the request body piece by piece as
//                    it arrives (blocking-read, blocking-write-and-flush): a client that
//                    waits for each echo before sending more finishes only when the host
//                    streams both bodies
//   /status/N        set-status-code(N); x-set-status: ok | refused (then 200 stays)
//   /header?name=&value=&via=append|set|from-list
//                    tries to put the field in a fresh fields; x-header-result: ok or
//                    the header-error's tag; when ok the field is in the response
//   /repeat          x-multi: a, x-multi: b (repeated fields)
//   /immutable       x-request-headers / x-response-headers: the tag appending to the
//                    request's and to a response's (immutable) headers gives
//   /big?n=N         N pattern bytes (byte i = i mod 251), blocking-write-and-flush in 4 KiB pieces
//   /chunks?n=N&size=S  N pattern bytes in chunks of S through check-write / write /
//                    flush / subscribe (the non-blocking stream API)
//   /trailers        a body, then trailers x-checksum and x-count
//   /trap            sets a 200 response, writes part of its body, then throws (traps)
//   /no-response     returns without setting the response
//   /error-response  sets the outparam to an error-code (internal-error)
//   /unfinished      sets a response and writes a body, never finishes it
//   /outbound?to=HOST:PORT&path=P[&body=B]
//                    an outgoing request (wasi:http/outgoing-handler) to http://HOST:PORT/P
//                    (a POST of B when given); 200 with JSON: { result: 'ok', status,
//                    body, answer (its x-answer field) } or { result: 'error', tag }
import {
  Fields,
  IncomingBody,
  OutgoingBody,
  OutgoingRequest,
  OutgoingResponse,
  ResponseOutparam,
} from 'wasi:http/types@0.2.10';
import { handle as outgoingHandle } from 'wasi:http/outgoing-handler@0.2.10';

const enc = new TextEncoder();
const bytes = (s) => enc.encode(s);
const latin1 = (b) => {
  let s = '';
  for (const x of b) s += String.fromCharCode(x);
  return s;
};

/** The tag of a WIT error a binding threw (componentize-js: ComponentError with the variant as .payload). */
function errorTag(e) {
  const p = e && typeof e === 'object' && 'payload' in e ? e.payload : e;
  if (p && typeof p === 'object' && 'tag' in p) return String(p.tag);
  return `threw ${String(p)}`;
}

function dispose(resource) {
  const d = Symbol.dispose;
  if (d && typeof resource[d] === 'function') resource[d]();
}

/** %XX decoding to bytes (not decodeURIComponent: values may be bytes that are not UTF-8). */
function percentBytes(s) {
  const out = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25 && i + 2 < s.length && /^[0-9a-fA-F]{2}$/.test(s.slice(i + 1, i + 3))) {
      out.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c === 0x2b) out.push(0x20);
    else for (const b of bytes(s[i])) out.push(b);
  }
  return new Uint8Array(out);
}

function parseQuery(pathWithQuery) {
  const q = pathWithQuery.indexOf('?');
  const params = new Map();
  if (q < 0) return params;
  for (const part of pathWithQuery.slice(q + 1).split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    params.set(eq < 0 ? part : part.slice(0, eq), percentBytes(eq < 0 ? '' : part.slice(eq + 1)));
  }
  return params;
}

const queryInt = (params, name, dflt) => {
  const v = params.get(name);
  const n = v ? Number(latin1(v)) : dflt;
  return Number.isSafeInteger(n) && n >= 0 ? n : dflt;
};

/** The whole body and trailers of an incoming request or response. */
function readBody(request) {
  const body = request.consume();
  const stream = body.stream();
  const chunks = [];
  let length = 0;
  for (;;) {
    let c;
    try {
      c = stream.blockingRead(65536n);
    } catch (e) {
      if (errorTag(e) === 'closed') break;
      throw e;
    }
    if (c.length) {
      chunks.push(c.slice());
      length += c.length;
    }
  }
  dispose(stream);
  const future = IncomingBody.finish(body);
  future.subscribe().block();
  const got = future.get();
  let trailers = null;
  if (got && got.tag === 'ok' && got.val.tag === 'ok' && got.val.val)
    trailers = got.val.val.entries().map(([n, v]) => [n, latin1(v)]);
  const all = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    all.set(c, at);
    at += c.length;
  }
  return { body: all, trailers };
}

function fnv1a(b) {
  let h = 0x811c9dc5;
  for (const x of b) h = Math.imul(h ^ x, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

// The pattern repeats every 251 bytes: one table, sliced (the engine interprets JS, a loop per byte is slow).
let table = null;
function pattern(from, n) {
  if (!table) {
    table = new Uint8Array(65536 + 251);
    for (let i = 0; i < table.length; i++) table[i] = i % 251;
  }
  if (n > 65536) throw new Error('pattern: at most 64 KiB at a time');
  const at = from % 251;
  return table.subarray(at, at + n);
}

function writeBlocking(out, b) {
  for (let i = 0; i < b.length; i += 4096) out.blockingWriteAndFlush(b.subarray(i, Math.min(b.length, i + 4096)));
}

/** check-write → write → flush → wait, as a non-blocking writer does. */
function writePolled(out, b) {
  let i = 0;
  while (i < b.length) {
    let room = Number(out.checkWrite());
    if (room === 0) {
      out.subscribe().block();
      continue;
    }
    room = Math.min(room, b.length - i);
    out.write(b.subarray(i, i + room));
    i += room;
  }
  out.flush();
  out.subscribe().block();
}

/** Sets the response (before writing: a streaming host may send the head at once), writes, finishes. */
function respond(outparam, { status, headers = [], write = () => {}, trailers, finish = true }) {
  const fields = new Fields();
  for (const [n, v] of headers) fields.append(n, typeof v === 'string' ? bytes(v) : v);
  const response = new OutgoingResponse(fields);
  if (status !== undefined) response.setStatusCode(status);
  const body = response.body();
  ResponseOutparam.set(outparam, { tag: 'ok', val: response });
  const out = body.write();
  write(out);
  dispose(out);
  if (!finish) return;
  let t;
  if (trailers) {
    t = new Fields();
    for (const [n, v] of trailers) t.append(n, bytes(v));
  }
  OutgoingBody.finish(body, t);
}

function methodName(m) {
  return m.tag === 'other' ? `other:${m.val}` : m.tag;
}

function handle(request, outparam) {
  const path = request.pathWithQuery() ?? '';
  const route = path.split('?')[0];
  const params = parseQuery(path);
  const text = (s) => (out) => writeBlocking(out, bytes(s));

  if (route.startsWith('/inspect')) {
    const method = methodName(request.method());
    const scheme = request.scheme();
    const headers = request
      .headers()
      .entries()
      .map(([n, v]) => [n, latin1(v)]);
    const authority = request.authority() ?? null;
    const { body, trailers } = readBody(request);
    const json = JSON.stringify({
      method,
      pathWithQuery: path,
      scheme: scheme ? (scheme.tag === 'other' ? scheme.val : scheme.tag) : null,
      authority,
      headers,
      bodyLength: body.length,
      bodyFnv1a: fnv1a(body),
      trailers,
    });
    return respond(outparam, {
      headers: [
        ['content-type', 'application/json'],
        ['x-method', method],
      ],
      write: text(json),
    });
  }
  if (route === '/duplex') {
    const body = request.consume();
    const input = body.stream();
    return respond(outparam, {
      headers: [['content-type', 'application/octet-stream']],
      write: (out) => {
        for (;;) {
          let c;
          try {
            c = input.blockingRead(65536n);
          } catch (e) {
            if (errorTag(e) === 'closed') break;
            throw e;
          }
          if (c.length) writeBlocking(out, c);
        }
        dispose(input);
      },
    });
  }
  if (route === '/echo') {
    const { body } = readBody(request);
    return respond(outparam, {
      headers: [['content-type', 'application/octet-stream']],
      write: (out) => writeBlocking(out, body),
    });
  }
  if (route.startsWith('/status/')) {
    const code = Number(route.slice('/status/'.length));
    const response = new OutgoingResponse(new Fields());
    let result = 'ok';
    try {
      response.setStatusCode(code);
    } catch (e) {
      result = `refused (${errorTag(e)})`;
    }
    dispose(response);
    return respond(outparam, {
      ...(result === 'ok' ? { status: code } : {}),
      headers: [['x-set-status', result.startsWith('refused') ? 'refused' : 'ok']],
      write: code === 204 || code === 304 ? () => {} : text(`status ${code}\n`),
    });
  }
  if (route === '/header') {
    const name = latin1(params.get('name') ?? new Uint8Array());
    const value = params.get('value') ?? new Uint8Array();
    const via = latin1(params.get('via') ?? bytes('append'));
    let result = 'ok';
    try {
      if (via === 'from-list') dispose(Fields.fromList([[name, value]]));
      else {
        const f = new Fields();
        if (via === 'set') f.set(name, [value]);
        else f.append(name, value);
        dispose(f);
      }
    } catch (e) {
      result = errorTag(e);
    }
    return respond(outparam, {
      headers: [['x-header-result', result], ...(result === 'ok' ? [[name, value]] : [])],
      write: text(`${result}\n`),
    });
  }
  if (route === '/repeat') {
    return respond(outparam, {
      headers: [
        ['x-multi', 'a'],
        ['x-multi', 'b'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
      ],
      write: text('repeated\n'),
    });
  }
  if (route === '/immutable') {
    const tagOf = (f) => {
      try {
        f.append('x-added', bytes('1'));
        return 'ok';
      } catch (e) {
        return errorTag(e);
      }
    };
    const requestHeaders = tagOf(request.headers());
    const response = new OutgoingResponse(new Fields());
    const responseHeaders = tagOf(response.headers());
    dispose(response);
    return respond(outparam, {
      headers: [
        ['x-request-headers', requestHeaders],
        ['x-response-headers', responseHeaders],
      ],
      write: text('immutable\n'),
    });
  }
  if (route === '/big') {
    const n = queryInt(params, 'n', 0);
    return respond(outparam, {
      headers: [['content-type', 'application/octet-stream']],
      write: (out) => {
        for (let at = 0; at < n; at += 65536) writeBlocking(out, pattern(at, Math.min(65536, n - at)));
      },
    });
  }
  if (route === '/chunks') {
    const n = queryInt(params, 'n', 0);
    const size = Math.min(65536, Math.max(1, queryInt(params, 'size', 1000)));
    return respond(outparam, {
      headers: [['content-type', 'application/octet-stream']],
      write: (out) => {
        for (let at = 0; at < n; at += size) writePolled(out, pattern(at, Math.min(size, n - at)));
      },
    });
  }
  if (route === '/trailers') {
    return respond(outparam, {
      headers: [['content-type', 'text/plain']],
      write: text('with trailers\n'),
      trailers: [
        ['x-checksum', 'c0ffee'],
        ['x-count', '2'],
      ],
    });
  }
  if (route === '/trap') {
    return respond(outparam, {
      headers: [['content-type', 'text/plain']],
      write: (out) => {
        writeBlocking(out, bytes('partial body, then '));
        throw new Error('probe: trapping midway on purpose');
      },
    });
  }
  if (route === '/outbound') {
    const to = latin1(params.get('to') ?? new Uint8Array());
    const target = latin1(params.get('path') ?? bytes('/'));
    const send = params.get('body');
    let result;
    try {
      const headers = new Fields();
      headers.append('x-from-guest', bytes('probe'));
      const req = new OutgoingRequest(headers);
      req.setScheme({ tag: 'HTTP' });
      req.setAuthority(to);
      req.setPathWithQuery(target);
      if (send) req.setMethod({ tag: 'post' });
      const body = req.body();
      if (send) {
        const out = body.write();
        writeBlocking(out, send);
        dispose(out);
      }
      const future = outgoingHandle(req, undefined);
      OutgoingBody.finish(body, undefined);
      future.subscribe().block();
      const got = future.get();
      if (!got || got.tag !== 'ok') result = { result: 'error', tag: 'future-not-ready' };
      else if (got.val.tag === 'err') result = { result: 'error', tag: errorTag(got.val.val) };
      else {
        const response = got.val.val;
        const status = response.status();
        const answer = response.headers().get('x-answer').map(latin1);
        const { body: got2 } = readBody(response);
        result = { result: 'ok', status, answer, body: latin1(got2) };
      }
    } catch (e) {
      result = { result: 'error', tag: errorTag(e) };
    }
    return respond(outparam, { headers: [['content-type', 'application/json']], write: text(JSON.stringify(result)) });
  }
  if (route === '/no-response') return;
  if (route === '/error-response') {
    ResponseOutparam.set(outparam, { tag: 'err', val: { tag: 'internal-error', val: 'probe: error-response' } });
    return;
  }
  if (route === '/unfinished') {
    return respond(outparam, {
      headers: [['content-type', 'text/plain']],
      write: text('never finished\n'),
      finish: false,
    });
  }
  return respond(outparam, {
    status: 404,
    headers: [['content-type', 'text/plain']],
    write: text(`no route ${route}\n`),
  });
}

export const incomingHandler = { handle };
