// The component variant's entry: a workload's node/handler.mjs (the node variant,
// unchanged) served as a wasi:http/incoming-handler through componentize-js's
// fetch event. The request is given to the handler exactly as the node variant's
// hosts give it (runtimes/shared/node-handler.ts: method, path, raw query, lower-cased
// headers, body as a Buffer); its answer becomes the Response. scripts/build-components.ts
// bundles this file with the handler (HANDLER is an esbuild alias) and the shims beside it.
/* global addEventListener */ // StarlingMonkey's fetch-event global
import handler from 'HANDLER';

function splitTarget(url) {
  // The path and query as sent: string operations, not URL parsing (which would
  // normalise dot segments and percent-encoding the other variants see raw).
  const start = url.indexOf('/', url.indexOf('//') + 2);
  const target = start < 0 ? '/' : url.slice(start);
  const q = target.indexOf('?');
  return q < 0 ? { path: target, query: '' } : { path: target.slice(0, q), query: target.slice(q + 1) };
}

async function serve(request) {
  const { path, query } = splitTarget(request.url);
  const headers = {};
  for (const [k, v] of request.headers) headers[k.toLowerCase()] = v;
  const body = Buffer.from(new Uint8Array(await request.arrayBuffer()));
  const res = await handler({ method: request.method, path, query, headers, body });
  const out = new Headers();
  for (const [k, v] of Object.entries(res.headers ?? {})) out.set(k.toLowerCase(), String(v));
  const b = res.body === undefined ? new Uint8Array() : typeof res.body === 'string' ? new TextEncoder().encode(res.body) : new Uint8Array(res.body.buffer, res.body.byteOffset, res.body.byteLength);
  return new Response(b, { status: res.status ?? 200, headers: out });
}

addEventListener('fetch', (event) => event.respondWith(serve(event.request)));
