// The baseline of `conform http`, run as a child process: the component served by
// @bytecodealliance/preview2-shim's own Node HTTP server (`HTTPServer` from
// preview2-shim/http, what `jco serve` does), with every WASI import taken from
// preview2-shim, as jco's default import map would (wasi:X/Y → preview2-shim/X's Y).
// Nothing of faasbench's host is involved; faasbench only transpiles the component
// (the same jco transpiler, in sync instantiation mode, so the glue takes the import
// object directly instead of import statements naming preview2-shim).
//
// Its own process because preview2-shim's server can end or hang its process (an
// error response is process.exit(1), a trap is an uncaught exception, and one shared
// instance serves every request): harness/conform/http.ts restarts it when that
// happens, with a timeout on every request. Protocol: argv[2] is the component path;
// the child sends { port } (or { error }) over IPC once listening.

import { readFileSync } from 'node:fs';
import * as shim from '@bytecodealliance/preview2-shim';
import { prepareComponent } from '../../runtimes/wasm/component/prepare.js';

export type ShimServerReply = { port: number } | { error: string };

const send = (m: ShimServerReply): void => void process.send?.(m);

/** jco's default map: "wasi:io/streams" → preview2-shim's io.streams, "wasi:cli/terminal-input" → cli.terminalInput. */
function shimImports(names: string[]): Record<string, Record<string, unknown>> {
  const all = shim as unknown as Record<string, Record<string, Record<string, unknown>>>;
  const out: Record<string, Record<string, unknown>> = {};
  for (const name of names) {
    const m = /^wasi:([a-z]+)\/([a-z-]+)$/.exec(name);
    const iface = m ? all[m[1]!]?.[m[2]!.replace(/-([a-z])/g, (_s, c: string) => c.toUpperCase())] : undefined;
    if (!iface) throw new Error(`preview2-shim has no ${name}`);
    out[name] = iface;
  }
  return out;
}

try {
  const path = process.argv[2];
  if (!path || !process.send)
    throw new Error('usage: started by conform http with a component path and an IPC channel');
  // Its own memories: the shim's server instantiates without our image hook (prepare.ts, memoryImage).
  const c = await prepareComponent(readFileSync(path), path, { memoryImage: false });
  const exports = c.instantiate((f) => c.modules.get(f)!, shimImports(c.imports));
  const handler = exports[c.handlerExport] as { handle: (req: unknown, out: unknown) => void };
  const { HTTPServer } = (await import('@bytecodealliance/preview2-shim/http')) as unknown as {
    HTTPServer: new (h: unknown) => { listen(port: number, host: string): void; address(): { port: number } };
  };
  const server = new HTTPServer(handler);
  server.listen(0, '127.0.0.1');
  send({ port: server.address().port });
  process.once('disconnect', () => process.exit(0));
} catch (e) {
  send({ error: (e as Error).message });
  process.exit(2);
}
