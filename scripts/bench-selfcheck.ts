// Load generator self-check: can faasbench's load generator drive a bare Node
// `http` server at ≥ 30k requests/s on this machine? The server runs in this
// process, the generator in its own (as in a real run). Prints the figures.
// Usage: npm run bench:selfcheck [-- --duration 5 --connections 32]

import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { LoadGenerator } from '../harness/load/client.js';
import type { LoadResult, WireRequest } from '../harness/load/types.js';

const TARGET_RPS = 30_000;
const { values } = parseArgs({ options: { duration: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' } } });
const durationMs = Math.round(Number(values.duration) * 1000);
const connections = Number(values.connections);

const body = 'Hello from faasbench\n';
const server = http.createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
const request: WireRequest = { method: 'GET', path: '/', query: '', headers: {}, bodyBase64: '', expect: { status: 200, headers: { 'content-type': 'text/plain' }, body } };

const gen = await LoadGenerator.start();
const line = (label: string, r: LoadResult) => {
  const bad = r.badStatus + r.mismatches + r.errors + r.timeouts;
  const cpu = ((r.cpuNs / r.elapsedNs) * 100).toFixed(0);
  let s = `${label.padEnd(34)} ${String(r.achievedRps).padStart(7)} req/s  ok ${r.ok}  failed ${bad}  generator CPU ${cpu}% of a core`;
  if (r.latency) s += `  p50 ${(r.latency.p50 / 1e3).toFixed(0)} µs  p99 ${(r.latency.p99 / 1e3).toFixed(0)} µs (service p99 ${(r.service!.p99 / 1e3).toFixed(0)} µs)`;
  return s;
};
let best = 0;
try {
  await gen.run({ kind: 'closed', url, request, connections, durationMs: 1000 }); // warm-up, not reported
  console.log(`faasbench load generator self-check against a bare node:http server (${url}), ${durationMs / 1000} s per run`);
  const ac = await gen.run({ kind: 'closed', client: 'autocannon', url, request, connections, durationMs });
  console.log(line(`closed loop, autocannon, ${connections} conns`, ac));
  const raw = await gen.run({ kind: 'closed', client: 'raw', url, request, connections, durationMs });
  console.log(line(`closed loop, raw client, ${connections} conns`, raw));
  best = Math.max(ac.ok === ac.completed ? ac.achievedRps : 0, raw.ok === raw.completed ? raw.achievedRps : 0);
  const rate = Math.round((best * 0.5) / 1000) * 1000 || 1000;
  const open = await gen.run({ kind: 'open', url, request, connections, durationMs: Math.min(durationMs, 3000), rate });
  console.log(line(`open loop at ${rate} req/s`, open));
} finally {
  await gen.close();
  server.closeAllConnections();
  server.close();
}
console.log(`\nself-check: ${best} req/s (target ≥ ${TARGET_RPS}): ${best >= TARGET_RPS ? 'PASS' : 'BELOW TARGET'}`);
process.exitCode = best >= TARGET_RPS ? 0 : 1;
