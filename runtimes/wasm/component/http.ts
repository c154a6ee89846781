// Conversions between the harness's function request/response (one value per header
// name) and a component's HTTP exchange (ordered, repeated header fields).

import type { FunctionRequest, FunctionResponse } from '../../types.js';
import type { HttpExchangeRequest, HttpExchangeResponse } from './host.js';

export function componentRequestOf(req: FunctionRequest, authority = 'localhost'): HttpExchangeRequest {
  return {
    method: req.method,
    pathWithQuery: req.query ? `${req.path}?${req.query}` : req.path,
    authority,
    headers: Object.entries(req.headers),
    body: req.body,
  };
}

/**
 * Repeated header fields are joined with ", " (RFC 9110 §5.3). content-length is
 * dropped when it states the body's length: framing, which the serving layer writes
 * (componentize-js adds it; the CGI and node variants leave it to their servers). A
 * wrong one is kept, so a comparison shows it.
 */
export function functionResponseOf(res: HttpExchangeResponse): FunctionResponse {
  const headers: Record<string, string> = {};
  for (const [n, v] of res.headers) {
    const name = n.toLowerCase();
    headers[name] = name in headers ? `${headers[name]}, ${v}` : v;
  }
  if (headers['content-length'] === String(res.body.length)) delete headers['content-length'];
  return { status: res.status, headers, body: res.body };
}
