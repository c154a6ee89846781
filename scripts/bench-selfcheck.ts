// Load generator self-check: can faasbench's load generator drive a bare Node
// `http` server at ≥ 30k requests/s on this machine? The server runs in this
// process, the generator in its own (as in a real run). Prints the figures, and
// the generator's capacity (req/s per core of generator CPU), which stays
// meaningful when the server, not the generator, is the limit.
// Usage: npm run bench:selfcheck [-- --duration 5 --connections 32]   (≤ 60 s)

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { LoadGenerator } from '../harness/load/client.js';
import type { ClosedLoopSpec, LoadResult, WireRequest } from '../harness/load/types.js';

const TARGET_RPS = 30_000;
const { values } = parseArgs({
  options: { duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' } },
});
const durationMs = Math.round(Math.min(10, Math.max(0.5, Number(values.duration))) * 1000);
const connections = Math.max(1, Number(values.connections));

const body = 'Hello from faasbench\n';
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const request: WireRequest = {
  method: 'GET',
  path: '/',
  query: '',
  headers: {},
  bodyBase64: '',
  expect: { status: 200, headers: { 'content-type': 'text/plain' }, body },
};

const clean = (r: LoadResult) => r.ok > 0 && r.badStatus + r.mismatches + r.errors + r.timeouts === 0;
const capacity = (r: LoadResult) => (r.cpuNs > 0 ? Math.round(r.achievedRps / (r.cpuNs / r.elapsedNs)) : 0);
const line = (label: string, r: LoadResult) => {
  const bad = r.badStatus + r.mismatches + r.errors + r.timeouts;
  const cpu = ((r.cpuNs / r.elapsedNs) * 100).toFixed(0);
  let s = `${label.padEnd(40)} ${String(r.achievedRps).padStart(7)} req/s  failed ${bad}/${r.sent}  generator CPU ${cpu.padStart(3)}% of a core (≈ ${capacity(r)} req/s per core)`;
  if (r.latency)
    s += `\n${''.padEnd(40)} CO-corrected p50 ${(r.latency.p50 / 1e3).toFixed(0)} µs  p99 ${(r.latency.p99 / 1e3).toFixed(0)} µs  p99.9 ${(r.latency.p999 / 1e3).toFixed(0)} µs; service p99 ${(r.service!.p99 / 1e3).toFixed(0)} µs`;
  return s;
};

const gen = await LoadGenerator.start();
const results: Array<{ label: string; r: LoadResult }> = [];
try {
  // Warm-up (JIT of server and both clients), not reported: first runs are several times slower.
  for (const client of ['autocannon', 'raw'] as const)
    await gen.run({ kind: 'closed', client, url, request, connections, durationMs: 1500 });
  console.log(
    `faasbench load generator self-check: bare node:http server at ${url}, ${durationMs / 1000} s per run, generator pid ${gen.pid}`,
  );
  const closed: Array<[string, Omit<ClosedLoopSpec, 'url' | 'request' | 'durationMs' | 'kind'>]> = [
    [`closed, autocannon, ${connections} conns`, { client: 'autocannon', connections }],
    [`closed, raw client, ${connections} conns`, { client: 'raw', connections }],
    [`closed, autocannon, ${connections} conns, pipelined ×8`, { client: 'autocannon', connections, pipelining: 8 }],
  ];
  for (const [label, spec] of closed) {
    const r = await gen.run({ kind: 'closed', url, request, durationMs, ...spec });
    results.push({ label, r });
    console.log(line(label, r));
  }
  const best = Math.max(0, ...results.filter((x) => clean(x.r) && !x.r.pipelining).map((x) => x.r.achievedRps));
  const rate = Math.max(1000, Math.round((best * 0.5) / 1000) * 1000);
  const open = await gen.run({ kind: 'open', url, request, connections, durationMs: Math.min(durationMs, 3000), rate });
  console.log(line(`open loop at ${rate} req/s`, open));
} finally {
  await gen.close();
  server.closeAllConnections();
  server.close();
}
const ok = results.filter((x) => clean(x.r));
const bestRun = ok.reduce<{ label: string; r: LoadResult } | null>(
  (b, x) => (!b || x.r.achievedRps > b.r.achievedRps ? x : b),
  null,
);
const best = bestRun?.r.achievedRps ?? 0;
const cap = Math.max(0, ...ok.filter((x) => !x.r.pipelining).map((x) => capacity(x.r)));
console.log(
  `\nself-check: ${best} req/s${bestRun ? ` (${bestRun.label})` : ''}, target ≥ ${TARGET_RPS}: ${best >= TARGET_RPS ? 'PASS' : 'BELOW TARGET'}`,
);
console.log(`generator capacity without pipelining: ≈ ${cap} req/s per core of generator CPU`);
process.exitCode = best >= TARGET_RPS ? 0 : 1;
