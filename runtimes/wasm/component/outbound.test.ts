// Outbound HTTP from components: the allow-list (strict HOST:PORT entries; a request to
// a host not on it is denied, and nothing reaches that host), and allowed requests
// performed for real against a server on 127.0.0.1 from a guest thread, bounded by the
// body cap and the timeout. The guest is conform http's probe (componentize-js, raw
// wasi:http bindings: /outbound makes the request and reports what came back).

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildHttpProbe } from '../../../harness/conform/http-probe.js';
import { wasmFileWorkload } from '../../../harness/workloads-wasm.js';
import { parseManifest } from '../../../model/workload.js';
import { runCliInProcess } from '../../../test/in-process-cli.js';
import { referenceWasmAdapter } from '../adapter.js';
import { runServe } from '../serve/run.js';
import { ComponentThreadExecutor } from './executor.js';
import { DEFAULT_COMPONENT_LIMITS } from './host.js';
import { authorityKey, outboundDecision, parseOutboundHost, type OutboundPolicy } from './outbound.js';
import { prepareComponent, type PreparedComponent } from './prepare.js';
import type { RunOptions } from './runner.js';

describe('the allow-list', () => {
  it('takes HOST:PORT entries only, normalised', () => {
    expect(parseOutboundHost('127.0.0.1:8080')).toBe('127.0.0.1:8080');
    expect(parseOutboundHost('API.Example.com:443')).toBe('api.example.com:443');
    expect(parseOutboundHost('[::1]:80')).toBe('[::1]:80');
    for (const bad of ['127.0.0.1', '127.0.0.1:0', 'host:65536', ':80', 'http://h:80', 'a b:80', 'h:80/x', '*:80', ''])
      expect(() => parseOutboundHost(bad), bad).toThrow(/expected HOST:PORT/);
  });

  it('matches the request authority with the default port', () => {
    expect(authorityKey('Example.com', 80)).toBe('example.com:80');
    expect(authorityKey('127.0.0.1:9', 80)).toBe('127.0.0.1:9');
    expect(authorityKey('user@host:80', 80)).toBeNull();
    const policy: OutboundPolicy = { allowedHosts: ['127.0.0.1:8080', 'example.com:80'] };
    expect(outboundDecision(policy, 'http', '127.0.0.1:8080')).toEqual({ allowed: true, key: '127.0.0.1:8080' });
    expect(outboundDecision(policy, 'http', 'example.com')).toEqual({ allowed: true, key: 'example.com:80' });
    expect(outboundDecision(policy, 'http', '127.0.0.1:8081')).toEqual({
      allowed: false,
      why: '127.0.0.1:8081 is not on the allow-list',
    });
    expect(outboundDecision(policy, 'https', 'example.com').allowed).toBe(false); // :443 is not :80
    expect(outboundDecision(undefined, 'http', '127.0.0.1:8080').allowed).toBe(false);
    expect(outboundDecision({ allowedHosts: [] }, 'http', '127.0.0.1:8080').allowed).toBe(false);
  });
});

describe('the allow-list in a manifest and on the command line', () => {
  const manifest = (hosts: unknown) => ({
    name: 'probe',
    description: 'a component allowed to call out',
    variants: { component: { artifact: 'p.wasm', sha256: '0'.repeat(64), allowedOutboundHosts: hosts } },
    requests: [{ name: 'get', size: 'test', method: 'GET', path: '/', expect: { status: 200 } }],
  });

  it('is checked strictly in a manifest', () => {
    expect(parseManifest(manifest(['127.0.0.1:8080', 'api.example.com:443'])).variants.component).toMatchObject({
      allowedOutboundHosts: ['127.0.0.1:8080', 'api.example.com:443'],
    });
    expect(() => parseManifest(manifest(['127.0.0.1']))).toThrow(
      /variants\.component\.allowedOutboundHosts\.0.*expected HOST:PORT/,
    );
    expect(() => parseManifest(manifest(['http://127.0.0.1:80']))).toThrow(/expected HOST:PORT/);
    expect(() => parseManifest(manifest(['a:1', 'A:1']))).toThrow(/lists a host twice/);
    expect(() => parseManifest(manifest('127.0.0.1:80'))).toThrow(/allowedOutboundHosts/);
  });

  it('is refused on the command line when malformed, and on run without --component (exit 2)', async () => {
    const serve = await runCliInProcess(['serve', '--app', 'x=/nonexistent.wasm', '--allow-outbound', '127.0.0.1']);
    expect(serve.code).toBe(2);
    expect(serve.stderr).toContain('expected HOST:PORT');
    const run = await runCliInProcess(['run', '--allow-outbound', '127.0.0.1:8080', '-r', 'wasm', '-n', '3']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--allow-outbound applies to --component files');
  });
});

describe('outbound requests from a component', { timeout: 600_000 }, () => {
  let probePath: string;
  let probe: PreparedComponent;
  let upstream: http.Server;
  let port = 0;
  const seen: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  const executor = new ComponentThreadExecutor({ size: 1, deadlineMs: 20_000 });

  beforeAll(async () => {
    probePath = (await buildHttpProbe()).path;
    probe = await prepareComponent(readFileSync(probePath), 'probe');
    upstream = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString();
        seen.push({ method: req.method!, url: req.url!, headers: req.headers, body });
        if (req.url === '/silent') return; // never answers
        if (req.url === '/big') return res.end(Buffer.alloc(5000, 'x'));
        res.writeHead(201, { 'x-answer': 'yes' });
        res.end(`got ${req.method} ${req.url} ${body}`);
      });
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    port = (upstream.address() as AddressInfo).port;
  }, 600_000);
  afterAll(async () => {
    upstream?.closeAllConnections();
    upstream?.close();
    await executor.close();
  });

  async function outbound(query: string, opts: RunOptions = {}): Promise<Record<string, unknown>> {
    const o = await executor.handle(
      probe,
      { method: 'GET', pathWithQuery: `/outbound?${query}`, authority: 'probe', headers: [], body: new Uint8Array(0) },
      opts,
    );
    expect(o.end).toEqual({ kind: 'ok' });
    return JSON.parse(Buffer.from(o.response!.body).toString()) as Record<string, unknown>;
  }

  it('denies every request without an allow-list, and one to a host not on it; nothing reaches the host', async () => {
    const before = seen.length;
    expect(await outbound(`to=127.0.0.1:${port}&path=/x`)).toEqual({ result: 'error', tag: 'HTTP-request-denied' });
    expect(
      await outbound(`to=127.0.0.1:${port}&path=/x`, { outbound: { allowedHosts: [`127.0.0.1:${port + 1}`] } }),
    ).toEqual({ result: 'error', tag: 'HTTP-request-denied' });
    expect(
      await outbound(`to=localhost:${port}&path=/x`, { outbound: { allowedHosts: [`127.0.0.1:${port}`] } }),
    ).toEqual({ result: 'error', tag: 'HTTP-request-denied' });
    expect(seen.length).toBe(before);
  });

  it('performs a request to an allowed host: status, fields and body both ways', async () => {
    const allow = { outbound: { allowedHosts: [`127.0.0.1:${port}`] } };
    expect(await outbound(`to=127.0.0.1:${port}&path=/x%3Fq`, allow)).toEqual({
      result: 'ok',
      status: 201,
      answer: ['yes'],
      body: 'got GET /x?q ',
    });
    const got = seen.at(-1)!;
    expect(got.headers['x-from-guest']).toBe('probe');
    expect(got.headers['host']).toBe(`127.0.0.1:${port}`);
    expect(await outbound(`to=127.0.0.1:${port}&path=/echo&body=hello%20there`, allow)).toEqual({
      result: 'ok',
      status: 201,
      answer: ['yes'],
      body: 'got POST /echo hello there',
    });
  });

  it('is bounded: the body cap, the timeout, a refused connection; the guest answers each time', async () => {
    const allow: OutboundPolicy = { allowedHosts: [`127.0.0.1:${port}`], timeoutMs: 300 };
    const small = { ...DEFAULT_COMPONENT_LIMITS, bodyBytes: 1000 };
    expect(await outbound(`to=127.0.0.1:${port}&path=/big`, { outbound: allow, limits: small })).toEqual({
      result: 'error',
      tag: 'HTTP-response-body-size',
    });
    // The policy's 300 ms ends it, not the guest's 20 s deadline (which would end the request with a 504, not 'ok').
    expect(await outbound(`to=127.0.0.1:${port}&path=/silent`, { outbound: allow })).toEqual({
      result: 'error',
      tag: 'HTTP-response-timeout',
    });
    // A port nothing listens on (the upstream's, once closed, is not safe to guess): an ephemeral one just released.
    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const dead = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    expect(
      await outbound(`to=127.0.0.1:${dead}&path=/`, { outbound: { allowedHosts: [`127.0.0.1:${dead}`] } }),
    ).toEqual({ result: 'error', tag: 'connection-refused' });
  });

  it('faasbench serve: --allow-outbound (allowedOutboundHosts) lets its component apps through, and only then', async () => {
    const query = `outbound?to=127.0.0.1:${port}&path=/served`;
    for (const allowed of [false, true]) {
      const running = await runServe({
        apps: [{ name: 'probe', path: probePath, from: 'test' }],
        threads: 1,
        signals: false,
        say: () => {},
        log: () => {},
        ...(allowed ? { allowedOutboundHosts: [`127.0.0.1:${port}`] } : {}),
      });
      try {
        const r = await fetch(`${running.host.url}/probe/${query}`);
        expect(await r.json()).toEqual(
          allowed
            ? { result: 'ok', status: 201, answer: ['yes'], body: 'got GET /served ' }
            : { result: 'error', tag: 'HTTP-request-denied' },
        );
      } finally {
        await running.stop('test');
      }
    }
  });

  it("the wasm runtime deploys a --component workload with its manifest's allow-list (run --allow-outbound)", async () => {
    const adapter = referenceWasmAdapter({ threads: 1 });
    try {
      for (const allowed of [false, true]) {
        const w = wasmFileWorkload(
          probePath,
          200,
          'component',
          allowed ? { allowedOutboundHosts: [`127.0.0.1:${port}`] } : {},
        );
        const { instance } = await adapter.start(await adapter.prepare(w, 'component'));
        const res = await adapter.invoke(instance, {
          method: 'GET',
          path: '/outbound',
          query: `to=127.0.0.1:${port}&path=/adapter`,
          headers: {},
          body: new Uint8Array(),
        });
        expect(JSON.parse(Buffer.from(res.response.body).toString())).toEqual(
          allowed
            ? { result: 'ok', status: 201, answer: ['yes'], body: 'got GET /adapter ' }
            : { result: 'error', tag: 'HTTP-request-denied' },
        );
        await adapter.stop(instance);
      }
    } finally {
      await adapter.dispose();
    }
  });
});
