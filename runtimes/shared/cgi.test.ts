import { describe, expect, it } from 'vitest';
import { cgiEnvironment, parseCgiOutput } from './cgi.js';

const enc = (s: string) => Buffer.from(s, 'latin1');

describe('CGI environment (WAGI request mapping)', () => {
  it('maps method, path, query, body length, content type and headers', () => {
    const env = cgiEnvironment(
      {
        method: 'POST',
        path: '/a/b',
        query: 'x=1&y=2',
        headers: { 'content-type': 'text/plain', 'x-trace-id': 'abc', authorization: 'secret' },
        body: enc('hello'),
      },
      { serverName: '127.0.0.1', serverPort: 8080, remoteAddr: '127.0.0.1', scriptName: '/fn' },
    );
    expect(env).toContain('REQUEST_METHOD=POST');
    expect(env).toContain('PATH_INFO=/a/b');
    expect(env).toContain('QUERY_STRING=x=1&y=2');
    expect(env).toContain('CONTENT_LENGTH=5');
    expect(env).toContain('CONTENT_TYPE=text/plain');
    expect(env).toContain('HTTP_X_TRACE_ID=abc');
    expect(env).toContain('SCRIPT_NAME=/fn');
    expect(env).toContain('SERVER_PORT=8080');
    expect(env.some((e) => e.startsWith('HTTP_CONTENT_TYPE'))).toBe(false);
    expect(env.some((e) => e.startsWith('HTTP_AUTHORIZATION'))).toBe(false);
  });
});

describe('CGI output parsing', () => {
  it('parses a document response', () => {
    const r = parseCgiOutput(enc('Content-Type: text/plain\nX-A: 1\n\nbody\n'));
    expect(r).toEqual({
      ok: true,
      response: { status: 200, headers: { 'content-type': 'text/plain', 'x-a': '1' }, body: enc('body\n') },
      fields: [
        ['content-type', 'text/plain'],
        ['x-a', '1'],
      ],
    });
  });

  it('accepts CRLF line ends, a Status header and an empty body', () => {
    const r = parseCgiOutput(enc('Status: 404 Not Found\r\nContent-Type: text/html\r\n\r\n'));
    expect(r.ok && r.response.status).toBe(404);
    expect(r.ok && r.response.body.length).toBe(0);
  });

  it('turns a lone Location into a redirect', () => {
    const r = parseCgiOutput(enc('Location: /elsewhere\n\n'));
    expect(r.ok && r.response.status).toBe(302);
    expect(r.ok && r.response.headers['location']).toBe('/elsewhere');
  });

  it('keeps binary bodies byte for byte', () => {
    const body = Buffer.from([0, 255, 10, 10, 13]);
    const r = parseCgiOutput(Buffer.concat([enc('Content-Type: application/octet-stream\n\n'), body]));
    expect(r.ok && Buffer.from(r.response.body).equals(body)).toBe(true);
  });

  it.each([
    ['no blank line', 'Content-Type: text/plain\nhello', /no blank line/],
    ['a line without a colon', 'Content-Type: text/plain\nbroken\n\n', /malformed CGI header line/],
    ['a bad status', 'Status: abc\n\n', /invalid CGI Status/],
    ['a status out of range', 'Status: 999\nContent-Type: a/b\n\n', /invalid CGI Status/],
    ['no content type', 'X-A: 1\n\n', /neither Content-Type/],
    ['empty output', '', /no blank line/],
  ])('rejects %s with a reason', (_what, out, reason) => {
    const r = parseCgiOutput(enc(out));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });
});

describe('CGI output from a hostile guest (issue 12)', () => {
  const refused = (out: string) => {
    const r = parseCgiOutput(enc(out));
    expect(r.ok, JSON.stringify(out)).toBe(false);
    return r.ok ? '' : r.reason;
  };

  it.each([
    ['a lone CR smuggling a second header', 'Content-Type: text/plain\nX-Evil: a\rSet-Cookie: x\n\n'],
    ['a CR in a Location', 'Location: /a\r/b\n\n'],
    ['a NUL', 'Content-Type: text/plain\nX-A: a\0b\n\n'],
    ['a DEL', 'Content-Type: text/plain\nX-A: a\x7fb\n\n'],
    ['another control byte', 'Content-Type: text/plain\nX-A: a\x1bb\n\n'],
    ['a vertical tab at the end', 'Content-Type: text/plain\nX-A: ab\x0b\n\n'],
    ['a CR in a Status', 'Status: 200\r\r\nContent-Type: text/plain\n\n'],
  ])('refuses a header value with %s, naming the byte', (_what, out) => {
    expect(refused(out)).toMatch(/invalid byte 0x[0-9a-f]{2} in CGI header/);
  });

  it('keeps what RFC 9110 allows in a value: SP, HTAB, visible ASCII and obs-text, with only SP/HTAB trimmed', () => {
    const r = parseCgiOutput(enc('Content-Type: text/plain\nX-A: \t a\tb ~\xa0\xe9\xff\xa0 \n\n'));
    expect(r.ok && r.response.headers['x-a']).toBe('a\tb ~\xa0\xe9\xff\xa0');
  });

  it.each([
    ['100', '100 Continue'],
    ['101', '101 Switching Protocols'],
    ['199', '199'],
    ['0', '0'],
    ['099', '099'],
    ['999', '999'],
    ['600', '600'],
    ['non-numeric', 'OK'],
    ['four digits', '2000'],
    ['empty', ''],
  ])('refuses Status %s: only 200..599 is a final response a guest may give', (_what, status) => {
    expect(refused(`Status: ${status}\nContent-Type: text/plain\n\nbody`)).toMatch(/invalid CGI Status/);
  });

  it('accepts the edges of 200..599 and a reason phrase', () => {
    for (const s of [200, 204, 399, 599]) {
      const r = parseCgiOutput(enc(`Status: ${s} Some Reason\nContent-Type: text/plain\n\n`));
      expect(r.ok && r.response.status).toBe(s);
    }
  });

  it('refuses two Status lines', () => {
    expect(refused('Status: 200\nStatus: 404\nContent-Type: text/plain\n\n')).toMatch(/more than one Status/);
  });

  it('drops framing and hop-by-hop headers, and those Connection names', () => {
    const out = [
      'Content-Type: text/plain',
      'Content-Length: 2',
      'Transfer-Encoding: chunked',
      'Connection: close, X-Private',
      'Keep-Alive: timeout=5',
      'Upgrade: websocket',
      'Proxy-Connection: keep-alive',
      'TE: trailers',
      'Trailer: X-T',
      'X-Private: secret',
      'X-Kept: yes',
      '',
      'hello world',
    ].join('\n');
    const r = parseCgiOutput(enc(out));
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.response.headers).toEqual({ 'content-type': 'text/plain', 'x-kept': 'yes' });
    expect(r.fields).toEqual([
      ['content-type', 'text/plain'],
      ['x-kept', 'yes'],
    ]);
    expect(Buffer.from(r.response.body).toString()).toBe('hello world');
  });

  it('header names that are Object.prototype keys are plain headers', () => {
    const r = parseCgiOutput(enc('Content-Type: text/plain\nToString: a\n__proto__: b\nConstructor: c\n\n'));
    expect(r.ok && Object.entries(r.response.headers)).toEqual([
      ['content-type', 'text/plain'],
      ['tostring', 'a'],
      ['__proto__', 'b'],
      ['constructor', 'c'],
    ]);
  });

  it('a Content-Length that is not a number is dropped, not forwarded', () => {
    const r = parseCgiOutput(enc('Content-Type: text/plain\nContent-Length: abc\n\nbody'));
    expect(r.ok && r.response.headers).toEqual({ 'content-type': 'text/plain' });
  });

  it('keeps repeated headers as separate fields, in order (several Set-Cookie lines)', () => {
    const r = parseCgiOutput(
      enc('Content-Type: text/plain\nSet-Cookie: a=1; Path=/\nX-A: 1\nSet-Cookie: b=2, c\nX-A: 2\n\n'),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.fields).toEqual([
      ['content-type', 'text/plain'],
      ['set-cookie', 'a=1; Path=/'],
      ['x-a', '1'],
      ['set-cookie', 'b=2, c'],
      ['x-a', '2'],
    ]);
    // The one-value-per-name view (what checks and diffs compare) still joins them.
    expect(r.response.headers['x-a']).toBe('1, 2');
  });
});
