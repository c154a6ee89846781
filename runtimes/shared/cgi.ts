// CGI/1.1 (RFC 3875), as WAGI uses it: request metadata in environment variables,
// body on stdin, and on stdout a header block, a blank line, then the body. Shared by
// the reference Wasm runtime (WAGI) and the native variant run as a CGI process.
// Pure.

import type { FunctionRequest, FunctionResponse } from '../types.js';

export interface CgiServerInfo {
  serverName: string;
  serverPort: number;
  remoteAddr: string;
  /** The route the function is mounted at; '' for the root. */
  scriptName: string;
}

export const DEFAULT_SERVER_INFO: CgiServerInfo = {
  serverName: '127.0.0.1',
  serverPort: 0,
  remoteAddr: '127.0.0.1',
  scriptName: '',
};

/** The guest's whole environment for one request, "NAME=value" each, in a stable order. */
export function cgiEnvironment(req: FunctionRequest, info: CgiServerInfo = DEFAULT_SERVER_INFO): string[] {
  const env: string[] = [
    'GATEWAY_INTERFACE=CGI/1.1',
    'SERVER_PROTOCOL=HTTP/1.1',
    'SERVER_SOFTWARE=faasbench',
    `SERVER_NAME=${info.serverName}`,
    `SERVER_PORT=${info.serverPort}`,
    `REMOTE_ADDR=${info.remoteAddr}`,
    `REMOTE_HOST=${info.remoteAddr}`,
    `REQUEST_METHOD=${req.method}`,
    `SCRIPT_NAME=${info.scriptName}`,
    `PATH_INFO=${req.path}`,
    `QUERY_STRING=${req.query}`,
    `CONTENT_LENGTH=${req.body.length}`,
  ];
  const contentType = req.headers['content-type'];
  if (contentType !== undefined) env.push(`CONTENT_TYPE=${contentType}`);
  for (const [name, value] of Object.entries(req.headers)) {
    const lower = name.toLowerCase();
    // RFC 3875 4.1.18: Content-Type/Length have their own variables; Authorization is withheld.
    if (lower === 'content-type' || lower === 'content-length' || lower === 'authorization') continue;
    env.push(`HTTP_${lower.toUpperCase().replace(/-/g, '_')}=${value}`);
  }
  return env;
}

/**
 * A parsed CGI response. `fields` are the header lines a server writes, in the guest's
 * order, one per line (so several Set-Cookie lines stay several: RFC 6265 3 forbids
 * folding them); `response.headers` is the one-value-per-name view (repeats joined with
 * ", ") that checks and diffs compare.
 */
export type CgiParse =
  | { ok: true; response: FunctionResponse; fields: Array<[name: string, value: string]> }
  | { ok: false; reason: string };

const REASON_MAX = 80;

/** RFC 9110 5.1 field-name: a token. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9a-z-]+$/;
/**
 * RFC 9110 5.5 field-value: field-vchar (VCHAR, obs-text 0x80-0xff), SP and HTAB.
 * Anything else (CR, LF, NUL, DEL, other controls) could split or smuggle a header
 * and is what Node's writeHead throws ERR_INVALID_CHAR on, so the whole response is
 * refused rather than "cleaned": a guest sending them is broken or hostile.
 */
const BAD_VALUE_BYTE = /[^\t\x20-\x7e\x80-\xff]/;
/** Optional whitespace around a value (RFC 9110 5.6.3): only SP and HTAB, never CR or NBSP. */
const OWS = /^[ \t]+|[ \t]+$/g;

/**
 * Header fields a guest may not set, dropped from its output: the server that sends
 * the response frames the body itself (Content-Length from the bytes it sends; CGI
 * output never frames, RFC 3875 6.3.4 lets the server remove such fields), and
 * hop-by-hop fields describe a connection the guest does not own (RFC 9110 7.6.1,
 * with the names a Connection field lists). A guest's Content-Length: 2 before a
 * longer body would otherwise split the response on a kept-alive connection, and
 * Transfer-Encoding or Upgrade would desynchronise or hijack it. The list is
 * wasmtime serve's (wasmtime-wasi-http DEFAULT_FORBIDDEN_HEADERS: connection,
 * keep-alive, proxy-authenticate, proxy-authorization, proxy-connection,
 * transfer-encoding, upgrade, host, http2-settings) plus te, trailer and
 * content-length, which hyper frames itself there too.
 */
export const DROPPED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'proxy-connection',
  'te',
  'trailer',
  'proxy-authenticate',
  'proxy-authorization',
  'host',
  'http2-settings',
]);

function findHeaderEnd(out: Uint8Array): { end: number; bodyStart: number } | null {
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== 0x0a) continue;
    if (out[i + 1] === 0x0a) return { end: i, bodyStart: i + 2 };
    if (out[i + 1] === 0x0d && out[i + 2] === 0x0a) return { end: i, bodyStart: i + 3 };
  }
  return null;
}

const hex = (c: string) => `0x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;

/**
 * Parses a CGI response. A malformed header block is a reason, never an exception.
 * Everything that comes out ok is safe to write as HTTP: names are tokens, values
 * hold only bytes RFC 9110 allows, the status is a final one (200..599: a guest
 * cannot answer 1xx, which would leave the client waiting for a final response or
 * switch protocols under it), and no framing or hop-by-hop field is left.
 */
export function parseCgiOutput(stdout: Uint8Array): CgiParse {
  const split = findHeaderEnd(stdout);
  if (!split) {
    const start = JSON.stringify(Buffer.from(stdout.subarray(0, REASON_MAX)).toString('latin1'));
    return { ok: false, reason: `CGI output has no blank line after its headers (starts ${start})` };
  }
  const headerText = Buffer.from(stdout.subarray(0, split.end)).toString('latin1');
  const all: Array<[string, string]> = [];
  let status: number | null = null;
  for (const raw of headerText.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(':');
    if (colon <= 0)
      return { ok: false, reason: `malformed CGI header line ${JSON.stringify(line.slice(0, REASON_MAX))}` };
    const name = line.slice(0, colon).replace(OWS, '').toLowerCase();
    if (!TOKEN.test(name))
      return { ok: false, reason: `invalid CGI header name ${JSON.stringify(name.slice(0, REASON_MAX))}` };
    const value = line.slice(colon + 1).replace(OWS, '');
    const bad = BAD_VALUE_BYTE.exec(value);
    if (bad) return { ok: false, reason: `invalid byte ${hex(bad[0])} in CGI header ${name}` };
    if (name === 'status') {
      if (status !== null) return { ok: false, reason: 'more than one Status in CGI output' };
      const m = /^(\d{3})(?:[ \t].*)?$/.exec(value);
      if (!m || Number(m[1]) < 200 || Number(m[1]) > 599)
        return {
          ok: false,
          reason: `invalid CGI Status ${JSON.stringify(value.slice(0, REASON_MAX))} (a guest answers 200..599)`,
        };
      status = Number(m[1]);
      continue;
    }
    all.push([name, value]);
  }
  // Names a Connection field lists are hop-by-hop too (RFC 9110 7.6.1).
  const dropped = new Set(DROPPED_RESPONSE_HEADERS);
  for (const [name, value] of all)
    if (name === 'connection') for (const n of value.split(',')) dropped.add(n.trim().toLowerCase());
  const fields = all.filter(([name]) => !dropped.has(name));
  // Through a Map: a guest's "__proto__" or "toString" header is just a header.
  const joined = new Map<string, string>();
  for (const [name, value] of fields) joined.set(name, joined.has(name) ? `${joined.get(name)}, ${value}` : value);
  const headers: Record<string, string> = Object.fromEntries(joined);
  if (status === null) {
    if (headers['location'] !== undefined) status = 302;
    else if (headers['content-type'] !== undefined) status = 200;
    else return { ok: false, reason: 'CGI response has neither Content-Type, Location nor Status' };
  }
  return { ok: true, response: { status, headers, body: stdout.subarray(split.bodyStart) }, fields };
}
