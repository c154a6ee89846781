// HTTP ↔ payload-v2 mapping on both sides: the harness side (events.ts) and the
// function side (http-event.mjs), round-tripped.
import { describe, expect, it } from 'vitest';
import { httpEventV2, httpResponseFromPayload, isTextualContentType } from './events.js';
// @ts-expect-error plain .mjs without types (the function side runs untyped in the environment)
import { eventResponse, requestFromEvent } from './http-event.mjs';

const enc = (s: string) => new Uint8Array(Buffer.from(s));

describe('harness request → payload-v2 event', () => {
  it('maps method, path, query, headers and cookies', () => {
    const e = httpEventV2(
      {
        method: 'POST',
        path: '/a/b',
        query: 'x=1&x=2&y=z',
        headers: { 'Content-Type': 'application/json', cookie: 'a=1; b=2', 'user-agent': 'ua' },
        body: enc('{"k":1}'),
      },
      { nowMs: Date.UTC(2026, 0, 2, 3, 4, 5), requestId: 'rid' },
    );
    expect(e).toMatchObject({
      version: '2.0',
      routeKey: '$default',
      rawPath: '/a/b',
      rawQueryString: 'x=1&x=2&y=z',
      cookies: ['a=1', 'b=2'],
      headers: { 'content-type': 'application/json', 'user-agent': 'ua' },
      queryStringParameters: { x: '1,2', y: 'z' },
      body: '{"k":1}',
      isBase64Encoded: false,
    });
    expect(e.headers['cookie']).toBeUndefined();
    expect(e.requestContext).toMatchObject({
      requestId: 'rid',
      time: '02/Jan/2026:03:04:05 +0000',
      timeEpoch: Date.UTC(2026, 0, 2, 3, 4, 5),
      http: { method: 'POST', path: '/a/b', userAgent: 'ua' },
    });
  });

  it('base64-encodes binary and non-textual bodies, omits an empty one', () => {
    const bin = httpEventV2({
      method: 'PUT',
      path: '/',
      query: '',
      headers: { 'content-type': 'application/octet-stream' },
      body: new Uint8Array([0, 255, 1]),
    });
    expect(bin).toMatchObject({ body: Buffer.from([0, 255, 1]).toString('base64'), isBase64Encoded: true });
    const badUtf8 = httpEventV2({
      method: 'PUT',
      path: '/',
      query: '',
      headers: { 'content-type': 'text/plain' },
      body: new Uint8Array([0xff]),
    });
    expect(badUtf8.isBase64Encoded).toBe(true);
    const empty = httpEventV2({ method: 'GET', path: '/', query: '', headers: {}, body: new Uint8Array() });
    expect(empty.body).toBeUndefined();
    expect(empty.queryStringParameters).toBeUndefined();
  });

  it('knows textual content types', () => {
    for (const t of [
      'text/html; charset=utf-8',
      'application/json',
      'application/ld+json',
      'application/xml',
      'application/x-www-form-urlencoded',
    ])
      expect(isTextualContentType(t)).toBe(true);
    for (const t of [undefined, 'image/png', 'application/octet-stream', 'application/jsonx'])
      expect(isTextualContentType(t)).toBe(false);
  });
});

describe('function result → HTTP response', () => {
  it('takes a response object with statusCode, headers, cookies and a base64 body', () => {
    const r = httpResponseFromPayload(
      enc(
        JSON.stringify({
          statusCode: 201,
          headers: { 'X-A': 1 },
          cookies: ['s=1'],
          body: Buffer.from([0, 1, 2]).toString('base64'),
          isBase64Encoded: true,
        }),
      ),
    );
    expect(r).toEqual({
      ok: true,
      response: { status: 201, headers: { 'x-a': '1', 'set-cookie': 's=1' }, body: new Uint8Array([0, 1, 2]) },
    });
  });

  it('turns any other JSON value into a 200 application/json body, as API Gateway infers', () => {
    const r = httpResponseFromPayload(enc('{"hello":"world"}'));
    expect(r.ok && r.response.status).toBe(200);
    expect(r.ok && r.response.headers['content-type']).toBe('application/json');
    expect(r.ok && Buffer.from(r.response.body).toString()).toBe('{"hello":"world"}');
  });

  it('refuses non-JSON and impossible status codes with a reason', () => {
    expect(httpResponseFromPayload(enc('not json'))).toMatchObject({ ok: false, reason: /not JSON/ });
    expect(httpResponseFromPayload(enc('{"statusCode":999}'))).toMatchObject({
      ok: false,
      reason: /invalid statusCode/,
    });
  });
});

describe('round trip through the function side (http-event.mjs)', () => {
  it('rebuilds the request byte for byte, and the response survives the way back', () => {
    const body = new Uint8Array([0, 10, 255, 128]);
    const e = httpEventV2({
      method: 'POST',
      path: '/p',
      query: 'q=1',
      headers: { 'content-type': 'application/octet-stream', cookie: 'c=1', 'x-h': 'v' },
      body,
    });
    const req = requestFromEvent(JSON.parse(JSON.stringify(e)));
    expect(req).toMatchObject({
      method: 'POST',
      path: '/p',
      query: 'q=1',
      headers: { 'content-type': 'application/octet-stream', cookie: 'c=1', 'x-h': 'v' },
    });
    expect(Buffer.compare(req.body, Buffer.from(body))).toBe(0);
    const out = eventResponse({ status: 203, headers: { 'Content-Type': 'image/png' }, body });
    expect(out.isBase64Encoded).toBe(true);
    const back = httpResponseFromPayload(enc(JSON.stringify(out)));
    expect(back).toEqual({ ok: true, response: { status: 203, headers: { 'content-type': 'image/png' }, body } });
    const text = eventResponse({ headers: { 'content-type': 'text/plain' }, body: 'héllo' });
    expect(text).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'text/plain' },
      body: 'héllo',
      isBase64Encoded: false,
    });
  });
});

describe('hostile callers and functions', () => {
  it('keeps headers and query parameters named like Object.prototype members as they are', () => {
    const headers = JSON.parse('{"constructor":"c","toString":"t","__proto__":"p","hasOwnProperty":"h"}') as Record<
      string,
      string
    >;
    const e = httpEventV2(
      { method: 'GET', path: '/', query: 'constructor=1&valueOf=2&__proto__=3', headers, body: new Uint8Array() },
      { nowMs: 0, requestId: 'r' },
    );
    expect(JSON.parse(JSON.stringify(e.headers))).toEqual(
      JSON.parse('{"constructor":"c","tostring":"t","__proto__":"p","hasownproperty":"h"}'),
    );
    expect(JSON.parse(JSON.stringify(e.queryStringParameters))).toEqual(
      JSON.parse('{"constructor":"1","valueOf":"2","__proto__":"3"}'),
    );
  });

  it('refuses a response whose headers cannot be sent (CR, LF, NUL, bad names) with a reason', () => {
    for (const headers of [
      { 'x-evil': 'a\r\nSet-Cookie: x=1' },
      { 'x-evil': 'a\rb' },
      { 'x-nul': 'a\u0000b' },
      { 'bad name': 'v' },
      { 'x-wide': '\u2028' },
      { '': 'v' },
    ]) {
      const r = httpResponseFromPayload(enc(JSON.stringify({ statusCode: 200, headers, body: 'hi' })));
      expect(r, JSON.stringify(headers)).toMatchObject({ ok: false, reason: /invalid header/ });
    }
    const cookie = httpResponseFromPayload(
      enc(JSON.stringify({ statusCode: 200, cookies: ['a=1\r\nX-Injected: 1'], body: 'hi' })),
    );
    expect(cookie).toMatchObject({ ok: false, reason: /invalid header/ });
  });

  it('drops framing and hop-by-hop headers a function sets (the server frames the response itself)', () => {
    const r = httpResponseFromPayload(
      enc(
        JSON.stringify({
          statusCode: 200,
          headers: {
            'Content-Length': '2',
            'Transfer-Encoding': 'chunked',
            Connection: 'close',
            'Keep-Alive': 'timeout=1',
            Upgrade: 'h2c',
            TE: 'trailers',
            Trailer: 'x',
            'X-Kept': 'yes',
          },
          body: 'a longer body',
        }),
      ),
    );
    expect(r).toMatchObject({ ok: true, response: { status: 200, headers: { 'x-kept': 'yes' } } });
    expect(r.ok && Object.keys(r.response.headers)).toEqual(['x-kept']);
  });

  it('refuses informational status codes (1xx cannot be a final response)', () => {
    for (const statusCode of [100, 101, 199])
      expect(httpResponseFromPayload(enc(JSON.stringify({ statusCode })))).toMatchObject({
        ok: false,
        reason: /invalid statusCode/,
      });
    expect(httpResponseFromPayload(enc(JSON.stringify({ statusCode: 200 }))).ok).toBe(true);
  });
});
