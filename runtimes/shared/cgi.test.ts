import { describe, expect, it } from 'vitest';
import { cgiEnvironment, parseCgiOutput } from './cgi.js';

const enc = (s: string) => Buffer.from(s, 'latin1');

describe('CGI environment (WAGI request mapping)', () => {
  it('maps method, path, query, body length, content type and headers', () => {
    const env = cgiEnvironment(
      { method: 'POST', path: '/a/b', query: 'x=1&y=2', headers: { 'content-type': 'text/plain', 'x-trace-id': 'abc', authorization: 'secret' }, body: enc('hello') },
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
    expect(r).toEqual({ ok: true, response: { status: 200, headers: { 'content-type': 'text/plain', 'x-a': '1' }, body: enc('body\n') } });
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
