// HTTP ↔ Lambda payloads, the harness side: a harness request becomes an API Gateway
// HTTP API / function URL payload-v2 event, and what the function returned becomes
// the HTTP response the way API Gateway and function URLs do it. Pure.
// (The function side of the same mapping lives in http-adapter.mjs.)
// Both directions face hostile input: names a caller picks (`constructor`,
// `__proto__`) land in null-prototype records, so they are kept as sent and never
// mix with Object.prototype; a function's result that HTTP cannot carry (a header
// with CR/LF/NUL or a bad name, a 1xx status) is refused with a reason (the function
// URL answers 502), and the framing and hop-by-hop headers a function sets are
// dropped: the server frames the response itself, as Lambda's front end does.

import { randomUUID } from 'node:crypto';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import type { FunctionRequest, FunctionResponse } from '../types.js';

export interface HttpEventV2 {
  version: '2.0';
  routeKey: '$default';
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: string;
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: '$default';
    stage: '$default';
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** Content types API Gateway / function URLs pass as text (everything else is base64). */
export function isTextualContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const t = contentType.split(';')[0]!.trim().toLowerCase();
  return t.startsWith('text/') || /^application\/([a-z0-9.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded)$/.test(t);
}

function isUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function clfTime(ms: number): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${MONTHS[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

export interface EventOptions {
  host?: string;
  nowMs?: number;
  requestId?: string;
}

/** An empty record whose keys can be anything a caller sends (no inherited members). */
function record(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

/** A harness request as a payload-v2 event (function URL flavour). */
export function httpEventV2(req: FunctionRequest, opts: EventOptions = {}): HttpEventV2 {
  const headers = record();
  let cookies: string[] | undefined;
  for (const [k, v] of Object.entries(req.headers)) {
    const name = k.toLowerCase();
    if (name === 'cookie')
      cookies = v
        .split(';')
        .map((c) => c.trim())
        .filter((c) => c.length > 0);
    else headers[name] = name in headers ? `${headers[name]},${v}` : v;
  }
  const host = opts.host ?? headers['host'] ?? 'localhost';
  let queryStringParameters: Record<string, string> | undefined;
  if (req.query) {
    queryStringParameters = record();
    for (const [k, v] of new URLSearchParams(req.query))
      queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
  }
  const now = opts.nowMs ?? Date.now();
  const event: HttpEventV2 = {
    version: '2.0',
    routeKey: '$default',
    rawPath: req.path,
    rawQueryString: req.query,
    ...(cookies ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    requestContext: {
      accountId: 'anonymous',
      apiId: 'faasbench',
      domainName: host,
      domainPrefix: host.split('.')[0] ?? host,
      http: {
        method: req.method,
        path: req.path,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: opts.requestId ?? randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now,
    },
    isBase64Encoded: false,
  };
  if (req.body.length > 0) {
    const text = isTextualContentType(headers['content-type']) && isUtf8(req.body);
    event.body = text ? Buffer.from(req.body).toString('utf8') : Buffer.from(req.body).toString('base64');
    event.isBase64Encoded = !text;
  }
  return event;
}

export type ResponseParse = { ok: true; response: FunctionResponse } | { ok: false; reason: string };

/** Set by the server that frames the response, never by the function (RFC 9110 §7.6.1 hop-by-hop, and framing). */
const SERVER_OWNED_HEADERS = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'proxy-connection',
  'upgrade',
  'te',
  'trailer',
]);

/** Why a header cannot be sent as is (Node's own rules: token name, no CR/LF/NUL, latin1 value), or null. */
function headerProblem(name: string, value: string): string | null {
  try {
    validateHeaderName(name);
    validateHeaderValue(name, value);
  } catch {
    return `invalid header ${JSON.stringify(name.slice(0, 60))}: ${JSON.stringify(value.slice(0, 60))}`;
  }
  // validateHeaderValue lets characters above U+00FF through (Node would mangle them as latin1)
  return /[^\t\x20-\x7e\x80-\xff]/.test(value)
    ? `invalid header ${JSON.stringify(name.slice(0, 60))}: ${JSON.stringify(value.slice(0, 60))}`
    : null;
}

/**
 * The function's result payload (JSON) as an HTTP response, per payload format 2.0:
 * an object with a numeric statusCode is a response object; anything else is the
 * body of a 200 application/json response.
 */
export function httpResponseFromPayload(payload: Uint8Array): ResponseParse {
  let value: unknown;
  const text = Buffer.from(payload).toString('utf8');
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, reason: `function result is not JSON (starts ${JSON.stringify(text.slice(0, 60))})` };
  }
  if (
    value !== null &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    typeof (value as { statusCode?: unknown }).statusCode === 'number'
  ) {
    const r = value as {
      statusCode: number;
      headers?: Record<string, unknown>;
      body?: unknown;
      isBase64Encoded?: unknown;
      cookies?: unknown;
    };
    // 1xx are not final responses: sent as one, a client waits forever for the real one.
    if (!Number.isInteger(r.statusCode) || r.statusCode < 200 || r.statusCode > 599)
      return { ok: false, reason: `invalid statusCode ${r.statusCode}` };
    const headers = record();
    const given = r.headers !== null && typeof r.headers === 'object' ? r.headers : {};
    for (const [k, v] of Object.entries(given)) {
      const name = k.toLowerCase();
      const value = String(v);
      const problem = headerProblem(name, value);
      if (problem) return { ok: false, reason: `function result has an ${problem}` };
      if (!SERVER_OWNED_HEADERS.has(name)) headers[name] = value;
    }
    if (Array.isArray(r.cookies) && r.cookies.length > 0) {
      const cookies = r.cookies.map(String);
      for (const c of cookies) {
        const problem = headerProblem('set-cookie', c);
        if (problem) return { ok: false, reason: `function result has an ${problem}` };
      }
      headers['set-cookie'] = cookies.join(', ');
    }
    const bodyText =
      r.body === undefined || r.body === null ? '' : typeof r.body === 'string' ? r.body : JSON.stringify(r.body);
    const body = r.isBase64Encoded === true ? Buffer.from(bodyText, 'base64') : Buffer.from(bodyText, 'utf8');
    return { ok: true, response: { status: r.statusCode, headers, body: new Uint8Array(body) } };
  }
  return {
    ok: true,
    response: {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: new Uint8Array(Buffer.from(text, 'utf8')),
    },
  };
}
