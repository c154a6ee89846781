// conform http in CI: the whole suite through the CLI against faasbench's component
// server (every case must pass) and preview2-shim's server (the baseline column must be
// there; its failures are reported, not asserted either way). And the suite itself:
// a server that answers every request with a plain 200 must fail the cases that check
// behaviour, so a PASS means something; bad flags exit 2.

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../../test/in-process-cli.js';
import { buildHttpProbe } from './http-probe.js';
import { httpCases, httpTable, runHttpSuite, sendProbe, type HttpCaseOutcome, type HttpTarget } from './http.js';

describe('conform http', { timeout: 900_000 }, () => {
  beforeAll(async () => {
    // First build: 10-30 s idle, minutes on a loaded machine; cached after.
    await buildHttpProbe();
  }, 900_000);

  it('every case passes on faasbench; the preview2-shim baseline column is produced', async () => {
    const r = await runCliInProcess(['conform', 'http', '--json', '--timeout', '15']);
    const out = JSON.parse(r.stdout) as Record<string, HttpCaseOutcome[]>;
    const cases = httpCases().map((c) => c.name);
    expect(out['faasbench']!.map((o) => o.name)).toEqual(cases);
    expect(out['faasbench']!.filter((o) => !o.pass).map((o) => `${o.name}: ${o.detail}`)).toEqual([]);
    // The baseline: one outcome per case, each with a reason when it failed (printed, not asserted).
    const shim = out['preview2-shim']!;
    expect(shim.map((o) => o.name)).toEqual(cases);
    for (const o of shim) if (!o.pass) expect(o.detail).not.toBe('');
    console.log(httpTable(['faasbench', 'preview2-shim'], [out['faasbench']!, shim]));
    // Exit codes as conform wasi: 1 when any implementation fails a case, else 0.
    expect(r.code).toBe(shim.some((o) => !o.pass) ? 1 : 0);
  });

  it('refuses an unknown implementation and an empty filter (exit 2)', async () => {
    const bad = await runCliInProcess(['conform', 'http', '--runtime', 'faasbench,nope']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown --runtime nope (choose from faasbench, preview2-shim)');
    const none = await runCliInProcess(['conform', 'http', '--filter', 'no such case']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('no case name contains');
  });
});

describe('the suite tells a wrong server from a right one', { timeout: 120_000 }, () => {
  let server: http.Server;
  let port = 0;
  beforeAll(async () => {
    // Answers everything 200 "ok" with x-method get: what a server ignoring the guest would look like.
    server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain', 'x-method': 'get', 'x-set-status': 'ok' });
        res.end(req.method === 'HEAD' ? undefined : 'ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => void server.close());

  it('fails what it must and passes nothing it should not', async () => {
    const target: HttpTarget = {
      name: 'constant',
      send: (req, ms) => sendProbe(port, req, ms),
      alive: () => true,
      restart: async () => {},
      close: async () => {},
    };
    const res = await runHttpSuite(target, httpCases(), { timeoutMs: 5_000 });
    const passed = new Set(res.filter((o) => o.pass).map((o) => o.name));
    // From a constant 200 "ok" only "method GET" looks right (its check is the x-method field);
    // "status 200" fails on its body.
    expect([...passed]).toEqual(['method GET']);
    const detail = (n: string) => res.find((o) => o.name === n)!.detail;
    expect(detail('status 418')).toBe('status 200, expected 418');
    expect(detail('no response set')).toBe('status 200');
    expect(detail('trap midway')).toBe('a complete 200 response (2 bytes) for a broken one');
    expect(detail('path with query')).toMatch(/^not the probe's JSON/);
  });

  it('a server that never answers fails on the timeout and is restarted before the next case', async () => {
    let restarts = 0;
    const target: HttpTarget = {
      name: 'silent',
      send: () =>
        Promise.resolve({
          status: 0,
          headers: [],
          body: Buffer.alloc(0),
          trailers: [],
          complete: false,
          error: 'no complete response within 5 ms',
        }),
      alive: () => true,
      restart: async () => void restarts++,
      close: async () => {},
    };
    const cases = httpCases().filter((c) => c.name === 'method GET' || c.name === 'method PUT');
    const res = await runHttpSuite(target, cases, { timeoutMs: 5 });
    expect(res.map((o) => [o.name, o.pass, o.detail])).toEqual([
      ['method GET', false, 'no complete response within 5 ms'],
      ['method PUT', false, 'no complete response within 5 ms'],
    ]);
    expect(restarts).toBe(1);
  });
});
