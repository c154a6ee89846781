// The CGI front on its own, with /bin/sh scripts as the per-request command (no Wasm
// runtime needed): the CGI variables and body reach the command, its headers and body
// come back with the server's Server-Timing (a guest's own is dropped), malformed output
// is a 500 with the reason, a body over the limit a 413, a command past the deadline a
// 504; and the argument parser refuses what it cannot use.

import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { parseFrontArgs, startFront, type FrontOptions } from './front.js';

const servers: http.Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

async function front(script: string, over: Partial<FrontOptions> = {}): Promise<string> {
  const s = await startFront({
    host: '127.0.0.1',
    port: 0,
    deadlineMs: 5000,
    maxProcs: 4,
    maxBodyBytes: 1024,
    command: '/bin/sh',
    args: ['-c', script],
    ...over,
  });
  servers.push(s);
  return `http://127.0.0.1:${(s.address() as AddressInfo).port}`;
}

describe('CGI front', () => {
  it('hands the command the CGI variables and the body, and relays its answer', async () => {
    const url = await front(
      'printf "Status: 201 Created\\nContent-Type: text/plain\\nX-Seen: $REQUEST_METHOD $PATH_INFO $QUERY_STRING $CONTENT_LENGTH $HTTP_X_TRACE\\nServer-Timing: guest;dur=1\\n\\n"; cat',
    );
    const res = await fetch(`${url}/a/b?x=1`, { method: 'POST', body: 'payload', headers: { 'x-trace': 't1' } });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-seen')).toBe('POST /a/b x=1 7 t1');
    expect(await res.text()).toBe('payload');
    // The server's timing only: spawn and process phases.
    expect(res.headers.get('server-timing')).toMatch(/^spawn;dur=[\d.]+, process;dur=[\d.]+$/);
  });

  it('keeps repeated header lines (several Set-Cookie) as written', async () => {
    const url = await front('printf "Content-Type: text/plain\nSet-Cookie: a=1\nSet-Cookie: b=2\n\nok"');
    const res = await fetch(url);
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.text()).toBe('ok');
  });

  it('malformed output is a 500 with the reason; a failing command a 500 with its stderr', async () => {
    const bad = await front('printf "no blank line"');
    const r1 = await fetch(bad);
    expect(r1.status).toBe(500);
    expect(await r1.text()).toMatch(/no blank line after its headers/);
    const failing = await front('echo broken >&2; exit 3');
    const r2 = await fetch(failing);
    expect(r2.status).toBe(500);
    expect(await r2.text()).toMatch(/exited with code 3; stderr: broken/);
  });

  it('a body over the limit is a 413; a command past the deadline is killed and answered 504', async () => {
    const url = await front('printf "Content-Type: text/plain\\n\\nok"');
    const big = await fetch(url, { method: 'POST', body: 'x'.repeat(2000) });
    expect(big.status).toBe(413);
    const slow = await front('sleep 30', { deadlineMs: 300 });
    const r = await fetch(slow);
    expect(r.status).toBe(504);
    expect(await r.text()).toMatch(/timed out after 300 ms/);
  });

  it('parses its arguments and refuses what it cannot use', () => {
    expect(
      parseFrontArgs(['--listen', '127.0.0.1:8080', '--deadline-ms', '500', '--', 'wazero', 'run', 'fn.wasm']),
    ).toMatchObject({ host: '127.0.0.1', port: 8080, deadlineMs: 500, command: 'wazero', args: ['run', 'fn.wasm'] });
    expect(() => parseFrontArgs(['--listen', '127.0.0.1:8080'])).toThrow(/usage/);
    expect(() => parseFrontArgs(['--listen', 'nowhere', '--', 'x'])).toThrow(/HOST:PORT/);
    expect(() => parseFrontArgs(['--max-procs', '0', '--', 'x'])).toThrow(/bad value: --max-procs 0/);
  });
});
