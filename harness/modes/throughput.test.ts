// The throughput mode end to end on a stub adapter whose instances are tiny HTTP
// servers (one answering correctly, one not), and its pure row builders.

import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { Deployment, Instance, RuntimeAdapter } from '../../runtimes/types.js';
import { pickRequest } from '../run.js';
import { resolveWorkloads } from '../../model/workload.js';
import { resolveModeOptions, withModeOptions, type ThroughputOptions } from '../options.js';
import { headlineRows, refineRate, stepRows, throughputMode } from './throughput.js';
import type { LoadResult } from '../load/types.js';
import type { SampleOut } from './types.js';

function stubAdapter(body: string): RuntimeAdapter & { live: Set<http.Server> } {
  const live = new Set<http.Server>();
  return {
    id: 'stub',
    description: 'test stub',
    live,
    capabilities: () => ({ variants: ['wasm', 'node'], modes: ['throughput'], freshInstancePerRequest: false }),
    available: async () => ({ ok: true }),
    prepare: async (workload, variant) => ({ runtime: 'stub', workload, variant }),
    async start(d: Deployment) {
      const server = http.createServer((_q, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(body);
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      live.add(server);
      const instance: Instance = {
        id: 'i',
        deployment: d,
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        data: server,
      };
      return { instance, phases: [] };
    },
    invoke: async () => {
      throw new Error('not used');
    },
    async stop(i) {
      const s = i.data as http.Server | undefined;
      if (!s) return;
      s.closeAllConnections();
      await new Promise((r) => s.close(r));
      live.delete(s);
    },
    dispose: async () => {},
  };
}

/** One sample each, every other option at its default. */
const ONE = resolveModeOptions({ iterations: 1, warmup: 0 });

async function runCell(body: string, throughput: Partial<ThroughputOptions>) {
  const workload = resolveWorkloads(['hello'])[0]!;
  const adapter = stubAdapter(body);
  const warnings: string[] = [];
  const ctx = {
    adapter,
    workload,
    variant: 'wasm' as const,
    deployment: await adapter.prepare(workload, 'wasm'),
    request: pickRequest(workload),
    options: withModeOptions(ONE, { throughput }),
    warn: (m: string) => warnings.push(m),
  };
  const [cell] = throughputMode.cells(ctx);
  const rows: SampleOut[] = [];
  await cell!.setup();
  try {
    for (let i = 0; i < cell!.rounds; i++) rows.push(...(await cell!.sample(i)));
  } finally {
    await cell!.teardown();
  }
  return { rows, cell: cell!, adapter, warnings };
}

/** Like busybox httpd serving a CGI: only under /cgi-bin/fn, HTTP/1.0, bare-LF header lines, close-delimited. */
function cgiRelayAdapter(): RuntimeAdapter {
  const base = stubAdapter('');
  return {
    ...base,
    async start(d: Deployment) {
      const server = net.createServer((sock) => {
        sock.on('error', () => {});
        sock.once('data', (chunk: Buffer) => {
          const ok = chunk.toString('latin1').startsWith('GET /cgi-bin/fn ');
          sock.end(
            ok
              ? 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\n\nHello from faasbench\n'
              : 'HTTP/1.0 404 Not Found\r\n\r\n',
          );
        });
      });
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      return {
        instance: { id: 'relay', deployment: d, url, pathPrefix: '/cgi-bin/fn', lenientHttp: true, data: server },
        phases: [],
      };
    },
    async stop(i) {
      await new Promise((r) => (i.data as net.Server).close(r));
    },
  };
}

describe('throughput mode', () => {
  it('loads a CGI-relaying instance under its path prefix with a client that accepts bare-LF headers', async () => {
    const workload = resolveWorkloads(['hello'])[0]!;
    const adapter = cgiRelayAdapter();
    const ctx = {
      adapter,
      workload,
      variant: 'native' as const,
      deployment: await adapter.prepare(workload, 'native'),
      request: pickRequest(workload),
      options: withModeOptions(ONE, {
        throughput: { connections: [2], rates: [50], durationMs: 300, warmupMs: 0, sloNs: 60e9 },
      }),
      warn: () => {},
    };
    const [cell] = throughputMode.cells(ctx);
    await cell!.setup();
    const rows: SampleOut[] = [];
    try {
      for (let i = 0; i < cell!.rounds; i++) rows.push(...(await cell!.sample(i)));
    } finally {
      await cell!.teardown();
    }
    const closed = rows.find((r) => r.metric === 'throughput_rps')!;
    expect(closed).toMatchObject({ ok: true });
    expect(closed.value).toBeGreaterThan(0);
    expect(rows.filter((r) => r.phase === 'total').every((r) => r.ok)).toBe(true);
  });

  it('measures closed loop per connection count and open loop per rate, then the headline rows', async () => {
    const { rows, cell, adapter } = await runCell('Hello from faasbench\n', {
      connections: [1, 4],
      rates: [50, 100],
      durationMs: 300,
      warmupMs: 100,
      sloNs: 60e9,
    });
    // Each closed-loop count three times, interleaved, then each rate once.
    expect(cell.rounds).toBe(2 * 3 + 2);
    const totals = rows.filter((r) => r.phase === 'total');
    expect(totals.map((r) => [r.metric, r.tags])).toEqual([
      ['throughput_rps', { connections: 1 }],
      ['throughput_rps', { connections: 4 }],
      ['throughput_rps', { connections: 1 }],
      ['throughput_rps', { connections: 4 }],
      ['throughput_rps', { connections: 1 }],
      ['throughput_rps', { connections: 4 }],
      ['latency_ns', { rate: 50, percentile: 'p99' }],
      ['latency_ns', { rate: 100, percentile: 'p99' }],
      ['max_throughput_rps', { connections: expect.any(Number) }],
      ['slo_rate_rps', { slo_ns: 60e9, crossed_at_rps: 'none' }],
    ]);
    expect(totals.every((r) => r.ok && Number.isInteger(r.value) && r.value > 0)).toBe(true);
    const p = (rate: number, name: string) =>
      rows.find((r) => r.metric === 'latency_ns' && r.tags?.['rate'] === rate && r.tags?.['percentile'] === name)!
        .value;
    expect(p(50, 'p50')).toBeLessThanOrEqual(p(50, 'p90'));
    expect(p(50, 'p90')).toBeLessThanOrEqual(p(50, 'p99'));
    expect(p(50, 'p99')).toBeLessThanOrEqual(p(50, 'p99.9'));
    expect(rows.filter((r) => r.metric === 'requests_count' && r.tags?.['rate'] === 50).map((r) => r.value)).toEqual([
      15,
    ]);
    expect(rows.some((r) => r.metric === 'loadgen_cpu_ns' && r.value > 0)).toBe(true);
    expect(adapter.live.size).toBe(0);
  });

  it('repeats each closed-loop count as often as asked (ThroughputOptions.repeats)', async () => {
    const { rows, cell } = await runCell('Hello from faasbench\n', {
      connections: [1, 4],
      rates: [50],
      durationMs: 200,
      warmupMs: 50,
      sloNs: 60e9,
      repeats: 1,
    });
    expect(cell.rounds).toBe(2 * 1 + 1);
    expect(rows.filter((r) => r.phase === 'total' && r.metric === 'throughput_rps').map((r) => r.tags)).toEqual([
      { connections: 1 },
      { connections: 4 },
    ]);
  });

  it('marks every step with wrong answers ok=false with the counts, and has no maximum', async () => {
    const { rows } = await runCell('Goodbye\n', { connections: [2], rates: [50], durationMs: 200, warmupMs: 0 });
    const totals = rows.filter((r) => r.phase === 'total');
    const steps = totals.filter((r) => r.metric === 'throughput_rps' || r.metric === 'latency_ns');
    expect(steps.length).toBe(3 + 1); // the closed-loop count three times, the rate once
    for (const r of steps) {
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/wrong headers\/body of \d+ requests; first: body/);
    }
    expect(totals.find((r) => r.metric === 'max_throughput_rps')).toMatchObject({ ok: false, value: 0 });
    expect(totals.find((r) => r.metric === 'slo_rate_rps')).toMatchObject({ value: 0, tags: { crossed_at_rps: 50 } });
  });

  it('refuses instances without a URL', async () => {
    const workload = resolveWorkloads(['hello'])[0]!;
    const adapter = {
      ...stubAdapter('x'),
      start: async (d: Deployment) => ({ instance: { id: 'x', deployment: d }, phases: [] }),
    };
    const [cell] = throughputMode.cells({
      adapter,
      workload,
      variant: 'wasm',
      deployment: await adapter.prepare(workload, 'wasm'),
      request: pickRequest(workload),
      options: ONE,
      warn: () => {},
    });
    await expect(cell!.setup()).rejects.toThrow(/no HTTP URL/);
  });
});

describe('SLO refinement', () => {
  const pt = (rate: number, p99Ns: number) => ({ rate, p99Ns, failed: false });
  it('bisects between the last rate that met the SLO and the first that did not', () => {
    expect(refineRate([pt(100, 1e6), pt(500, 2e6), pt(800, 20e6)], 10e6)).toBe(650);
    expect(refineRate([pt(100, 1e6), pt(500, 2e6), pt(650, 3e6), pt(800, 20e6)], 10e6)).toBe(730);
  });
  it('stops when there is no crossing, nothing met the SLO, or the bracket is tight', () => {
    expect(refineRate([pt(100, 1e6), pt(200, 2e6)], 10e6)).toBeNull();
    expect(refineRate([pt(100, 20e6)], 10e6)).toBeNull();
    expect(refineRate([pt(1000, 1e6), pt(1050, 20e6)], 10e6)).toBeNull();
  });
});

describe('row builders', () => {
  const base: LoadResult = {
    kind: 'closed',
    client: 'raw',
    connections: 8,
    elapsedNs: 1e9,
    sent: 1000,
    completed: 1000,
    ok: 1000,
    badStatus: 0,
    mismatches: 0,
    errors: 0,
    timeouts: 0,
    unfinished: 0,
    achievedRps: 1000,
    cpuNs: 5e8,
  };
  it('picks the best clean closed-loop step as the maximum', () => {
    const rows = headlineRows(
      [
        base,
        { ...base, connections: 64, achievedRps: 3000 },
        { ...base, connections: 256, achievedRps: 9000, errors: 3 },
      ],
      [],
      1e6,
      2,
      'get',
    );
    expect(rows).toEqual([
      {
        iteration: 2,
        request: 'get',
        phase: 'total',
        metric: 'max_throughput_rps',
        value: 3000,
        ok: false,
        tags: { connections: 64 },
        error: 'some closed-loop steps had failed requests',
      },
    ]);
  });
  it('reports failed requests of a step as a count and an error', () => {
    const rows = stepRows(
      { ...base, ok: 990, badStatus: 4, timeouts: 6, firstError: 'status 502, expected 200' },
      0,
      'get',
    );
    expect(rows[0]).toMatchObject({
      metric: 'throughput_rps',
      ok: false,
      error: '4 wrong status, 6 timeouts of 1000 requests; first: status 502, expected 200',
    });
    expect(rows.find((r) => r.metric === 'failed_requests_count')).toMatchObject({ value: 10, ok: false });
  });
});
