// Hosts one `node` variant handler (runtimes/shared/node-handler.ts contract) over
// HTTP. Plain .mjs with no dependencies, so it runs unchanged as a host process
// (process and pool adapters) and in a FROM-scratch container (container adapter).
//
//   node node-function-server.mjs /path/to/handler.mjs
//   env: PORT (required), HOST (default 127.0.0.1), FAASBENCH_MAX_BODY (bytes, default 16 MiB)
//
// Prints nothing: readiness is the port accepting connections. A handler that
// throws or returns nonsense gets the client a 500 and the server goes on serving.

import http from 'node:http';
import { pathToFileURL } from 'node:url';

const handlerPath = process.argv[2] ?? process.env.FAASBENCH_HANDLER;
const port = Number(process.env.PORT);
const host = process.env.HOST || '127.0.0.1';
const maxBody = Number(process.env.FAASBENCH_MAX_BODY) || 16 * 2 ** 20;

if (!handlerPath || !Number.isInteger(port) || port <= 0 || port > 65535) {
  process.stderr.write('usage: PORT=n node node-function-server.mjs HANDLER.mjs\n');
  process.exit(2);
}

const mod = await import(pathToFileURL(handlerPath).href);
const handler = mod.default;
if (typeof handler !== 'function') {
  process.stderr.write(`${handlerPath}: the node variant must export a default function (request) => response\n`);
  process.exit(2);
}

function send(res, status, headers, body) {
  res.writeHead(status, headers);
  res.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  let size = 0;
  let tooLarge = false;
  req.on('data', (c) => {
    size += c.length;
    if (size > maxBody) tooLarge = true;
    else chunks.push(c);
  });
  req.on('end', async () => {
    if (tooLarge)
      return send(res, 413, { 'content-type': 'text/plain' }, `request body larger than ${maxBody} bytes\n`);
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const headers = {};
    for (const [k, v] of Object.entries(req.headers))
      if (v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
    const request = {
      method: req.method ?? 'GET',
      path: q < 0 ? target : target.slice(0, q),
      query: q < 0 ? '' : target.slice(q + 1),
      headers,
      body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks),
    };
    try {
      const out = (await handler(request)) ?? {};
      const resHeaders = {};
      for (const [k, v] of Object.entries(out.headers ?? {})) resHeaders[k.toLowerCase()] = String(v);
      const body =
        out.body === undefined
          ? ''
          : typeof out.body === 'string'
            ? out.body
            : Buffer.from(out.body.buffer, out.body.byteOffset, out.body.byteLength);
      send(res, out.status ?? 200, resHeaders, body);
    } catch (e) {
      send(
        res,
        500,
        { 'content-type': 'text/plain' },
        `handler failed: ${e instanceof Error ? e.message : String(e)}\n`,
      );
    }
  });
});
server.keepAliveTimeout = 30_000;
server.on('error', (e) => {
  process.stderr.write(`node-function-server: ${e.message}\n`);
  process.exit(1);
});
server.listen(port, host);

for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));

// As a host process, go away with the harness even when it dies without cleaning up
// (kill -9): reparenting means the parent is gone. In a container the parent is 0.
const parent = process.ppid;
if (parent > 1)
  setInterval(() => {
    if (process.ppid !== parent) process.exit(0);
  }, 500).unref();
