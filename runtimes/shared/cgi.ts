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

export const DEFAULT_SERVER_INFO: CgiServerInfo = { serverName: '127.0.0.1', serverPort: 0, remoteAddr: '127.0.0.1', scriptName: '' };

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

export type CgiParse = { ok: true; response: FunctionResponse } | { ok: false; reason: string };

const REASON_MAX = 80;

function findHeaderEnd(out: Uint8Array): { end: number; bodyStart: number } | null {
  for (let i = 0; i < out.length; i++) {
    if (out[i] !== 0x0a) continue;
    if (out[i + 1] === 0x0a) return { end: i, bodyStart: i + 2 };
    if (out[i + 1] === 0x0d && out[i + 2] === 0x0a) return { end: i, bodyStart: i + 3 };
  }
  return null;
}

/** Parses a CGI response. A malformed header block is a reason, never an exception. */
export function parseCgiOutput(stdout: Uint8Array): CgiParse {
  const split = findHeaderEnd(stdout);
  if (!split) {
    const start = JSON.stringify(Buffer.from(stdout.subarray(0, REASON_MAX)).toString('latin1'));
    return { ok: false, reason: `CGI output has no blank line after its headers (starts ${start})` };
  }
  const headerText = Buffer.from(stdout.subarray(0, split.end)).toString('latin1');
  const headers: Record<string, string> = {};
  let status: number | null = null;
  for (const raw of headerText.split('\n')) {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    const colon = line.indexOf(':');
    if (colon <= 0) return { ok: false, reason: `malformed CGI header line ${JSON.stringify(line.slice(0, REASON_MAX))}` };
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(name)) return { ok: false, reason: `invalid CGI header name ${JSON.stringify(name)}` };
    if (name === 'status') {
      const m = /^(\d{3})(\s.*)?$/.exec(value);
      if (!m || Number(m[1]) < 100 || Number(m[1]) > 599) return { ok: false, reason: `invalid CGI Status ${JSON.stringify(value)}` };
      status = Number(m[1]);
      continue;
    }
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  if (status === null) {
    if (headers['location'] !== undefined) status = 302;
    else if (headers['content-type'] !== undefined) status = 200;
    else return { ok: false, reason: 'CGI response has neither Content-Type, Location nor Status' };
  }
  return { ok: true, response: { status, headers, body: stdout.subarray(split.bodyStart) } };
}
