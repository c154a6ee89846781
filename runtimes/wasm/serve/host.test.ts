// The multi-app host of `faasbench serve`, in process: routing by path and Host, the
// health endpoint, 404, 413 without reading the body, the headers timeout, the
// connection limit, graceful shutdown with requests in flight (finished) and with a
// guest that never ends (cut within the grace time). Every wait is bounded.

import { request as httpRequest } from 'node:http';
import net from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinWorkloadsDir } from '../../../model/workload.js';
import { commandModule, op } from '../../../test/wasm-fixtures.js';
import { InlineExecutor, type Executor } from '../executor.js';
import { GuestThreadExecutor } from '../guest-threads.js';
import { compileCommand, readWasmFile } from '../module.js';
import {
  DuplicateAppError,
  AppNameError,
  HEALTH_PATH,
  startServeHost,
  type ServeHost,
  type ServeHostOptions,
} from './host.js';

const wasm = (name: string) => readWasmFile(join(builtinWorkloadsDir(), name, 'build', `${name}.wasm`));
const hostsToStop: ServeHost[] = [];
const executors: Executor[] = [];

async function start(
  opts: Partial<ServeHostOptions> = {},
  executor: Executor = new InlineExecutor(),
): Promise<{ host: ServeHost; logged: string[] }> {
  const logged: string[] = [];
  executors.push(executor);
  const host = await startServeHost({ executor, log: (l) => logged.push(l), ...opts });
  hostsToStop.push(host);
  return { host, logged };
}

afterEach(async () => {
  await Promise.all(hostsToStop.splice(0).map((h) => h.shutdown(100)));
  await Promise.all(executors.splice(0).map((e) => e.close()));
});

/** One request with Node's client (a fresh connection unless an agent is given). */
function get(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const r = httpRequest({ host: u.hostname, port: u.port, path, headers, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    r.on('error', reject);
    r.setTimeout(10_000, () => r.destroy(new Error('no answer within 10 s')));
    r.end();
  });
}

/** A raw TCP exchange: writes `data`, collects everything until the server closes (or `ms` passes). */
function raw(port: number, data: string, ms = 5000): Promise<{ text: string; closed: boolean; afterMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const s = net.connect(port, '127.0.0.1', () => s.write(data));
    let text = '';
    const timer = setTimeout(() => {
      s.destroy();
      resolve({ text, closed: false, afterMs: Date.now() - t0 });
    }, ms);
    s.setEncoding('latin1');
    s.on('data', (c: string) => (text += c));
    s.on('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' ? undefined : reject(e)));
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ text, closed: true, afterMs: Date.now() - t0 });
    });
  });
}

describe('serve host: routing', () => {
  it('routes /NAME/… and Host NAME.… to the app, with SCRIPT_NAME/PATH_INFO split; health counts apps; unknown and undeployed apps are 404', async () => {
    const { host } = await start();
    host.deploy({ name: 'hello', module: await compileCommand(wasm('hello'), 'hello') });
    host.deploy({ name: 'echo', module: await compileCommand(wasm('echo'), 'echo') });
    expect(host.apps()).toBe(2);

    const hello = await get(host.url, '/hello/');
    expect([hello.status, hello.body]).toEqual([200, 'Hello from faasbench\n']);
    expect(hello.headers['server-timing']).toMatch(/^instantiate;dur=[\d.]+, run;dur=[\d.]+, dispatch;dur=[\d.]+$/);
    expect((await get(host.url, '/hello')).status).toBe(200);

    const byPath = await get(host.url, '/echo/a/b?x=1');
    expect(byPath.body).toMatch(/^method: GET\npath: \/a\/b\nquery: x=1\n/);
    const byHost = await get(host.url, '/echo/a/b?x=1', { host: 'echo.apps.example:8080' });
    expect(byHost.body).toMatch(/^method: GET\npath: \/echo\/a\/b\nquery: x=1\n/);
    // A Host whose first label is no app falls back to the path.
    expect((await get(host.url, '/hello/', { host: 'www.example' })).status).toBe(200);

    const health = await get(host.url, HEALTH_PATH);
    expect(health.status).toBe(200);
    expect(JSON.parse(health.body)).toMatchObject({ status: 'ok', apps: 2 });

    const missing = await get(host.url, '/nope/x');
    expect([missing.status, missing.body]).toEqual([404, 'no app named "nope" is deployed here\n']);
    expect((await get(host.url, '/')).status).toBe(404);

    expect(host.undeploy('echo')?.name).toBe('echo');
    expect((await get(host.url, '/echo/')).status).toBe(404);
    expect(JSON.parse((await get(host.url, HEALTH_PATH)).body).apps).toBe(1);
  });

  it('refuses a duplicate or invalid app name with one sentence', async () => {
    const { host } = await start();
    const module = await compileCommand(wasm('hello'), 'hello');
    host.deploy({ name: 'a1', module });
    expect(() => host.deploy({ name: 'a1', module })).toThrow(
      new DuplicateAppError('an app named a1 is already deployed'),
    );
    expect(() => host.deploy({ name: '9lives', module })).toThrow(AppNameError);
    expect(() => host.deploy({ name: 'Upper', module })).toThrow(/starting with a letter/);
  });
});

describe('serve host: bad input', () => {
  it('a declared body over the limit gets 413 at once, without the body being sent, and the connection closes', async () => {
    const { host, logged } = await start({ maxBodyBytes: 1000 });
    host.deploy({ name: 'echo', module: await compileCommand(wasm('echo'), 'echo') });
    // Headers only: a server that waited for the 10 MB body would never answer.
    const r = await raw(host.port, 'POST /echo/ HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000\r\n\r\n');
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.text).toMatch(/connection: close/i);
    expect(r.text).toMatch(/request body larger than 1000 bytes\n$/);
    expect(logged.some((l) => /413/.test(l))).toBe(true);
    // A body within the limit still works.
    const ok = await raw(
      host.port,
      'POST /echo/ HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc',
    );
    expect(ok.text).toMatch(/^HTTP\/1\.1 200 [\s\S]*body-length: 3/);
  });

  it('a chunked body growing past the limit gets 413 without the rest being read', async () => {
    const { host } = await start({ maxBodyBytes: 1000 });
    host.deploy({ name: 'echo', module: await compileCommand(wasm('echo'), 'echo') });
    const chunk = 'x'.repeat(800);
    // Two chunks (1600 bytes) and no terminating chunk: only a server that stops at the limit answers.
    const r = await raw(
      host.port,
      `POST /echo/ HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n320\r\n${chunk}\r\n320\r\n${chunk}\r\n`,
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(r.closed).toBe(true);
  });

  it('a client that never finishes its headers is cut by the headers timeout (408), and the host goes on', async () => {
    const { host, logged } = await start({ headersTimeoutMs: 300 });
    host.deploy({ name: 'hello', module: await compileCommand(wasm('hello'), 'hello') });
    const r = await raw(host.port, 'GET /hello/ HTTP/1.1\r\nHost: x\r\nX-Slow: ', 5000);
    expect(r.closed).toBe(true);
    expect(r.text).toMatch(/^HTTP\/1\.1 408 /);
    expect(logged.filter((l) => /no complete request headers within 300 ms/.test(l))).toHaveLength(1);
    expect((await get(host.url, '/hello/')).status).toBe(200);
  });

  it('connections past the limit get 503 and are closed; below it again, requests are served', async () => {
    const { host } = await start({ maxConnections: 2 });
    host.deploy({ name: 'hello', module: await compileCommand(wasm('hello'), 'hello') });
    const idle = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<net.Socket>((resolve) => {
            const s = net.connect(host.port, '127.0.0.1', () => resolve(s));
          }),
      ),
    );
    await new Promise((r) => setTimeout(r, 50));
    const over = await raw(host.port, 'GET /hello/ HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(over.text).toMatch(/^HTTP\/1\.1 503 [\s\S]*too many connections \(limit 2\)/);
    expect(over.closed).toBe(true);
    idle[0]!.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect((await get(host.url, '/hello/')).status).toBe(200);
    idle[1]!.destroy();
  });
});

describe('serve host: graceful shutdown', () => {
  it('requests in flight finish, new requests on open connections get 503, and the listener closes', async () => {
    const executor = new GuestThreadExecutor({ size: 2 });
    await executor.ready();
    const { host } = await start({}, executor);
    host.deploy({ name: 'sleep', module: await compileCommand(wasm('sleep'), 'sleep') });
    host.deploy({ name: 'hello', module: await compileCommand(wasm('hello'), 'hello') });
    // Connection A has a request in flight when shutdown begins; it then sends another on the same connection.
    const a = net.connect(host.port, '127.0.0.1');
    let aText = '';
    a.setEncoding('latin1');
    a.on('data', (c: string) => (aText += c));
    const aClosed = new Promise<void>((r) => a.on('close', () => r()));
    a.write('GET /sleep/?ms=400 HTTP/1.1\r\nHost: x\r\n\r\n');
    for (let i = 0; i < 400 && host.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    expect(host.inFlight()).toBe(1);
    const t0 = Date.now();
    const down = host.shutdown(1500);
    a.write('GET /hello/ HTTP/1.1\r\nHost: x\r\n\r\n');
    // The listener is closed: a new connection is refused.
    await expect(get(host.url, '/hello/')).rejects.toThrow(/ECONNREFUSED/);
    await Promise.race([aClosed, new Promise((r) => setTimeout(r, 5000))]);
    expect(aText).toMatch(/^HTTP\/1\.1 200 [\s\S]*slept 400 ms\nHTTP\/1\.1 503 [\s\S]*server shutting down\n$/);
    expect(await down).toEqual({ finished: 1, cut: 0 });
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it('a guest that never ends is cut after the grace time: shutdown returns, never hangs', async () => {
    const executor = new GuestThreadExecutor({ size: 1, deadlineMs: 60_000 });
    await executor.ready();
    const { host, logged } = await start({}, executor);
    host.deploy({
      name: 'loop',
      module: await compileCommand(commandModule({ imports: [], code: [...op.loopStart, ...op.loopEnd] }), 'loop'),
    });
    const looping = get(host.url, '/loop/').then(
      () => 'answered',
      (e: Error) => e.message,
    );
    for (let i = 0; i < 200 && host.inFlight() === 0; i++) await new Promise((r) => setTimeout(r, 5));
    const t0 = Date.now();
    expect(await host.shutdown(300)).toEqual({ finished: 0, cut: 1 });
    expect(Date.now() - t0).toBeLessThan(3000);
    expect(await looping).toMatch(/socket hang up|ECONNRESET/);
    expect(logged.some((l) => /1 request\(s\) still running after 300 ms/.test(l))).toBe(true);
  });
});
