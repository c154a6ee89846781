// HTTP ↔ Lambda payloads, the function side: an API Gateway / function URL payload-v2
// event (v1 accepted too) becomes the request of the node-handler contract
// (runtimes/shared/node-handler.ts), and a {status, headers, body} response becomes
// the payload-v2 response object, base64 for binary bodies.

const TEXTUAL = /^application\/([a-z0-9.+-]*\+)?(json|xml|javascript|x-www-form-urlencoded)$/;
export function isTextualContentType(contentType) {
  if (!contentType) return false;
  const t = String(contentType).split(';')[0].trim().toLowerCase();
  return t.startsWith('text/') || TEXTUAL.test(t);
}

export function requestFromEvent(event) {
  const v2 = event.version === '2.0' || event.requestContext?.http !== undefined;
  const headers = {};
  for (const [k, v] of Object.entries(event.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (Array.isArray(event.cookies) && event.cookies.length > 0) headers.cookie = event.cookies.join('; ');
  let query = '';
  if (v2) query = event.rawQueryString ?? '';
  else if (event.queryStringParameters) query = new URLSearchParams(event.queryStringParameters).toString();
  const body =
    event.body === undefined || event.body === null
      ? Buffer.alloc(0)
      : Buffer.from(event.body, event.isBase64Encoded ? 'base64' : 'utf8');
  return {
    method: v2 ? event.requestContext.http.method : (event.httpMethod ?? 'GET'),
    path: (v2 ? event.rawPath : event.path) ?? '/',
    query,
    headers,
    body,
  };
}

function isUtf8(bytes) {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** A node-handler / CGI response as the payload-v2 response object. */
export function eventResponse(res) {
  const headers = {};
  for (const [k, v] of Object.entries(res.headers ?? {})) headers[k.toLowerCase()] = String(v);
  const out = { statusCode: res.status ?? 200, headers, body: '', isBase64Encoded: false };
  if (typeof res.body === 'string') out.body = res.body;
  else if (res.body !== undefined && res.body !== null) {
    const bytes = Buffer.from(res.body.buffer ?? res.body, res.body.byteOffset ?? 0, res.body.byteLength ?? undefined);
    if (isTextualContentType(headers['content-type']) && isUtf8(bytes)) out.body = bytes.toString('utf8');
    else {
      out.body = bytes.toString('base64');
      out.isBase64Encoded = true;
    }
  }
  return out;
}
